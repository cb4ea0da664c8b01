using System.Text.RegularExpressions;
using Platform.Modules.SenderIds.Domain;
using Platform.Modules.Shared;

namespace Platform.Modules.SenderIds.Features;

/// <summary>What a Sender ID may look like, and its comparison key.</summary>
internal static partial class SenderIdRules
{
    public const string AlphanumericHint = "An alphanumeric Sender ID has 3 to 11 characters (letters, digits and spaces) and at least one letter.";
    public const string NumericHint = "A numeric Sender ID is a long code in international format (for example +447700900123) or a short code of 3 to 8 digits.";

    /// <summary>A problem a person can fix, or null when the value is valid for its kind.</summary>
    public static string? Problem(string kind, string value)
    {
        var trimmed = value.Trim();
        if (kind == SenderIdKind.Alphanumeric)
        {
            if (trimmed.Length is < 3 or > 11)
            {
                return $"{AlphanumericHint} \"{trimmed}\" has {trimmed.Length}.";
            }

            if (!Alphanumeric().IsMatch(trimmed))
            {
                return $"{AlphanumericHint} Remove the other characters.";
            }

            if (!trimmed.Any(char.IsAsciiLetter))
            {
                return $"{AlphanumericHint} An all-digit Sender ID must be applied for as numeric.";
            }

            return null;
        }

        if (kind == SenderIdKind.Numeric)
        {
            return ShortCode().IsMatch(trimmed) || PhoneNumbers.TryNormalizeE164(trimmed, out _) ? null : NumericHint;
        }

        return "Choose alphanumeric or numeric.";
    }

    /// <summary>Upper case for names, E.164 for long codes: what uniqueness and checks compare.</summary>
    public static string Key(string value)
    {
        var trimmed = value.Trim();
        if (trimmed.StartsWith('+') || trimmed.StartsWith("00", StringComparison.Ordinal))
        {
            return PhoneNumbers.TryNormalizeE164(trimmed, out var e164) ? e164 : trimmed.ToUpperInvariant();
        }

        return trimmed.ToUpperInvariant();
    }

    [GeneratedRegex("^[A-Za-z0-9 ]+$")]
    private static partial Regex Alphanumeric();

    [GeneratedRegex("^[0-9]{3,8}$")]
    private static partial Regex ShortCode();
}

/// <summary>ISO 3166-1 alpha-2 country codes.</summary>
internal static class Countries
{
    public static readonly IReadOnlyList<string> All = (
        "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
        "CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR " +
        "GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP " +
        "KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT " +
        "MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW " +
        "SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG " +
        "UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW").Split(' ');

    private static readonly HashSet<string> Set = new(All, StringComparer.Ordinal);

    public static bool IsValid(string code) => Set.Contains(code);
}
