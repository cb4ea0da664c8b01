using System.Net;
using System.Text.RegularExpressions;
using UglyToad.PdfPig;

namespace Platform.Tests.Integration.Billing;

/// <summary>
/// Invoices as PDF (issue #18 item 3): the PDF opens (parsed back with PdfPig), and its number, buyer, pack, net, tax and
/// amount are the HTML invoice's; only the buying company gets it.
/// </summary>
public sealed class InvoicePdfTests(BillingFactory factory) : IClassFixture<BillingFactory>
{
    [Fact]
    public async Task The_PDF_invoice_opens_and_says_what_the_HTML_invoice_says()
    {
        var name = $"Pdf Bakery {Guid.NewGuid():N}"[..24];
        var (owner, companyId) = await factory.CompanyAsync(name);
        var purchaseId = await factory.BuyAsync(owner, companyId, "medium");

        var (_, html) = await owner.GetAsync($"/Billing/Invoice/{purchaseId}");
        html = WebUtility.HtmlDecode(html);
        html.Should().Contain("href=\"?handler=Pdf\" id=\"download-pdf\">Download PDF</a>");
        var response = await owner.Http.GetAsync($"/Billing/Invoice/{purchaseId}?handler=Pdf");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/pdf");
        var bytes = await response.Content.ReadAsByteArrayAsync();

        using var pdf = PdfDocument.Open(bytes);
        pdf.NumberOfPages.Should().Be(1);
        var text = string.Join(" ", pdf.GetPages().SelectMany(p => p.GetWords()).Select(w => w.Text));
        var number = await factory.Database.ScalarAsync<string>("SELECT invoice_number FROM billing.purchases WHERE id = @id", ("id", purchaseId));
        text.Should().Contain($"Invoice {number}").And.Contain(name).And.Contain("5000 credits");
        foreach (var field in new[] { "invoice-net", "invoice-tax", "invoice-gross" })
        {
            var value = Regex.Match(html, $"id=\"{field}\">([^<]+)<").Groups[1].Value;
            value.Should().MatchRegex(@"^\d+\.\d\d EUR$");
            text.Should().Contain(value, $"the PDF's {field} is the HTML's");
        }

        text.Should().Contain("45.00 EUR", "the medium pack costs 45.00 EUR");

        // Another company gets nothing.
        var (other, _) = await factory.CompanyAsync($"Pdf other {Guid.NewGuid():N}"[..24]);
        (await other.Http.GetAsync($"/Billing/Invoice/{purchaseId}?handler=Pdf")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_buyers_tax_id_from_the_company_profile_is_on_the_invoice_as_it_was_at_checkout()
    {
        var (owner, companyId) = await factory.CompanyAsync($"Tax Id Bakery {Guid.NewGuid():N}"[..26]);
        // A tax ID that is not one is refused with a message, and nothing changes.
        var refused = await owner.PostFormAsync("/Accounts/Profile", Profile("<b>1</b>"));
        refused.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync()).Should().Contain("Enter the tax ID as it is written");
        (await factory.Database.ScalarAsync<string>("SELECT tax_id FROM accounts.companies WHERE id = @id", ("id", companyId))).Should().BeNull();

        (await owner.PostFormAsync("/Accounts/Profile", Profile("gb 123 456 789"))).StatusCode.Should().Be(HttpStatusCode.Redirect);
        var purchaseId = await factory.BuyAsync(owner, companyId);
        // Changed after the purchase: the issued invoice keeps the number it was issued with.
        (await owner.PostFormAsync("/Accounts/Profile", Profile("GB999999999"))).StatusCode.Should().Be(HttpStatusCode.Redirect);

        var (_, html) = await owner.GetAsync($"/Billing/Invoice/{purchaseId}");
        WebUtility.HtmlDecode(html).Should().MatchRegex("id=\"invoice-company\">Tax Id Bakery [^<]* · VAT ID GB123456789<");
        using var pdf = PdfDocument.Open(await owner.Http.GetByteArrayAsync($"/Billing/Invoice/{purchaseId}?handler=Pdf"));
        var text = string.Join(" ", pdf.GetPages().SelectMany(p => p.GetWords()).Select(w => w.Text));
        text.Should().Contain("VAT ID GB123456789").And.NotContain("GB999999999");
    }

    private static Dictionary<string, string> Profile(string taxId) => new()
    {
        ["Input.FirstName"] = "Ada",
        ["Input.Surname"] = "Lovelace",
        ["Input.MobileNumber"] = "+44 7700 900123",
        ["Input.PostalCode"] = "SW1A 1AA",
        ["Input.MarketSector"] = "Food and drink",
        ["Input.Country"] = "GB",
        ["Input.TaxId"] = taxId,
    };
}
