using System.Net;
using Microsoft.AspNetCore.Hosting;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Billing;

/// <summary>
/// The tax on an invoice comes from the buying company's country and is fixed at checkout (ADR 24). BillingFactory
/// configures GB 20 %, DE 19 % "MwSt", 8.5 % for the rest; the small pack costs 10.00 EUR, tax included.
/// </summary>
public sealed class TaxTests(BillingFactory factory) : IClassFixture<BillingFactory>
{
    private const string Password = "Passw0rdPassw0rd";

    [Theory]
    [InlineData("GB", "United Kingdom", "VAT 20%", "8.33", "1.67", "GB|20.00|VAT")]
    [InlineData("DE", "Germany", "MwSt 19%", "8.40", "1.60", "DE|19.00|MwSt")]
    [InlineData("US", "United States", "VAT 8.5%", "9.22", "0.78", "US|8.50|VAT")]
    public async Task The_invoice_carries_the_rate_of_the_companys_country_or_the_default_for_a_country_not_listed(
        string country, string countryName, string rate, string net, string tax, string stored)
    {
        var (owner, companyId) = await factory.CompanyAsync($"Tax {country} {Guid.NewGuid():N}", country);

        var purchaseId = await factory.BuyAsync(owner, companyId);

        (await factory.Database.ScalarAsync<string>(
            "SELECT concat_ws('|', tax_country, tax_rate_percent, tax_label) FROM billing.purchases WHERE id = @id", ("id", purchaseId)))
            .Should().Be(stored);
        await InvoiceShowsAsync(owner, purchaseId, countryName, rate, net, tax);
    }

    [Fact]
    public async Task A_changed_rate_applies_to_later_purchases_and_never_rewrites_an_issued_invoice()
    {
        var email = $"{Guid.NewGuid():N}@owner.example";
        var (owner, companyId) = await factory.CompanyAsync($"Tax change {Guid.NewGuid():N}", "GB", email);
        var before = await factory.BuyAsync(owner, companyId);

        // The operator lowers GB's rate, renames the tax and restarts: another host on the same database with those settings.
        await using var restarted = factory.WithWebHostBuilder(host => host
            .UseSetting("Platform:Jobs:ServerName", $"tax-{Guid.NewGuid():N}")
            .UseSetting("Platform:Billing:Tax:Rates:GB", "5")
            .UseSetting("Platform:Billing:Invoice:TaxLabel", "Sales tax"));
        var again = await PlatformFactory.LoginAsync(restarted, email, Password);

        await InvoiceShowsAsync(again, before, "United Kingdom", "VAT 20%", "8.33", "1.67");
        var after = await factory.BuyAsync(again, companyId);
        await InvoiceShowsAsync(again, after, "United Kingdom", "Sales tax 5%", "9.52", "0.48");
    }

    [Fact]
    public async Task An_invoice_from_before_the_tax_was_stored_shows_the_default_rate_and_the_companys_country()
    {
        var (owner, companyId) = await factory.CompanyAsync($"Tax old {Guid.NewGuid():N}", "DE");
        var purchaseId = await factory.BuyAsync(owner, companyId);
        // As migration 0005 left the purchases made before it.
        await factory.Database.ExecuteAsync($"UPDATE billing.purchases SET tax_country = NULL, tax_rate_percent = NULL, tax_label = NULL WHERE id = '{purchaseId}'");

        await InvoiceShowsAsync(owner, purchaseId, "Germany", "VAT 8.5%", "9.22", "0.78");
    }

    private static async Task InvoiceShowsAsync(FormClient owner, Guid purchaseId, string country, string rate, string net, string tax)
    {
        var (status, html) = await owner.GetAsync($"/Billing/Invoice/{purchaseId}");

        status.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(html).Should().Contain($"id=\"invoice-country\">{country}</dd>")
            .And.Contain($"id=\"invoice-tax-rate\">{rate}</dt>")
            .And.Contain($"id=\"invoice-net\">{net} EUR</dd>")
            .And.Contain($"id=\"invoice-tax\">{tax} EUR</dd>")
            .And.Contain("id=\"invoice-gross\">10.00 EUR</dd>");
    }
}
