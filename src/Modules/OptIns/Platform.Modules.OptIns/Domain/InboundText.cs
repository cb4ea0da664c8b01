using System.Globalization;
using System.Text;

namespace Platform.Modules.OptIns.Domain;

internal enum InboundKind
{
    /// <summary>Nothing recognisable: empty, or a conversation (it goes to the business inbox).</summary>
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
    /// <summary>
    /// Longest text still read as START, HELP or a keyword; anything longer is a conversation. An opt-out has no such
    /// limit: a long message that starts with STOP, or asks to stop, is one.
    /// </summary>
    public const int MaxCommandLength = 40;

    /// <summary>Longest text kept in a consent record (ten concatenated segments).</summary>
    public const int MaxStoredLength = 1600;

    /// <summary>
    /// Phrases that ask to stop wherever they stand in a message, in the folded words <see cref="Words"/> gives
    /// ("don't" is DONT). Bare STOP, END or CANCEL are not here: in the middle of a sentence they are everyday words
    /// ("the bus stop", "the end of the street"); at the start of a message they are read as opt-out words anyway.
    /// </summary>
    private static readonly string[] OptOutPhrases =
    [
        "UNSUBSCRIBE", "UNSUB", "OPTOUT", "OPT OUT", "OPT ME OUT", "STOPALL",
        "PLEASE STOP", "PLS STOP", "PLZ STOP", "JUST STOP", "SAID STOP", "OK STOP", "OKAY STOP",
        "STOP SENDING", "STOP TEXTING", "STOP MESSAGING", "STOP CONTACTING", "STOP SPAMMING", "STOP CALLING",
        "REMOVE ME", "REMOVE MY NUMBER", "DELETE MY NUMBER", "TAKE ME OFF",
        "DO NOT TEXT", "DONT TEXT", "DO NOT MESSAGE", "DONT MESSAGE", "DO NOT CONTACT", "DONT CONTACT", "DO NOT SMS", "DONT SMS",
        "NEVER TEXT", "NEVER MESSAGE", "NEVER CONTACT",
        "NO MORE MESSAGES", "NO MORE MESSAGE", "NO MORE TEXTS", "NO MORE TEXT", "NO MORE SMS",
        "LEAVE ME ALONE",
    ];

    /// <summary>The phrases padded with spaces, so that one is only found as whole words ("STOPS ENDING" is not "STOP SENDING").</summary>
    private static readonly string[] PaddedOptOutPhrases = [.. OptOutPhrases.Select(phrase => $" {phrase} ")];

    /// <summary>
    /// Words that may follow STOP, START or HELP without naming a keyword: "STOP please" stops everything rather than
    /// a keyword PLEASE, and if a company had the keyword NOW, "STOP NOW" must not stop only that company.
    /// </summary>
    private static readonly HashSet<string> NotKeywords = new(
        ["PLEASE", "PLS", "PLZ", "NOW", "ALL", "ME", "IT", "THANKS", "THX", "TY", "OK", "OKAY", "ASAP", "AGAIN",
         "SENDING", "TEXTING", "MESSAGING", "SPAMMING", "CONTACTING", "TEXTS", "MESSAGES", "SMS"],
        StringComparer.Ordinal);

    /// <summary>
    /// Letters of other scripts that look like Latin ones, pairwise (from, to), so that a look-alike spelling
    /// (Cyrillic SТОР, Greek ΤΟΡ, "fancy text" small capitals) reads as the word it imitates. Lower-case letters whose
    /// upper case is listed need no entry; those listed look like a different Latin letter than their upper case.
    /// </summary>
    private static readonly Dictionary<char, char> LookAlikes = Pairs(
        // Cyrillic
        "АAВBЕEЅSІIЈJКKМMНHОOРPСCТTУYХXҮYҺHԚQԜWӀIԀD" + "пNӏL" +
        // Greek
        "ΑAΒBΕEΖZΗHΙIΚKΜMΝNΟOΡPΤTΥYΧXϹCϳJ" + "νVυUηNωWγY" +
        // Latin small capitals
        "ᴀAʙBᴄCᴅDᴇEꜰFɢGʜHɪIᴊJᴋKʟLᴍMɴNᴏOᴘPʀRꜱSᴛTᴜUᴠVᴡWʏYᴢZ");

    /// <summary>Apostrophes join a word rather than split it: "don't" is DONT, whichever apostrophe the phone types.</summary>
    private const string Apostrophes = "'\u2019\u2018\u02BC\u2032\uFF07";

    /// <summary>Reads a text from a handset of unknown country: the English opt-out words only.</summary>
    public static InboundCommand Parse(string? text) => Parse(text, handsetRegion: null);

    /// <summary>
    /// Reads a text the way issues 1 and 12 ask. The text is folded first: control and format characters dropped
    /// (so "\u202ESTOP" cannot hide), compatibility forms folded (full-width ＳＴＯＰ, 𝐒𝐓𝐎𝐏), diacritics stripped
    /// (Arrêt → ARRET), Cyrillic and Greek look-alikes read as Latin, emoji and symbols ignored, and punctuation and
    /// spaces taken as word breaks. STOP means stop, whoever sends it and however: when in doubt, the platform stops.
    /// So a message is an opt-out when it is an opt-out word once spelled out ("S T O P", "opt-out"), when it starts
    /// with one (however long: "STOP. I never signed up…"), or when it plainly asks to stop anywhere ("please stop",
    /// "do not text me"). <paramref name="handsetRegion"/> (ISO 3166 alpha-2 of the sender's number, or null) adds that
    /// country's words (<see cref="ReservedWords.StopByRegion"/>) to the English ones.
    /// </summary>
    public static InboundCommand Parse(string? text, string? handsetRegion)
    {
        // A text longer than a consent record keeps is read from its first 1,600 characters: how it starts is what counts.
        var words = Words(ForStorage(text));
        if (words.Count == 0)
        {
            return new InboundCommand(InboundKind.Unknown, null);
        }

        if (ReadStop(words, handsetRegion) is { } stop)
        {
            return stop;
        }

        // START, HELP and keywords are commands, not sentences: no more than two words.
        if (words.Count > 2 || string.Join(' ', words).Length > MaxCommandLength)
        {
            return new InboundCommand(InboundKind.Unknown, null);
        }

        var first = words[0];
        var next = words.Count == 2 ? KeywordAfterCommand(words[1]) : null;
        if (ReservedWords.Start.Contains(first))
        {
            return new InboundCommand(InboundKind.Start, next);
        }

        if (ReservedWords.Help.Contains(first))
        {
            return new InboundCommand(InboundKind.Help, next);
        }

        return words.Count == 1 && Keywords.IsWellFormed(first)
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

    /// <summary>The opt-out a message is, or null when it is none (see <see cref="Parse(string?, string?)"/>).</summary>
    private static InboundCommand? ReadStop(List<string> words, string? handsetRegion)
    {
        var spelled = JoinSpelledOut(words);

        // The whole message is one opt-out word once its separators are gone: "S T O P", "opt-out", "STOP ALL".
        var joined = string.Concat(spelled);
        if (joined.Length <= Keywords.MaxLength && ReservedWords.IsStop(joined, handsetRegion))
        {
            return new InboundCommand(InboundKind.Stop, null);
        }

        // It starts with one. Two words only when listed as such (OPT OUT): gluing any two would read the Dutch "En de…"
        // as the German ENDE. The one word after it, if any, is the keyword to stop: STOP PIZZA.
        var lead = ReservedWords.IsStop(spelled[0], handsetRegion) ? 1
            : spelled.Count >= 2 && ReservedWords.Stop.Contains($"{spelled[0]} {spelled[1]}") ? 2
            : 0;
        if (lead > 0)
        {
            return new InboundCommand(InboundKind.Stop, spelled.Count == lead + 1 ? KeywordAfterCommand(spelled[lead]) : null);
        }

        var sentence = $" {string.Join(' ', spelled)} ";
        return PaddedOptOutPhrases.Any(phrase => sentence.Contains(phrase, StringComparison.Ordinal))
            ? new InboundCommand(InboundKind.Stop, null)
            : null;
    }

    /// <summary>The keyword named after STOP, START or HELP; null when the word is not one (PLEASE, ME, another reserved word).</summary>
    private static string? KeywordAfterCommand(string word) =>
        Keywords.IsWellFormed(word) && !NotKeywords.Contains(word) && !ReservedWords.IsReserved(Keywords.Fold(word)) ? word : null;

    /// <summary>
    /// The words of a text, folded to upper-case Latin letters and digits (see <see cref="Parse(string?, string?)"/>).
    /// Letters of other scripts stay as they are: they simply match no word.
    /// </summary>
    private static List<string> Words(string cleaned)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        foreach (var rune in cleaned.EnumerateRunes())
        {
            if (IsIgnored(Rune.GetUnicodeCategory(rune)))
            {
                continue;
            }

            // Compatibility decomposition folds full-width and styled letters and splits off diacritics, dropped below.
            var decomposed = rune.IsAscii ? rune.ToString() : rune.ToString().Normalize(NormalizationForm.FormKD);
            foreach (var part in decomposed.EnumerateRunes())
            {
                if (IsIgnored(Rune.GetUnicodeCategory(part)) || (part.IsBmp && Apostrophes.Contains((char)part.Value, StringComparison.Ordinal)))
                {
                    continue;
                }

                if (Rune.IsLetterOrDigit(part))
                {
                    word.Append(ToLatin(part));
                }
                else if (word.Length > 0)
                {
                    words.Add(word.ToString());
                    word.Clear();
                }
            }
        }

        if (word.Length > 0)
        {
            words.Add(word.ToString());
        }

        return words;
    }

    /// <summary>Diacritics, emoji (with their skin tones and variation selectors) and symbols are ignored, not word breaks: "ST🛑OP" is STOP.</summary>
    private static bool IsIgnored(UnicodeCategory category) => category is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark
        or UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol or UnicodeCategory.ModifierSymbol or UnicodeCategory.OtherSymbol
        or UnicodeCategory.Format or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;

    private static string ToLatin(Rune letter)
    {
        if (letter.IsBmp && LookAlikes.TryGetValue((char)letter.Value, out var latin))
        {
            return latin.ToString();
        }

        var upper = Rune.ToUpperInvariant(letter);
        return upper.IsBmp && LookAlikes.TryGetValue((char)upper.Value, out latin) ? latin.ToString() : upper.ToString();
    }

    /// <summary>Runs of two or more one-character words are one spelled-out word: "S T O P", "S.T.O.P" and "S-T-O-P" are STOP.</summary>
    private static List<string> JoinSpelledOut(List<string> words)
    {
        var joined = new List<string>(words.Count);
        for (var i = 0; i < words.Count; i++)
        {
            var end = i;
            while (end < words.Count && words[end].Length == 1)
            {
                end++;
            }

            if (end - i >= 2)
            {
                joined.Add(string.Concat(words.GetRange(i, end - i)));
                i = end - 1;
            }
            else
            {
                joined.Add(words[i]);
            }
        }

        return joined;
    }

    private static Dictionary<char, char> Pairs(string pairs)
    {
        var map = new Dictionary<char, char>(pairs.Length / 2);
        for (var i = 0; i + 1 < pairs.Length; i += 2)
        {
            map.Add(pairs[i], pairs[i + 1]);
        }

        return map;
    }
}
