using System.Security.Cryptography;
using System.Text;

namespace Platform.Modules.OptIns.Domain;

/// <summary>The words the platform answers itself on every number, whatever the companies' keywords.</summary>
internal static class ReservedWords
{
    public static readonly IReadOnlyList<string> Stop = ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT", "OPT OUT"];

    public static readonly IReadOnlyList<string> Start = ["START", "UNSTOP", "YES"];

    public static readonly IReadOnlyList<string> Help = ["HELP", "INFO"];

    public static readonly IReadOnlyList<string> All = [.. Stop, .. Start, .. Help];

    // Opt-out words people text in their own language. STOP is left out of them: the English list applies everywhere.
    private static readonly string[] French = ["ARRET", "DESABONNER", "DESINSCRIRE"];
    private static readonly string[] German = ["STOPP", "ABMELDEN", "ENDE"];
    private static readonly string[] Spanish = ["BAJA", "ALTO", "PARAR", "CANCELAR"];
    private static readonly string[] Italian = ["BASTA", "CANCELLA"];
    private static readonly string[] Dutch = ["AFMELDEN"];
    private static readonly string[] Portuguese = ["PARAR", "SAIR", "CANCELAR"];

    /// <summary>
    /// Opt-out words in addition to <see cref="Stop"/>, by the ISO 3166 country of the handset. Only that country's
    /// handsets get them: ALTO or BASTA from elsewhere may well be a company's keyword. A country with several
    /// languages gets each of them. Not in <see cref="All"/>: the rules for companies' keywords are unchanged.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> StopByRegion = new Dictionary<string, string[][]>
    {
        ["FR"] = [French], ["MC"] = [French], ["CA"] = [French], ["LU"] = [French, German],
        ["BE"] = [French, Dutch, German], ["CH"] = [German, French, Italian],
        ["DE"] = [German], ["AT"] = [German], ["LI"] = [German],
        ["IT"] = [Italian], ["SM"] = [Italian], ["VA"] = [Italian],
        ["NL"] = [Dutch],
        ["PT"] = [Portuguese], ["BR"] = [Portuguese], ["AO"] = [Portuguese], ["MZ"] = [Portuguese],
        ["ES"] = [Spanish], ["MX"] = [Spanish], ["AR"] = [Spanish], ["CO"] = [Spanish], ["CL"] = [Spanish],
        ["PE"] = [Spanish], ["VE"] = [Spanish], ["EC"] = [Spanish], ["GT"] = [Spanish], ["CU"] = [Spanish],
        ["BO"] = [Spanish], ["DO"] = [Spanish], ["HN"] = [Spanish], ["PY"] = [Spanish], ["SV"] = [Spanish],
        ["NI"] = [Spanish], ["CR"] = [Spanish], ["PA"] = [Spanish], ["UY"] = [Spanish], ["PR"] = [Spanish],
    }.ToDictionary(
        pair => pair.Key,
        pair => (IReadOnlyList<string>)pair.Value.SelectMany(words => words).Distinct(StringComparer.Ordinal).ToArray(),
        StringComparer.OrdinalIgnoreCase);

    /// <summary>The reserved words in their lookalike-folded form, spaces removed ("OPT OUT" → "OPTOUT").</summary>
    private static readonly HashSet<string> Folded = All.Select(FoldWord).ToHashSet(StringComparer.Ordinal);

    private static readonly HashSet<string> FoldedStop = Stop.Select(FoldWord).ToHashSet(StringComparer.Ordinal);

    private static readonly Dictionary<string, HashSet<string>> FoldedStopByRegion = StopByRegion.ToDictionary(
        pair => pair.Key,
        pair => pair.Value.Select(FoldWord).ToHashSet(StringComparer.Ordinal),
        StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Whether an upper-case word is an opt-out word for a handset of that country (null or unknown: the English words
    /// only). Digit lookalikes count (ST0P, 5TOP): no company may have such a keyword, so they can only mean STOP.
    /// </summary>
    public static bool IsStop(string word, string? handsetRegion)
    {
        var folded = FoldWord(word);
        return FoldedStop.Contains(folded)
            || (handsetRegion is not null && FoldedStopByRegion.TryGetValue(handsetRegion.Trim(), out var regional) && regional.Contains(folded));
    }

    /// <summary>
    /// The reserved word a candidate keyword is, or looks like: the same after folding lookalike characters
    /// (0→O, 1/L→I, 5→S, 8→B, 3→E …), or a reserved word followed or preceded only by digits (HELP1, 2STOP).
    /// </summary>
    public static string? Resembles(string word)
    {
        var folded = Keywords.Fold(word);
        foreach (var reserved in All)
        {
            var target = FoldWord(reserved);
            if (folded == target)
            {
                return reserved;
            }

            var index = folded.IndexOf(target, StringComparison.Ordinal);
            if (index >= 0 && word.Length > target.Length)
            {
                var rest = word.Remove(index, target.Length);
                if (rest.All(char.IsAsciiDigit))
                {
                    return reserved;
                }
            }
        }

        return null;
    }

    public static bool IsReserved(string folded) => Folded.Contains(folded);

    private static string FoldWord(string word) => Keywords.Fold(word.Replace(" ", string.Empty, StringComparison.Ordinal));
}

/// <summary>Rules for the keywords companies choose.</summary>
internal static class Keywords
{
    public const int MinLength = 2;
    public const int MaxLength = 20;

    /// <summary>Upper case, trimmed: the form keywords are stored and matched in.</summary>
    public static string Normalize(string word) => word.Trim().ToUpperInvariant();

    /// <summary>2–20 ASCII letters and digits.</summary>
    public static bool IsWellFormed(string word) =>
        word.Length is >= MinLength and <= MaxLength && word.All(char.IsAsciiLetterOrDigit);

    /// <summary>Folds characters people (and spammers) use as lookalikes onto one letter, in upper case.</summary>
    public static string Fold(string word)
    {
        var builder = new StringBuilder(word.Length);
        foreach (var c in word.ToUpperInvariant())
        {
            builder.Append(c switch
            {
                '0' => 'O',
                '1' or 'L' or '|' or '!' => 'I',
                '5' or '$' => 'S',
                '3' => 'E',
                '4' or '@' => 'A',
                '7' => 'T',
                '8' => 'B',
                '6' or '9' => 'G',
                '2' => 'Z',
                _ => c,
            });
        }

        return builder.ToString();
    }

    /// <summary>The problem with a keyword a company wants, or null when it may have it (uniqueness aside).</summary>
    public static string? Problem(string? input)
    {
        if (string.IsNullOrWhiteSpace(input))
        {
            return "Enter the keyword people will text, for example PIZZA.";
        }

        var word = Normalize(input);
        if (!IsWellFormed(word))
        {
            return $"A keyword has {MinLength} to {MaxLength} letters and digits, without spaces or symbols.";
        }

        if (ReservedWords.Resembles(word) is { } reserved)
        {
            return reserved.Equals(word, StringComparison.Ordinal) || reserved.Replace(" ", string.Empty, StringComparison.Ordinal) == word
                ? $"{word} is reserved: everyone can text it to opt out, opt back in or get help. Choose another keyword."
                : $"{word} looks like the reserved word {reserved}, which everyone can text to opt out, opt back in or get help. Choose a keyword that cannot be mistaken for it.";
        }

        return null;
    }
}

/// <summary>User codes: 6 characters from an alphabet without lookalikes, drawn with a cryptographic generator.</summary>
internal static class UserCodes
{
    /// <summary>No 0/O, 1/I/L: 31 characters, about 887 million codes.</summary>
    public const string Alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

    public const int Length = 6;

    public static string New() => RandomNumberGenerator.GetString(Alphabet, Length);

    /// <summary>Upper case without spaces; null unless it is 6 characters of the alphabet.</summary>
    public static string? Normalize(string? input)
    {
        if (input is null)
        {
            return null;
        }

        var code = input.Trim().Replace(" ", string.Empty, StringComparison.Ordinal).ToUpperInvariant();
        return code.Length == Length && code.All(c => Alphabet.Contains(c, StringComparison.Ordinal)) ? code : null;
    }
}

/// <summary>15-digit IMEI with its Luhn check digit.</summary>
internal static class Imeis
{
    public static bool IsValid(string? input)
    {
        if (input is null || input.Length != 15 || !input.All(char.IsAsciiDigit))
        {
            return false;
        }

        var sum = 0;
        for (var i = 0; i < 15; i++)
        {
            var digit = input[14 - i] - '0';
            if (i % 2 == 1)
            {
                digit *= 2;
                if (digit > 9)
                {
                    digit -= 9;
                }
            }

            sum += digit;
        }

        return sum % 10 == 0;
    }

    /// <summary>Digits only (people type spaces and dashes).</summary>
    public static string Compact(string input) => new(input.Where(char.IsAsciiDigit).ToArray());
}
