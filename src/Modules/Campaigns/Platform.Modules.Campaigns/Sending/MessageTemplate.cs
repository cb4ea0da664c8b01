using System.Text;
using System.Text.RegularExpressions;
using Platform.Carriers.Abstractions;

namespace Platform.Modules.Campaigns.Sending;

/// <summary>
/// A campaign's text with placeholders: <c>{first_name}</c>, or <c>{first_name|there}</c> with a fallback for
/// recipients without a first name, and the company's own contact fields the same way, <c>{city}</c> or
/// <c>{city|your town}</c> (ADR 31). The one home of the placeholder rule: what a placeholder looks like, which are
/// known, and how one renders — the sender, the preview, the test send and the credit estimate all render here.
/// Rendering is per recipient, at send time, so a long value can change the number of segments; preparation reserves
/// credits for the longest value of each placeholder in the audience.
/// </summary>
internal static partial class MessageTemplate
{
    public const string FirstName = "first_name";

    /// <summary>The longest text a campaign or a saved template may have (ten concatenated segments and then some), and the form's words for it.</summary>
    public const int MaxLength = 1600;

    public const string TooLong = "A message can have at most 1,600 characters.";

    public const string Missing = "Write the message.";

    /// <summary>The placeholders a text uses, lower case, each once, in order of appearance.</summary>
    public static IReadOnlyList<string> PlaceholdersIn(string template) =>
        Placeholder().Matches(template).Select(m => m.Groups["name"].Value.ToLowerInvariant()).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>The contact fields a text uses: every placeholder but <c>{first_name}</c>.</summary>
    public static IReadOnlyList<string> FieldsIn(string template) =>
        PlaceholdersIn(template).Where(name => name != FirstName).ToList();

    /// <summary>The placeholders used that are neither <c>{first_name}</c> nor one of <paramref name="fieldKeys"/> (each is a mistake to show on the form).</summary>
    public static IReadOnlyList<string> UnknownPlaceholders(string template, IReadOnlyCollection<string> fieldKeys) =>
        FieldsIn(template).Where(name => !fieldKeys.Contains(name, StringComparer.Ordinal)).ToList();

    /// <summary>What is wrong with a text's placeholders, as a form says it (campaigns, saved templates and the preview alike).</summary>
    public static IEnumerable<string> PlaceholderProblems(string template, IReadOnlyCollection<string> fieldKeys)
    {
        var known = fieldKeys.Count == 0
            ? "Use {first_name} or {first_name|fallback}, or add a contact field under Contact lists → Contact fields."
            : $"Use {{first_name}} or one of your contact fields ({string.Join(", ", fieldKeys.Take(8).Select(k => $"{{{k}}}"))}), with |fallback if you like.";
        return UnknownPlaceholders(template, fieldKeys).Select(unknown => $"{{{unknown}}} is not a placeholder we know. {known}");
    }

    /// <summary>
    /// The text for one recipient: each placeholder becomes the recipient's value (trimmed), or its fallback when the
    /// value is missing or blank. <paramref name="fields"/> holds the recipient's contact field values by key; a field
    /// it lacks (or a field deleted since the text was written) renders its fallback, never the braces.
    /// </summary>
    public static string Render(string template, string? firstName, IReadOnlyDictionary<string, string>? fields = null)
    {
        if (template.IndexOf('{', StringComparison.Ordinal) < 0)
        {
            return template;
        }

        return Placeholder().Replace(template, match =>
        {
            var fallback = match.Groups["fallback"].Success ? match.Groups["fallback"].Value : string.Empty;
            var name = match.Groups["name"].Value.ToLowerInvariant();
            return ValueOf(name == FirstName ? firstName : fields?.GetValueOrDefault(name)) ?? fallback;
        });
    }

    /// <summary>What a placeholder shows of a recipient's value: the value trimmed, or null (its fallback) when it is missing or blank.</summary>
    public static string? ValueOf(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>
    /// The text split once, in order, into literal pieces (<see cref="TemplatePiece.Name"/> null) and placeholders (the
    /// name in lower case, the fallback as <see cref="TemplatePiece.Text"/>), for rendering many recipients from one split
    /// (<see cref="CampaignText"/>): appending each literal, and for each placeholder <see cref="ValueOf"/> or else its
    /// fallback, is <see cref="Render"/>.
    /// </summary>
    public static IReadOnlyList<TemplatePiece> Pieces(string template)
    {
        var pieces = new List<TemplatePiece>();
        var at = 0;
        foreach (Match match in Placeholder().Matches(template))
        {
            if (match.Index > at)
            {
                pieces.Add(new TemplatePiece(template[at..match.Index], null));
            }

            pieces.Add(new TemplatePiece(match.Groups["fallback"].Success ? match.Groups["fallback"].Value : string.Empty, match.Groups["name"].Value.ToLowerInvariant()));
            at = match.Index + match.Length;
        }

        if (at < template.Length)
        {
            pieces.Add(new TemplatePiece(template[at..], null));
        }

        return pieces;
    }

    /// <summary>What the preview shows: alphabet, characters, segments and the character that forced UCS-2.</summary>
    public static TextPreview Preview(string template, string? sampleFirstName, IReadOnlyDictionary<string, string>? sampleFields = null)
    {
        var text = Render(template, sampleFirstName, sampleFields);
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

    [GeneratedRegex(@"\{(?<name>[a-zA-Z_][a-zA-Z0-9_]*)(\|(?<fallback>[^{}]*))?\}")]
    private static partial Regex Placeholder();
}

/// <summary>
/// The longest value of a placeholder over many rows, in one aggregate: the value's length zero-padded in front, so the
/// plain maximum (byte order) is the longest. Preparation and the composer's preview both use it, so credits are
/// reserved for the rendering the preview shows.
/// </summary>
internal static class LongestValue
{
    /// <summary>The aggregate over <paramref name="expression"/> (text), with an optional FILTER condition.</summary>
    public static string Sql(string expression, string? filter = null) =>
        $"max((lpad(length({expression})::text, 6, '0') || {expression}) COLLATE \"C\")" + (filter is null ? string.Empty : $" FILTER (WHERE {filter})");

    /// <summary>The value read back from the aggregate (null when no row had one).</summary>
    public static string? Read(string? padded) => padded is { Length: >= 6 } ? padded[6..] : null;
}

/// <summary>A piece of a template (<see cref="MessageTemplate.Pieces"/>): literal text, or a placeholder's name and its fallback.</summary>
internal readonly record struct TemplatePiece(string Text, string? Name);

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
