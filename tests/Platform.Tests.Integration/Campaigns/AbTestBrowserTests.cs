using Platform.Tests.Integration.Browser;
using static Microsoft.Playwright.Assertions;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>A host process of its own (fresh database, simulator carrier, the A/B job every second) for the A/B test in the browser.</summary>
public sealed class AbTestHostFixture : BrowserHostFixture
{
    protected override string InstanceName => "ab-test-browser";

    protected override IDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Platform__Billing__TrialCredits"] = "100000",
        ["Platform__Campaigns__MaintenanceSeconds"] = "1",
        ["Platform__Campaigns__AbTestSeconds"] = "1",
        ["Platform__RateLimits__LoginPerMinute"] = "1000",
        ["Platform__Simulator__DevEndpoints"] = "true",
    };
}

/// <summary>
/// In Chromium (issue #20 item 5): the owner writes an A/B test on the composer — two bodies, 20% of ten recipients split
/// 50/50 — and the campaign page shows the split sizes (1, 1 and 8 held), each variant's text and what it sent.
/// </summary>
public sealed class AbTestBrowserTests(AbTestHostFixture fixture) : BrowserTestBase, IClassFixture<AbTestHostFixture>
{
    [Fact]
    public async Task The_owner_sets_up_an_A_B_test_on_the_composer_and_the_page_shows_each_variants_split_and_sends()
    {
        var baseUrl = fixture.Host.BaseUrl;
        await using var context = await Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(60_000);
        try
        {
            await BrowserSession.RegisterCompanyAsync(page, baseUrl, fixture.Database, "Split Bakery", "sam@splitbakery.example", "+44 7700 900778");
            var companyId = await fixture.Database.ScalarAsync<Guid>("SELECT id FROM accounts.companies WHERE name = 'Split Bakery'");
            var listId = Guid.NewGuid();
            await fixture.Database.ExecuteAsync($"""
                INSERT INTO campaigns.contact_lists (id, company_id, name, contact_count, created_at) VALUES ('{listId}', '{companyId}', 'Regulars', 10, now());
                INSERT INTO campaigns.contacts (company_id, list_id, phone, first_name, consent_source, created_at, updated_at)
                SELECT '{companyId}', '{listId}', '+4477009003' || (20 + i), 'Guest' || i, 'test', now(), now() FROM generate_series(0, 9) i;
                """);

            await page.GotoAsync($"{baseUrl}/Campaigns/Create");
            await page.FillAsync("#Input_Name", "Bread test");
            await page.FillAsync("#body", "A: hi {first_name|there}, fresh sourdough today. Reply STOP to opt out");
            await Expect(page.Locator("#preview-segments")).ToHaveTextAsync("1");
            var creditsForOne = int.Parse(await page.Locator("#preview-credits").TextContentAsync() ?? "", System.Globalization.CultureInfo.InvariantCulture);
            await page.CheckAsync("#Input_AbTest");
            // B is longer: two segments. The preview measures both and shows the credits of the longer, as they are reserved.
            await page.FillAsync("#Input_AbBodies_0", "B: hi {first_name|there}, croissants two for one all weekend long, with butter from the farm down the road and jam we make ourselves every Friday morning. Reply STOP to opt out");
            await Expect(page.Locator("#preview-variants")).ToHaveTextAsync("A 1 · B 2 (credits at the longest)");
            await Expect(page.Locator("#preview-credits")).ToHaveTextAsync((2 * creditsForOne).ToString(System.Globalization.CultureInfo.InvariantCulture));
            await page.FillAsync("#Input_AbTestPercent", "20");
            await page.FillAsync("#Input_AbWindowHours", "1");
            await page.CheckAsync($"#list-{listId}");
            await page.UncheckAsync("#Input_RespectQuietHours");
            await page.ClickAsync("#schedule");
            await page.ArriveAtAsync("**/Campaigns/Details/**");

            // The split as built: one recipient each, eight held for the winner; each variant's one message sent and delivered.
            // The A/B job counts every second and the page shows its counts when reloaded (a snapshot up to a second old):
            // the split's held count and the variants' sends are waited for.
            for (var attempt = 0; attempt < 120 && (await page.Locator("#variants tr[data-variant] [data-delivered]").AllTextContentsAsync() is var delivered && !delivered.SequenceEqual(["1", "1"])
                                                    || await page.Locator("#variants tr[data-held]").CountAsync() == 0); attempt++)
            {
                await Task.Delay(500);
                await page.ReloadAsync();
            }

            await Expect(page.Locator("#variants tr[data-variant='0'] [data-recipients]")).ToHaveTextAsync("1");
            await Expect(page.Locator("#variants tr[data-variant='1'] [data-recipients]")).ToHaveTextAsync("1");
            await Expect(page.Locator("#variants tr[data-held] [data-recipients]")).ToHaveTextAsync("8");
            await Expect(page.Locator("#variants tr[data-variant='1']")).ToContainTextAsync("croissants two for one");
            await Expect(page.Locator("#ab-summary")).ToContainTextAsync("20% of the audience in the test, the winner by delivery rate 1 hour after sending, then sent to the rest.");
            await Expect(page.Locator("#ab-summary")).ToContainTextAsync("8 recipients are held until then");
            await Expect(page.Locator("#variants tr[data-variant='0'] [data-sent]")).ToHaveTextAsync("1");
            await Expect(page.Locator("#variants tr[data-variant='1'] [data-delivered]")).ToHaveTextAsync("1");
            await Expect(page.Locator("#variants tr[data-variant='1'] [data-rate]")).ToHaveTextAsync("100.0%");
            await Expect(page.Locator("#status")).ToHaveTextAsync("Sending");
            // Reserved for all ten (the held may get either) at the longer variant's two segments.
            var perSegment = await fixture.Database.ScalarAsync<long>(
                "SELECT p.credits_per_segment FROM campaigns.campaign_prices p JOIN campaigns.campaigns c ON c.id = p.campaign_id WHERE c.name = 'Bread test'");
            await Expect(page.Locator("[data-counter='credits']")).ToHaveTextAsync($"{10 * 2 * perSegment} reserved");
            await BrowserSession.ScreenshotAsync(page, "campaign-ab-test");
        }
        catch (Exception exception)
        {
            await BrowserSession.ScreenshotAsync(page, "failed-campaign-ab-test");
            var logs = string.Join('\n', fixture.Host.Output.Split('\n').TakeLast(60));
            throw new InvalidOperationException($"failed at {page.Url}: {exception.Message}\n--- host output ---\n{logs}", exception);
        }
    }
}
