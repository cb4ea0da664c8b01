using System.Net;
using Platform.Modules.Billing.Contracts;

namespace Platform.Tests.Integration.Billing;

public sealed class PricesTests(BillingFactory factory) : IClassFixture<BillingFactory>
{
    [Fact]
    public async Task An_admin_adds_a_price_from_a_date_on_and_quotes_use_it_only_from_then()
    {
        var admin = await factory.LoginAsync(Infrastructure.PlatformFactory.AdminEmail, Infrastructure.PlatformFactory.AdminPassword);
        var (_, companyId) = await factory.CompanyAsync("Price Pizza");
        var before = (await factory.SendAsync(new QuotePrice(companyId, "NL", 1, 1))).CreditsPerSegment;

        var now = DateTime.UtcNow.AddMinutes(1);
        var soon = await admin.PostFormAsync("/Admin/Billing/Prices", new()
        {
            ["Input.CountryCode"] = "nl",
            ["Input.CreditsPerSegment"] = "7",
            ["Input.ValidFrom"] = now.ToString("yyyy-MM-ddTHH:mm:ss"),
        });
        soon.StatusCode.Should().Be(HttpStatusCode.Redirect, await soon.Content.ReadAsStringAsync());
        var later = await admin.PostFormAsync("/Admin/Billing/Prices", new()
        {
            ["Input.CountryCode"] = "NL",
            ["Input.CreditsPerSegment"] = "9",
            ["Input.ValidFrom"] = DateTime.UtcNow.AddDays(30).ToString("yyyy-MM-ddTHH:mm"),
        });
        later.StatusCode.Should().Be(HttpStatusCode.Redirect);

        var page = WebUtility.HtmlDecode((await admin.GetAsync("/Admin/Billing/Prices")).Body);
        page.Should().Contain("data-country=\"NL\" data-state=\"Scheduled\"");
        (await factory.SendAsync(new QuotePrice(companyId, "NL", 1, 1))).CreditsPerSegment.Should().Be(before, "a price applies only from its date");
        await Task.Delay(TimeSpan.FromSeconds(Math.Max(0, (now - DateTime.UtcNow).TotalSeconds) + 1));
        (await factory.SendAsync(new QuotePrice(companyId, "NL", 2, 10))).Should().Match<PriceQuote>(q => q.CreditsPerSegment == 7 && q.TotalCredits == 140);
    }

    [Theory]
    [InlineData("France", "3", "+1", "two-letter country code")]
    [InlineData("FR", "-1", "+1", "between 0 and 1,000,000")]
    [InlineData("FR", "3", "-2", "from now or later")]
    public async Task Bad_prices_are_refused_with_a_message_and_change_nothing(string country, string credits, string days, string message)
    {
        var admin = await factory.LoginAsync(Infrastructure.PlatformFactory.AdminEmail, Infrastructure.PlatformFactory.AdminPassword);
        var count = await factory.Database.ScalarAsync<long>("SELECT count(*) FROM billing.prices");

        var response = await admin.PostFormAsync("/Admin/Billing/Prices", new()
        {
            ["Input.CountryCode"] = country,
            ["Input.CreditsPerSegment"] = credits,
            ["Input.ValidFrom"] = DateTime.UtcNow.AddDays(double.Parse(days, System.Globalization.CultureInfo.InvariantCulture)).ToString("yyyy-MM-ddTHH:mm"),
        });

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()).Should().Contain(message);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM billing.prices")).Should().Be(count);
    }

    [Fact]
    public async Task A_company_user_cannot_open_the_price_list()
    {
        var (owner, _) = await factory.CompanyAsync("Nosy Price Pizza");
        var (status, _) = await owner.GetAsync("/Admin/Billing/Prices");
        status.Should().BeOneOf(HttpStatusCode.Forbidden, HttpStatusCode.Redirect, HttpStatusCode.NotFound);
    }
}
