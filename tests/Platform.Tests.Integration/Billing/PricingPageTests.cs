using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Platform.Modules.Billing.Contracts;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Billing;

/// <summary>
/// Prices customers see (issue #18 item 2): /Pricing for visitors and Billing → Prices for a company show per country the
/// credits a segment costs — the very number a campaign's quote and reservation use — and its money in each pack; a new
/// price shows as a change ahead and is announced by email to every business user who wants it, once.
/// </summary>
public sealed partial class PricingPageTests(BillingFactory factory) : IClassFixture<BillingFactory>
{
    [Fact]
    public async Task The_pricing_pages_show_the_credits_a_campaign_reserves_and_a_new_price_is_announced_once()
    {
        var admin = await factory.LoginAsync(PlatformFactory.AdminEmail, PlatformFactory.AdminPassword);
        var (owner, companyId) = await factory.CompanyAsync($"Pricing {Guid.NewGuid():N}"[..30]);
        var ownerEmail = await factory.Database.ScalarAsync<string>("SELECT email FROM accounts.users WHERE company_id = @c", ("c", companyId));

        (await SetPriceAsync(admin, "NL", 7, DateTime.UtcNow)).StatusCode.Should().Be(HttpStatusCode.Redirect);
        var visitor = factory.CreateFormClient();
        var (status, pricing) = await visitor.GetAsync("/Pricing");
        status.Should().Be(HttpStatusCode.OK, "the price list is public");
        var quoted = await factory.SendAsync(new QuotePrice(companyId, "NL", 1, 1));
        Credits(pricing, "NL").Should().Be(quoted.CreditsPerSegment).And.Be(7);
        Credits(pricing, "*").Should().Be((await factory.SendAsync(new QuotePrice(companyId, "JP", 1, 1))).CreditsPerSegment, "a country without its own price pays the default");
        // The small pack: 1,000 credits for 10.00 EUR, so a 7-credit segment costs 0.07.
        Row(pricing, "NL").Should().Contain("0.0700");

        var (companyStatus, prices) = await owner.GetAsync("/Billing/Prices");
        companyStatus.Should().Be(HttpStatusCode.OK);
        Credits(prices, "NL").Should().Be(7);

        // A price from tomorrow: shown ahead, announced once to the owner, not to a user who turned the notice off.
        (await owner.PostFormAsync("/Accounts/Notices", new() { ["Wanted[0]"] = "low-balance" })).StatusCode.Should().Be(HttpStatusCode.Redirect);
        var (_, other) = await factory.CompanyAsync($"Pricing other {Guid.NewGuid():N}"[..30]);
        var otherEmail = await factory.Database.ScalarAsync<string>("SELECT email FROM accounts.users WHERE company_id = @c", ("c", other));
        var tomorrow = DateTime.UtcNow.Date.AddDays(2).AddHours(9);
        (await SetPriceAsync(admin, "NL", 9, tomorrow)).StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await visitor.GetAsync("/Pricing")).Body.Should().Contain($"From {tomorrow:yyyy-MM-dd HH:mm} UTC: NL costs 9 credits per segment.");
        (await factory.SendAsync(new QuotePrice(companyId, "NL", 1, 1))).CreditsPerSegment.Should().Be(7, "the new price applies from its date");

        await factory.Database.WaitForAsync("the price announced", TimeSpan.FromSeconds(60),
            "SELECT count(*) = 1 FROM billing.outbox WHERE event_type LIKE '%PriceScheduled%' AND payload ->> 'creditsPerSegment' = '9' AND dispatched_at IS NOT NULL");
        (await AnnouncementsAsync(otherEmail!)).Should().Be(1);
        (await factory.Database.ScalarAsync<string>("SELECT text_body FROM platform.emails WHERE kind = 'notice.price-change' AND to_address = @e", ("e", otherEmail!)))
            .Should().Contain($"From {tomorrow:yyyy-MM-dd HH:mm} UTC an SMS segment to NL costs from 7 to 9 credits").And.Contain("/Billing/Prices");
        (await AnnouncementsAsync(ownerEmail!)).Should().Be(0, "the owner turned price notices off");

        // Delivered again (as after a crash before the outbox row was marked): nobody is emailed twice.
        await factory.Database.ExecuteAsync("UPDATE billing.outbox SET dispatched_at = NULL WHERE event_type LIKE '%PriceScheduled%' AND payload ->> 'creditsPerSegment' = '9'");
        await factory.Database.WaitForAsync("the price announced again", TimeSpan.FromSeconds(60),
            "SELECT count(*) = 1 FROM billing.outbox WHERE event_type LIKE '%PriceScheduled%' AND payload ->> 'creditsPerSegment' = '9' AND dispatched_at IS NOT NULL AND attempts = 2");
        (await AnnouncementsAsync(otherEmail!)).Should().Be(1);
    }

    private static Task<HttpResponseMessage> SetPriceAsync(FormClient admin, string country, long credits, DateTime from) =>
        admin.PostFormAsync("/Admin/Billing/Prices", new()
        {
            ["Input.CountryCode"] = country,
            ["Input.CreditsPerSegment"] = credits.ToString(CultureInfo.InvariantCulture),
            ["Input.ValidFrom"] = from.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture),
        });

    /// <summary>Announcements of the NL 7 → 9 change (the first price set in the test is announced too).</summary>
    private async Task<long> AnnouncementsAsync(string to) =>
        await factory.Database.ScalarAsync<long>(
            "SELECT count(*) FROM platform.emails WHERE kind = 'notice.price-change' AND to_address = @t AND text_body LIKE '%from 7 to 9 credits%'", ("t", to));

    private static string Row(string page, string country) =>
        Regex.Match(page, $"<tr data-country=\"{Regex.Escape(country)}\">.*?</tr>", RegexOptions.Singleline).Value;

    private static long Credits(string page, string country) =>
        long.Parse(CreditsCell().Match(Row(page, country)).Groups[1].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex("class=\"text-end credits\">(\\d+)<")]
    private static partial Regex CreditsCell();
}
