using Microsoft.Extensions.Configuration;
using Platform.Modules.Billing;
using Platform.Modules.Billing.Features;

namespace Platform.Tests.Unit;

public sealed class TaxRatesTests
{
    /// <summary>The options as the host binds them from settings written in any case.</summary>
    private static BillingOptions Bind(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create($"{BillingOptions.Section}:{s.Key}", (string?)s.Value)))
            .Build();
        return configuration.GetSection(BillingOptions.Section).Get<BillingOptions>() ?? new BillingOptions();
    }

    private static readonly BillingOptions Configured = Bind(
        ("Tax:Rates:gb", "20"), ("Tax:Rates:DE", "19"), ("Tax:Labels:de", "MwSt"), ("Tax:DefaultRatePercent", "8.5"), ("Invoice:TaxRatePercent", "21"));

    [Theory]
    [InlineData("GB", "GB", 20, "VAT")]
    [InlineData(" gb ", "GB", 20, "VAT")]
    [InlineData("de", "DE", 19, "MwSt")]
    [InlineData("US", "US", 8.5, "VAT")]
    [InlineData(null, null, 8.5, "VAT")]
    [InlineData("", null, 8.5, "VAT")]
    public void A_country_gets_its_configured_rate_and_name_else_the_default(string? country, string? code, decimal rate, string label)
    {
        TaxRates.For(Configured, country).Should().Be(new AppliedTax(code, rate, label));
    }

    [Fact]
    public void Configured_the_old_way_every_country_gets_the_one_invoice_rate_and_name()
    {
        var options = Bind(("Invoice:TaxRatePercent", "20"), ("Invoice:TaxLabel", "GST"));

        TaxRates.For(options, "DE").Should().Be(new AppliedTax("DE", 20, "GST"));
        TaxRates.Default(options).Should().Be(new AppliedTax(null, 20, "GST"));
        TaxRates.Default(new BillingOptions()).Should().Be(new AppliedTax(null, 0, "VAT"), "nothing configured charges no tax, as before");
    }

    [Theory]
    [InlineData(1000, 20, 833, 167)]
    [InlineData(1000, 19, 840, 160)]
    [InlineData(4500, 20, 3750, 750)]
    [InlineData(1000, 0, 1000, 0)]
    [InlineData(4, 60, 3, 1)] // 2.5 net: half away from zero, not to even
    [InlineData(0, 20, 0, 0)]
    public void The_net_is_rounded_and_the_tax_is_the_rest_of_what_was_paid(long gross, decimal rate, long net, long tax)
    {
        new AppliedTax("GB", rate, "VAT").Split(gross).Should().Be((net, tax));
    }

    [Fact]
    public void Sound_settings_have_no_problems()
    {
        TaxRates.Problems(Configured).Should().BeEmpty();
        TaxRates.Problems(new BillingOptions()).Should().BeEmpty();
    }

    [Theory]
    [InlineData("Tax:Rates:UK", "20", "\"UK\" is not an ISO 3166-1 alpha-2 country code")]
    [InlineData("Tax:Labels:GBR", "VAT", "\"GBR\" is not an ISO 3166-1 alpha-2 country code")]
    [InlineData("Tax:Rates:GB", "100", "Tax:Rates:GB: 100 is not a rate in percent")]
    [InlineData("Tax:Rates:GB", "-1", "Tax:Rates:GB: -1 is not a rate in percent")]
    [InlineData("Tax:DefaultRatePercent", "8.125", "Tax:DefaultRatePercent: 8.125 is not a rate in percent")]
    [InlineData("Invoice:TaxRatePercent", "120", "Invoice:TaxRatePercent: 120 is not a rate in percent")]
    [InlineData("Tax:Labels:DE", "Mehrwertsteuer und mehr", "Tax:Labels:DE: a tax's name needs 1 to 20 characters")]
    public void Settings_that_would_print_a_wrong_tax_are_named(string key, string value, string problem)
    {
        TaxRates.Problems(Bind((key, value))).Should().ContainSingle().Which.Should().Contain(problem);
    }
}
