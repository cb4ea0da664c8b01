using System.Globalization;
using System.Text;

namespace Platform.Modules.OptIns.Domain;

internal enum InboundKind
{
    /// <summary>Nothing recognisable: empty, too long, or not one word.</summary>
    Unknown,

    /// <summary>One word of 2–20 letters and digits: maybe a keyword on that number.</summary>
    Keyword,
    Stop,
    Start,
    Help,
}

/// <summary>What an inbound text asks for; <see cref="Word"/> is the keyword (for STOP PIZZA, PIZZA) or null.</summary>
internal sealed record InboundCommand(InboundKind Kind, string? Word)
{
    /// <summary>Longest cleaned text that is still read as a command; anything longer is a conversation, not a command.</summary>
    public const int MaxCommandLength = 40;

    /// <summary>Longest text kept in a consent record (ten concatenated segments).</summary>
    public const int MaxStoredLength = 1600;

    /// <summary>
    /// Reads a text the way the issue asks: the whole message, case-insensitive, surrounding spaces and punctuation
    /// ignored. Control and format characters (including right-to-left overrides and zero-width ones) are dropped
    /// first, so "\u202ESTOP" cannot hide from the matcher. A message that starts with an opt-out word is an opt-out
    /// ("STOP", "STOP PIZZA", "stop texting me"): when in doubt the platform stops.
    /// </summary>
    public static InboundCommand Parse(string? text)
    {
        var cleaned = Clean(text);
        if (cleaned.Length is 0 || cleaned.Length > MaxCommandLength * 4)
        {
            return new InboundCommand(InboundKind.Unknown, null);
        }

        var trimmed = TrimPunctuation(cleaned).ToUpperInvariant();
        var words = trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(TrimPunctuation)
            .Where(w => w.Length > 0)
            .ToArray();
        if (words.Length == 0)
        {
            return new InboundCommand(InboundKind.Unknown, null);
        }

        // "OPT OUT" is two words; read it as one.
        if (words.Length >= 2 && words[0] == "OPT" && words[1] == "OUT")
        {
            words = ["OPTOUT", .. words[2..]];
        }

        var first = words[0];
        var rest = words.Length == 2 && Keywords.IsWellFormed(words[1]) ? words[1] : null;
        if (ReservedWords.Stop.Contains(first))
        {
            return new InboundCommand(InboundKind.Stop, rest);
        }

        if (trimmed.Length > MaxCommandLength)
        {
            return new InboundCommand(InboundKind.Unknown, null);
        }

        if (ReservedWords.Start.Contains(first) && words.Length <= 2)
        {
            return new InboundCommand(InboundKind.Start, rest);
        }

        if (ReservedWords.Help.Contains(first) && words.Length <= 2)
        {
            return new InboundCommand(InboundKind.Help, rest);
        }

        return words.Length == 1 && Keywords.IsWellFormed(first)
            ? new InboundCommand(InboundKind.Keyword, first)
            : new InboundCommand(InboundKind.Unknown, null);
    }

    /// <summary>Drops control and format characters and NUL (PostgreSQL text cannot hold it); collapses runs of whitespace.</summary>
    public static string Clean(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        var builder = new StringBuilder(Math.Min(text.Length, MaxStoredLength * 2));
        var lastWasSpace = true;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsSurrogate(c))
            {
                // Keep well-formed pairs (emoji), drop lone halves: they are not valid text and PostgreSQL refuses them.
                if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    builder.Append(c).Append(text[i + 1]);
                    i++;
                    lastWasSpace = false;
                }

                continue;
            }

            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            if (char.IsWhiteSpace(c) || category is UnicodeCategory.Control)
            {
                if (!lastWasSpace)
                {
                    builder.Append(' ');
                    lastWasSpace = true;
                }

                continue;
            }

            if (category is UnicodeCategory.Format or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned)
            {
                continue;
            }

            builder.Append(c);
            lastWasSpace = false;
        }

        return builder.ToString().Trim();
    }

    /// <summary>The text as it is kept in a consent record: cleaned and at most 1,600 characters.</summary>
    public static string ForStorage(string? text)
    {
        var cleaned = Clean(text);
        if (cleaned.Length <= MaxStoredLength)
        {
            return cleaned;
        }

        // Do not cut a surrogate pair in half.
        var length = char.IsHighSurrogate(cleaned[MaxStoredLength - 1]) ? MaxStoredLength - 1 : MaxStoredLength;
        return cleaned[..length];
    }

    private static string TrimPunctuation(string value)
    {
        var start = 0;
        var end = value.Length;
        while (start < end && IsSurrounding(value[start]))
        {
            start++;
        }

        while (end > start && IsSurrounding(value[end - 1]))
        {
            end--;
        }

        return value[start..end];
    }

    private static bool IsSurrounding(char c) => char.IsWhiteSpace(c) || char.IsPunctuation(c) || char.IsSymbol(c);
}
