using System.Text.RegularExpressions;

namespace Platform.Modules.Shared;

/// <summary>Mobile numbers in E.164 (+ and 8–15 digits), the only form the platform stores.</summary>
public static partial class PhoneNumbers
{
    public const string FormatHint = "Enter the mobile number in international format, for example +447700900123.";

    /// <summary>
    /// Normalises what a person typed ("+44 7700 900-123", "0044…") to E.164, or returns false.
    /// A number without a country code is refused rather than guessed: the default country belongs to
    /// the caller (a CSV import has one), not to this function.
    /// </summary>
    public static bool TryNormalizeE164(string? input, out string e164)
    {
        e164 = string.Empty;
        if (string.IsNullOrWhiteSpace(input))
        {
            return false;
        }

        var compact = Separators().Replace(input.Trim(), string.Empty);
        if (compact.StartsWith("00", StringComparison.Ordinal))
        {
            compact = "+" + compact[2..];
        }

        if (!E164().IsMatch(compact))
        {
            return false;
        }

        e164 = compact;
        return true;
    }

    [GeneratedRegex(@"[\s\-\.\(\)]")]
    private static partial Regex Separators();

    [GeneratedRegex(@"^\+[1-9][0-9]{7,14}$")]
    private static partial Regex E164();
}
