using System.Text.Json;
using System.Text.RegularExpressions;
using Platform.Tests.Integration.Browser;
using static Microsoft.Playwright.Assertions;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>A host process of its own (fresh database, simulator carrier, fast maintenance) for the tracked-link and repeat test.</summary>
public sealed class CampaignLinksHostFixture : BrowserHostFixture
{
    protected override string InstanceName => "campaign-links-browser";

    protected override IDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Platform__Billing__TrialCredits"] = "100000",
        ["Platform__Campaigns__MaintenanceSeconds"] = "1",
        ["Platform__Campaigns__ReceiptTimeout"] = "00:00:05",
        ["Platform__RateLimits__LoginPerMinute"] = "1000",
        ["Platform__Simulator__DevEndpoints"] = "true",
        // Short links point at this host (its port is only known when it starts).
        ["Platform__PublicBaseUrl"] = "{BaseUrl}",
    };
}

/// <summary>
/// In Chromium: the composer's preview counts a tracked link at its short length; the campaign sends; a recipient's click on
/// their short link shows on the campaign page; a weekly repeat is set up, shown and stopped (issue #20 items 4 and 5).
/// </summary>
public sealed partial class CampaignLinksBrowserTests(CampaignLinksHostFixture fixture) : BrowserTestBase, IClassFixture<CampaignLinksHostFixture>
{
    private const string LongUrl = "https://example.com/our-new-autumn-menu-with-pumpkin-soup-and-chestnut-risotto-for-two?utm_source=sms&utm_campaign=autumn";

    [Fact]
    public async Task A_tracked_link_is_counted_short_a_click_shows_on_the_page_and_a_weekly_repeat_can_be_stopped()
    {
        var baseUrl = fixture.Host.BaseUrl;
        await using var context = await Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(60_000);
        try
        {
            await BrowserSession.RegisterCompanyAsync(page, baseUrl, fixture.Database, "Autumn Bistro", "olga@autumnbistro.example", "+44 7700 900777");
            var companyId = await fixture.Database.ScalarAsync<Guid>("SELECT id FROM accounts.companies WHERE name = 'Autumn Bistro'");
            var listId = Guid.NewGuid();
            await fixture.Database.ExecuteAsync($"""
                INSERT INTO campaigns.contact_lists (id, company_id, name, contact_count, created_at) VALUES ('{listId}', '{companyId}', 'Regulars', 3, now());
                INSERT INTO campaigns.contacts (company_id, list_id, phone, first_name, consent_source, created_at, updated_at)
                SELECT '{companyId}', '{listId}', '+4477009002' || (20 + i), 'Guest' || i, 'test', now(), now() FROM generate_series(0, 2) i;
                """);

            // The preview counts the link as the short link every recipient gets: one segment; as written it would be two.
            await page.GotoAsync($"{baseUrl}/Campaigns/Create");
            await page.FillAsync("#Input_Name", "Autumn menu");
            await page.FillAsync("#body", $"Hi {{first_name|there}}, our autumn menu: {LongUrl} Reply STOP to opt out");
            await Expect(page.Locator("#preview-text")).ToContainTextAsync("/s/");
            await Expect(page.Locator("#preview-segments")).ToHaveTextAsync("1");
            await page.UncheckAsync("#Input_TrackLinks");
            await Expect(page.Locator("#preview-segments")).ToHaveTextAsync("2");
            await page.CheckAsync("#Input_TrackLinks");
            await Expect(page.Locator("#preview-segments")).ToHaveTextAsync("1");
            await page.CheckAsync($"#list-{listId}");
            await page.UncheckAsync("#Input_RespectQuietHours");
            await page.ClickAsync("#schedule");
            await page.ArriveAtAsync("**/Campaigns/Details/**");
            var campaignUrl = page.Url;
            await Expect(page.Locator("#status")).ToHaveTextAsync("Completed", new() { Timeout = 90_000 });
            await Expect(page.Locator("#links tr[data-link='0'] td").First).ToHaveTextAsync(LongUrl);

            // A recipient opens their short link (as their phone would: a GET, redirected to the menu).
            var outbox = await context.APIRequest.GetAsync($"{baseUrl}/simulator/outbox?to=%2B447700900221");
            var text = JsonDocument.Parse(await outbox.TextAsync()).RootElement[0].GetProperty("text").GetString()!;
            var shortLink = ShortLink().Match(text).Value;
            shortLink.Should().StartWith(baseUrl + "/s/");
            var click = await context.APIRequest.GetAsync(shortLink, new() { MaxRedirects = 0 });
            click.Status.Should().Be(302);
            click.Headers["location"].Should().Be(LongUrl);
            for (var attempt = 0; attempt < 60 && await page.Locator("#links tr[data-link='0'] [data-clicks]").TextContentAsync() != "1"; attempt++)
            {
                await Task.Delay(250); // the click is written within 200 ms; the page shows it when reloaded
                await page.ReloadAsync();
            }

            await Expect(page.Locator("#links tr[data-link='0'] [data-clicks]")).ToHaveTextAsync("1");
            await Expect(page.Locator("#links tr[data-link='0'] [data-unique-clicks]")).ToHaveTextAsync("1");
            await BrowserSession.ScreenshotAsync(page, "campaign-links");

            // A weekly repeat: set up when scheduling, said on the page, stopped with one button.
            await page.GotoAsync($"{baseUrl}/Campaigns/Create");
            await page.FillAsync("#Input_Name", "Friday specials");
            await page.FillAsync("#body", "Hi {first_name|there}, Friday specials are on. Reply STOP to opt out");
            await page.CheckAsync($"#list-{listId}");
            var firstFriday = DateTime.UtcNow.Date.AddDays(7 + ((int)DayOfWeek.Friday - (int)DateTime.UtcNow.DayOfWeek + 7) % 7);
            await page.FillAsync("#Input_SendAt", firstFriday.AddHours(11).ToString("yyyy-MM-ddTHH:mm"));
            await page.SelectOptionAsync("#Input_Repeat", "weekly");
            var zone = await page.InputValueAsync("#Input_TimeZone"); // the company's country's zone, preselected
            await page.ClickAsync("#schedule");
            await page.ArriveAtAsync("**/Campaigns/Details/**");
            await Expect(page.Locator("#series")).ToContainTextAsync($"Repeats: Every week on Friday at 11:00 ({zone})");
            await Expect(page.Locator("#series")).ToContainTextAsync($"Next: {firstFriday.AddDays(7):yyyy-MM-dd} 11:00");
            await page.ClickAsync("#stop-repeating");
            await Expect(page.Locator("#message")).ToContainTextAsync("It will not repeat any more");
            await Expect(page.Locator("#series")).ToContainTextAsync("Part of a series that no longer repeats");
            await Expect(page.Locator("#stop-repeating")).ToHaveCountAsync(0);
            campaignUrl.Should().NotBe(page.Url);
        }
        catch (Exception exception)
        {
            await BrowserSession.ScreenshotAsync(page, "failed-campaign-links");
            var logs = string.Join('\n', fixture.Host.Output.Split('\n').TakeLast(60));
            throw new InvalidOperationException($"failed at {page.Url}: {exception.Message}\n--- host output ---\n{logs}", exception);
        }
    }

    [GeneratedRegex(@"http\S+/s/[0-9A-Za-z]{15}")]
    private static partial Regex ShortLink();
}
