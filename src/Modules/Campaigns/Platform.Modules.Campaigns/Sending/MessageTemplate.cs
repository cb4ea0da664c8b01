using System.Text;
using System.Text.RegularExpressions;
using Platform.Carriers.Abstractions;

namespace Platform.Modules.Campaigns.Sending;

/// <summary>
/// A campaign's text with placeholders: <c>{first_name}</c>, or <c>{first_name|there}</c> with a fallback for
/// recipients without a first name. Rendering is per recipient, at send time, so a long first name can change
/// the number of segments; preparation reserves credits for the longest first name in the audience.
/// </summary>
internal static partial class MessageTemplate
{
    public const string FirstName = "first_name";

    /// <summary>The longest text a campaign or a saved template may have (ten concatenated segments and then some), and the form's words for it.</summary>
    public const int MaxLength = 1600;

    public const string TooLong = "A message can have at most 1,600 characters.";

    public const string Missing = "Write the message.";

    public static readonly IReadOnlyList<string> KnownPlaceholders = [FirstName];

    /// <summary>The placeholders used that the platform does not know (each is a mistake to show on the form).</summary>
    public static IReadOnlyList<string> UnknownPlaceholders(string template) =>
        Placeholder().Matches(template).Select(m => m.Groups["name"].Value)
            .Where(name => !KnownPlaceholders.Contains(name, StringComparer.OrdinalIgnoreCase))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();

    /// <summary>What is wrong with a text's placeholders, as a form says it (campaigns and saved templates alike).</summary>
    public static IEnumerable<string> PlaceholderProblems(string template) =>
        UnknownPlaceholders(template).Select(unknown => $"{{{unknown}}} is not a placeholder we know. Use {{first_name}} or {{first_name|fallback}}.");

    public static string Render(string template, string? firstName)
    {
        if (template.IndexOf('{', StringComparison.Ordinal) < 0)
        {
            return template;
        }

        return Placeholder().Replace(template, match =>
        {
            var fallback = match.Groups["fallback"].Success ? match.Groups["fallback"].Value : string.Empty;
            return string.Equals(match.Groups["name"].Value, FirstName, StringComparison.OrdinalIgnoreCase)
                ? (string.IsNullOrWhiteSpace(firstName) ? fallback : firstName.Trim())
                : match.Value;
        });
    }

    /// <summary>What the preview shows: alphabet, characters, segments and the character that forced UCS-2.</summary>
    public static TextPreview Preview(string template, string? sampleFirstName)
    {
        var text = Render(template, sampleFirstName);
        var info = SmsEncoding.Analyze(text);
        return new TextPreview(
            info.Alphabet == SmsAlphabet.Gsm7 ? "GSM-7" : "UCS-2",
            info.Length,
            info.Segments,
            info.Alphabet == SmsAlphabet.Gsm7 ? SmsEncoding.Gsm7SinglePartLength : SmsEncoding.Ucs2SinglePartLength,
            info.Alphabet == SmsAlphabet.Gsm7 ? SmsEncoding.Gsm7MultiPartLength : SmsEncoding.Ucs2MultiPartLength,
            info.FirstNonGsmCharacter is null ? null : Describe(info.FirstNonGsmCharacter),
            info.FirstNonGsmIndex,
            text);
    }

    public static int Segments(string text) => SmsEncoding.Analyze(text).Segments;

    private static string Describe(string character)
    {
        var builder = new StringBuilder();
        foreach (var rune in character.EnumerateRunes())
        {
            builder.Append(builder.Length == 0 ? string.Empty : " ").Append($"U+{rune.Value:X4}");
        }

        return $"{character} ({builder})";
    }

    [GeneratedRegex(@"\{(?<name>[a-zA-Z_]+)(\|(?<fallback>[^{}]*))?\}")]
    private static partial Regex Placeholder();
}

/// <summary>The live preview of a template: encoding, length in encoding units, segments and the per-part limits.</summary>
internal sealed record TextPreview(
    string Encoding,
    int Characters,
    int Segments,
    int SinglePartLimit,
    int MultiPartLimit,
    string? SwitchedToUcs2By,
    int? SwitchedAtIndex,
    string Rendered);
