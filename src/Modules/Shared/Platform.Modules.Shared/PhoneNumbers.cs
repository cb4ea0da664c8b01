using System.Text.RegularExpressions;
using LibPhoneNumber = PhoneNumbers.PhoneNumber;
using NumberFormat = PhoneNumbers.PhoneNumberFormat;
using NumberParseException = PhoneNumbers.NumberParseException;
using NumberType = PhoneNumbers.PhoneNumberType;
using NumberUtil = PhoneNumbers.PhoneNumberUtil;
using Possibility = PhoneNumbers.PhoneNumberUtil.ValidationResult;

namespace Platform.Modules.Shared;

/// <summary>
/// Mobile numbers: what a person or a file wrote is read with libphonenumber, stored in E.164 (the only form the platform
/// stores) and shown in national format to someone in the number's own country (ADR 17). A number is taken when it is
/// possible, that is its country's numbering plan allows its length; whether it is in an allocated range
/// (<c>IsValidNumber</c>) is only a warning, because the +1 555 numbers of the tests and the demo are not.
/// </summary>
public static partial class PhoneNumbers
{
    public const string FormatHint = "Enter the mobile number in international format, for example +447700900123.";

    // Thread-safe, loads its metadata once.
    private static readonly NumberUtil Util = NumberUtil.GetInstance();

    /// <summary>
    /// Reads what a person typed, in international form only ("+44 7700 900-123", "0044…"): a number without a country
    /// code is refused rather than guessed. Use <see cref="Parse"/> where the person's or the company's country is known.
    /// </summary>
    public static bool TryNormalizeE164(string? input, out string e164) => Parse(input, defaultCountry: null).TryGetE164(out e164);

    /// <summary>
    /// Like <see cref="TryNormalizeE164(string?, out string)"/>, but a number written without "+" or "00" is read as a
    /// national number of the (main) country with <paramref name="defaultCallingCode"/>, for example "44":
    /// "07700 900123" → "+447700900123". Prefer <see cref="Parse"/> with the country itself.
    /// </summary>
    public static bool TryNormalizeE164(string? input, string? defaultCallingCode, out string e164) =>
        Parse(input, CountryOfCallingCode(defaultCallingCode)).TryGetE164(out e164);

    /// <summary>
    /// Reads what a person or a file wrote: an international number ("+1 555 777 0099", "0044 7700 900123") or a
    /// national one of <paramref name="defaultCountry"/> (ISO 3166-1 alpha-2, "US": "(555) 777-0099"; null or unknown:
    /// international only). Impossible numbers are refused with a message that says why and how to write it.
    /// </summary>
    public static ParsedPhoneNumber Parse(string? input, string? defaultCountry)
    {
        var country = PhoneCountries.Find(defaultCountry)?.Code;
        if (string.IsNullOrWhiteSpace(input))
        {
            return ParsedPhoneNumber.Refused("Enter a mobile number. " + HowToWrite(country));
        }

        // Only what people write in a phone number: letters (vanity numbers, "ext 12", "tel:") are never an SMS address.
        var compact = Separators().Replace(input.Trim(), string.Empty);
        if (!Digits().IsMatch(compact))
        {
            return ParsedPhoneNumber.Refused("A mobile number has only digits, spaces, dashes and brackets, with + before the country code. " + HowToWrite(country));
        }

        // "00" is how most of the world dials abroad; taken as "+" wherever the person is (as before libphonenumber).
        if (compact.StartsWith("00", StringComparison.Ordinal))
        {
            compact = "+" + compact[2..];
        }

        if (country is null && !compact.StartsWith('+'))
        {
            return ParsedPhoneNumber.Refused(FormatHint);
        }

        LibPhoneNumber number;
        try
        {
            number = Util.Parse(compact, country ?? "ZZ");
        }
        catch (NumberParseException)
        {
            return ParsedPhoneNumber.Refused("The number does not start with a country code in use. " + HowToWrite(country));
        }

        var possibility = Util.IsPossibleNumberWithReason(number);

        // A trunk 0 libphonenumber could not strip (the rest matches none of the country's patterns) stays in the number
        // as a "leading zero": "07700 9001" in GB would become +44077009001. Only countries whose numbers really start
        // with 0 after the code (Italy's landlines) have valid ones; anywhere else it is a mistyped national number.
        if (possibility == Possibility.IS_POSSIBLE && Util.GetNationalSignificantNumber(number).StartsWith('0') && !Util.IsValidNumber(number))
        {
            possibility = Possibility.INVALID_LENGTH;
        }

        // IS_POSSIBLE_LOCAL_ONLY (IsPossibleNumber's "yes, within its area"): without the area code no text can reach it.
        return possibility == Possibility.IS_POSSIBLE
            ? ParsedPhoneNumber.Taken(Util.Format(number, NumberFormat.E164), Util.IsValidNumber(number))
            : ParsedPhoneNumber.Refused(WhyImpossible(possibility, number.CountryCode) + " " + HowToWrite(country));
    }

    /// <summary>
    /// How a stored number is shown to someone in <paramref name="viewerCountry"/>: national format when the number has
    /// that country's calling code ("07700 900123" to a British company), international format otherwise
    /// ("+1 555-777-0099"); what cannot be read is shown as stored.
    /// </summary>
    public static string Display(string? e164, string? viewerCountry)
    {
        if (string.IsNullOrEmpty(e164) || !e164.StartsWith('+'))
        {
            return e164 ?? string.Empty;
        }

        try
        {
            var number = Util.Parse(e164, "ZZ");
            var home = PhoneCountries.Find(viewerCountry);
            return Util.Format(number, home?.CallingCode == number.CountryCode ? NumberFormat.NATIONAL : NumberFormat.INTERNATIONAL);
        }
        catch (NumberParseException)
        {
            return e164;
        }
    }

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

    private static string? CountryOfCallingCode(string? callingCode) =>
        int.TryParse(callingCode, out var code) && Util.GetRegionCodeForCountryCode(code) is { Length: 2 } region and not "ZZ" ? region : null;

    private static string WhyImpossible(Possibility possibility, int callingCode)
    {
        var where = PhoneCountries.Find(Util.GetRegionCodeForCountryCode(callingCode)) is { } country ? $"+{callingCode} ({country.Name})" : $"+{callingCode}";
        return possibility switch
        {
            Possibility.TOO_LONG => $"This number has too many digits for {where}.",
            Possibility.INVALID_COUNTRY_CODE => "The number does not start with a country code in use.",
            Possibility.INVALID_LENGTH => $"This number does not have a length that {where} uses.",
            _ => $"This number has too few digits for {where}.",
        };
    }

    /// <summary>The second half of every refusal: how to write a number, with the country's own example when there is one.</summary>
    private static string HowToWrite(string? country)
    {
        var example = country is null ? null : Util.GetExampleNumberForType(country, NumberType.MOBILE) ?? Util.GetExampleNumber(country);
        return example is null
            ? FormatHint
            : $"Write it as it is dialled in {PhoneCountries.Find(country)!.Name}, for example {Util.Format(example, NumberFormat.NATIONAL)}, "
              + $"or in international format, for example {Util.Format(example, NumberFormat.E164)}.";
    }

    [GeneratedRegex(@"[\s\-\.\(\)/]")]
    private static partial Regex Separators();

    [GeneratedRegex(@"^\+?[0-9]+$")]
    private static partial Regex Digits();

    [GeneratedRegex(@"^\+[1-9][0-9]{7,14}$")]
    private static partial Regex E164();
}

/// <summary>What <see cref="PhoneNumbers.Parse"/> made of a number: its E.164 form, or why it was refused.</summary>
/// <param name="E164">The number to store; null when refused.</param>
/// <param name="Error">Why the number was refused and how to write it; null when taken.</param>
/// <param name="IsAllocated">
/// Whether the number lies in a range its country has allocated (libphonenumber's <c>IsValidNumber</c>). A warning only:
/// the +1 555 and +44 7700 900 numbers of tests and demos are possible but not allocated, and still taken.
/// </param>
public sealed record ParsedPhoneNumber(string? E164, string? Error, bool IsAllocated)
{
    public bool IsTaken => E164 is not null;

    internal static ParsedPhoneNumber Taken(string e164, bool isAllocated) => new(e164, null, isAllocated);

    internal static ParsedPhoneNumber Refused(string error) => new(null, error, false);

    internal bool TryGetE164(out string e164)
    {
        e164 = E164 ?? string.Empty;
        return IsTaken;
    }
}
