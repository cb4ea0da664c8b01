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
    /// <summary>
    /// The ISO 3166 region of an E.164 number for the countries whose own opt-out words the platform reads ("+33…" →
    /// "FR"), else null. Not a full numbering plan: "+1" answers "US" for all of NANP, which shares its words.
    /// </summary>
    public static string? RegionOf(string? e164)
    {
        if (e164 is null || !E164().IsMatch(e164))
        {
            return null;
        }

        for (var length = 3; length >= 1; length--)
        {
            if (RegionsByCallingCode.TryGetValue(e164.Substring(1, length), out var region))
            {
                return region;
            }
        }

        return null;
    }

    private static readonly Dictionary<string, string> RegionsByCallingCode = new(StringComparer.Ordinal)
    {
        ["1"] = "US", ["44"] = "GB", ["353"] = "IE", ["33"] = "FR", ["32"] = "BE", ["41"] = "CH", ["49"] = "DE", ["43"] = "AT",
        ["34"] = "ES", ["52"] = "MX", ["54"] = "AR", ["57"] = "CO", ["56"] = "CL", ["51"] = "PE", ["39"] = "IT", ["31"] = "NL",
        ["351"] = "PT", ["55"] = "BR",
    };

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

    /// <summary>
    /// Like <see cref="TryNormalizeE164(string?, out string)"/>, but a number written without "+" or "00" is taken
    /// as a national number of the country with <paramref name="defaultCallingCode"/> (for example "44"): its
    /// leading national 0 is dropped and the calling code put in front ("07700 900123" → "+447700900123").
    /// </summary>
    public static bool TryNormalizeE164(string? input, string? defaultCallingCode, out string e164)
    {
        if (string.IsNullOrEmpty(defaultCallingCode) || string.IsNullOrWhiteSpace(input))
        {
            return TryNormalizeE164(input, out e164);
        }

        var compact = Separators().Replace(input.Trim(), string.Empty);
        if (compact.StartsWith('+') || compact.StartsWith("00", StringComparison.Ordinal))
        {
            return TryNormalizeE164(compact, out e164);
        }

        return TryNormalizeE164("+" + defaultCallingCode + (compact.StartsWith('0') ? compact[1..] : compact), out e164);
    }

    [GeneratedRegex(@"[\s\-\.\(\)]")]
    private static partial Regex Separators();

    [GeneratedRegex(@"^\+[1-9][0-9]{7,14}$")]
    private static partial Regex E164();
}
