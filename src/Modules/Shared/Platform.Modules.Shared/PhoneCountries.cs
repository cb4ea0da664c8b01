using System.Globalization;
using Microsoft.AspNetCore.Http;
using NumberUtil = PhoneNumbers.PhoneNumberUtil;

namespace Platform.Modules.Shared;

/// <summary>A country whose national phone numbers can be read: ISO 3166-1 alpha-2 code, English name, calling code.</summary>
public sealed record PhoneCountry(string Code, string Name, int CallingCode);

/// <summary>
/// The countries a company (or a person) can say it is in, so that its numbers can be typed the way they are dialled
/// there: libphonenumber's regions that are ISO 3166 countries with a name (Ascension and Tristan da Cunha have none
/// in .NET and are left out; their numbers can still be written in international format).
/// </summary>
public static class PhoneCountries
{
    /// <summary>Where no better guess exists (the platform's first market; ADR 17).</summary>
    public const string Fallback = "GB";

    private static readonly Dictionary<string, PhoneCountry> ByCode = Load();

    /// <summary>Sorted by name, for a select list.</summary>
    public static IReadOnlyList<PhoneCountry> All { get; } = ByCode.Values.OrderBy(c => c.Name, StringComparer.Ordinal).ToList();

    /// <summary>The country with this code (any case, surrounding spaces ignored), or null.</summary>
    public static PhoneCountry? Find(string? code) =>
        code is not null && ByCode.TryGetValue(code.Trim().ToUpperInvariant(), out var country) ? country : null;

    /// <summary>The main country of an international number's calling code ("+1 555…" → US, "+44…" → GB), or null.</summary>
    public static PhoneCountry? OfNumber(string? internationalNumber) =>
        PhoneNumbers.TryNormalizeE164(internationalNumber, out var e164)
            ? Find(NumberUtil.GetInstance().GetRegionCodeForCountryCode(NumberUtil.GetInstance().Parse(e164, "ZZ").CountryCode))
            : null;

    /// <summary>
    /// A default for a person's country: <see cref="FromBrowser"/>, else <see cref="Fallback"/>. Only a default: the form
    /// shows it and the person changes it.
    /// </summary>
    public static string Preferred(HttpRequest request) => FromBrowser(request) ?? Fallback;

    /// <summary>The region of the browser's most preferred language that names one ("en-US" → US), or null.</summary>
    public static string? FromBrowser(HttpRequest request)
    {
        var languages = request.GetTypedHeaders().AcceptLanguage
            .Where(l => l.Quality is null or > 0)
            .OrderByDescending(l => l.Quality ?? 1);
        foreach (var language in languages)
        {
            var tag = language.Value.Value ?? string.Empty;
            var separator = tag.IndexOf('-', StringComparison.Ordinal);
            if (separator > 0 && Find(tag[(separator + 1)..]) is { } country)
            {
                return country.Code;
            }
        }

        return null;
    }

    private static Dictionary<string, PhoneCountry> Load()
    {
        var util = NumberUtil.GetInstance();
        var countries = new Dictionary<string, PhoneCountry>(StringComparer.Ordinal);
        foreach (var code in util.GetSupportedRegions())
        {
            try
            {
                var region = new RegionInfo(code);
                if (region.TwoLetterISORegionName == code)
                {
                    countries[code] = new PhoneCountry(code, region.EnglishName, util.GetCountryCodeForRegion(code));
                }
            }
            catch (ArgumentException)
            {
                // Not a region .NET knows by name: left out of the list (see the summary).
            }
        }

        return countries;
    }
}
