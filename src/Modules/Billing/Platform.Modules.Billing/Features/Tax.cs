using System.Globalization;
using Microsoft.Extensions.Options;
using Platform.Modules.Shared;

namespace Platform.Modules.Billing.Features;

/// <summary>The tax a purchase carries, included in its price: chosen at checkout, stored on the purchase, shown on its invoice.</summary>
/// <param name="Country">The buyer's country it was chosen for; null when not known (purchases from before ADR 24).</param>
internal sealed record AppliedTax(string? Country, decimal RatePercent, string Label)
{
    /// <summary>
    /// Net and tax of a gross amount in minor units: the net rounded half away from zero, the tax what is left, so the two
    /// always add up to what the card was charged.
    /// </summary>
    public (long Net, long Tax) Split(long gross)
    {
        var net = (long)Math.Round(gross / (1 + RatePercent / 100m), MidpointRounding.AwayFromZero);
        return (net, gross - net);
    }
}

/// <summary>The configured tax for a country (<see cref="TaxOptions"/>), and what is wrong with the configuration.</summary>
internal static class TaxRates
{
    /// <summary>The rate and name for a buyer in <paramref name="country"/>: its own if configured, else the default ones.</summary>
    public static AppliedTax For(BillingOptions options, string? country)
    {
        var code = string.IsNullOrWhiteSpace(country) ? null : country.Trim().ToUpperInvariant();
        var fallback = Default(options);
        if (code is null)
        {
            return fallback;
        }

        return new AppliedTax(code,
            Find(options.Tax.Rates, code) is (true, var rate) ? rate : fallback.RatePercent,
            Find(options.Tax.Labels, code) is (true, { } label) ? label : fallback.Label);
    }

    /// <summary>
    /// What countries not configured get, and what an invoice from before per-purchase tax shows: those rows stored no rate,
    /// and the single rate they were shown with before is this default when configured the old way.
    /// </summary>
    public static AppliedTax Default(BillingOptions options) =>
        new(null, options.Tax.DefaultRatePercent ?? options.Invoice.TaxRatePercent, options.Invoice.TaxLabel);

    /// <summary>Mistakes that would put a wrong tax on invoices; the host refuses to start with any (an invoice cannot be corrected by editing settings later).</summary>
    public static IEnumerable<string> Problems(BillingOptions options)
    {
        const string Section = $"{BillingOptions.Section}:Tax";
        foreach (var country in options.Tax.Rates.Keys.Concat(options.Tax.Labels.Keys).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (country.Length != 2 || PhoneCountries.Find(country) is null)
            {
                yield return $"{Section}: \"{country}\" is not an ISO 3166-1 alpha-2 country code (the United Kingdom is GB, Greece GR).";
            }
        }

        var rates = options.Tax.Rates.Select(r => ($"{Section}:Rates:{r.Key}", (decimal?)r.Value))
            .Append(($"{Section}:DefaultRatePercent", options.Tax.DefaultRatePercent))
            .Append(($"{BillingOptions.Section}:Invoice:TaxRatePercent", options.Invoice.TaxRatePercent));
        foreach (var (key, rate) in rates)
        {
            // Stored as numeric(5,2): a third decimal would be rounded away on the purchase and the invoice would disagree.
            if (rate is { } r && (r < 0 || r >= 100 || decimal.Round(r, 2) != r))
            {
                yield return $"{key}: {r.ToString(CultureInfo.InvariantCulture)} is not a rate in percent from 0 to 99.99 with at most two decimals.";
            }
        }

        var labels = options.Tax.Labels.Select(l => ($"{Section}:Labels:{l.Key}", l.Value))
            .Append(($"{BillingOptions.Section}:Invoice:TaxLabel", options.Invoice.TaxLabel));
        foreach (var (key, label) in labels)
        {
            if (string.IsNullOrWhiteSpace(label) || label.Length > MaxLabelLength)
            {
                yield return $"{key}: a tax's name needs 1 to {MaxLabelLength} characters.";
            }
        }
    }

    /// <summary>The length of <c>billing.purchases.tax_label</c>.</summary>
    public const int MaxLabelLength = 20;

    // Configuration keys keep the case they were written in ("gb" or "GB"); countries are compared in any case.
    private static (bool Found, T Value) Find<T>(Dictionary<string, T> map, string country)
    {
        foreach (var (key, value) in map)
        {
            if (string.Equals(key.Trim(), country, StringComparison.OrdinalIgnoreCase))
            {
                return (true, value);
            }
        }

        return (false, default!);
    }
}

/// <summary>Fails the host's start on <see cref="TaxRates.Problems"/>.</summary>
internal sealed class TaxSettingsValidation : IValidateOptions<BillingOptions>
{
    public ValidateOptionsResult Validate(string? name, BillingOptions options) =>
        TaxRates.Problems(options).ToList() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
}

/// <summary>Money as every Billing page, document and message writes it: "22.50 EUR" (minor units in, invariant culture).</summary>
internal static class MoneyText
{
    public static string Of(long minor, string currency) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{minor / 100m:0.00} {currency.ToUpperInvariant()}");
}
