using Platform.Tests.Integration.Browser;
using static Microsoft.Playwright.Assertions;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>In Chromium, on the same host: a segment is written with its live count, saved, and a campaign is sent to it (issue #20 item 3).</summary>
public sealed partial class CampaignLinksBrowserTests
{
    [Fact]
    public async Task A_segment_is_counted_as_it_is_written_saved_and_a_campaign_sent_to_it_reaches_its_people()
    {
        var baseUrl = fixture.Host.BaseUrl;
        await using var context = await Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(60_000);
        try
        {
            await BrowserSession.RegisterCompanyAsync(page, baseUrl, fixture.Database, "Segment Deli", "sam@segmentdeli.example", "+44 7700 900778");
            var companyId = await fixture.Database.ScalarAsync<Guid>("SELECT id FROM accounts.companies WHERE name = 'Segment Deli'");
            var listId = Guid.NewGuid();
            // Six regulars; the first two live in Leeds.
            await fixture.Database.ExecuteAsync($"""
                INSERT INTO campaigns.contact_fields (id, company_id, key, label, kind, created_at) VALUES ('{Guid.NewGuid()}', '{companyId}', 'city', 'City', 'text', now());
                INSERT INTO campaigns.contact_lists (id, company_id, name, contact_count, created_at) VALUES ('{listId}', '{companyId}', 'Deli regulars', 6, now());
                INSERT INTO campaigns.contacts (company_id, list_id, phone, first_name, fields, consent_source, created_at, updated_at)
                SELECT '{companyId}', '{listId}', '+4477009003' || (30 + i), 'Guest' || i,
                       jsonb_build_object('city', CASE WHEN i < 2 THEN 'Leeds' ELSE 'York' END), 'test', now(), now()
                FROM generate_series(0, 5) i;
                """);

            await page.GotoAsync($"{baseUrl}/Campaigns");
            await page.ClickAsync("#segments-link");
            await page.ClickAsync("#new-segment");
            await page.FillAsync("#Input_Name", "Leeds regulars");
            await Expect(page.Locator("#segment-count")).ToHaveTextAsync("6 people");
            // An activity condition offers only activity's operators; a field of text, text's.
            await page.SelectOptionAsync("select[name='Input.Rules[0].Subject']", "activity:clicked");
            await Expect(page.Locator("select[name='Input.Rules[0].Op'] option[value='contains']")).ToBeDisabledAsync();
            await Expect(page.Locator("select[name='Input.Rules[0].Op'] option[value='within']")).ToBeEnabledAsync();
            await page.SelectOptionAsync("select[name='Input.Rules[0].Subject']", "field:city");
            await Expect(page.Locator("select[name='Input.Rules[0].Op'] option[value='within']")).ToBeDisabledAsync();
            await page.SelectOptionAsync("select[name='Input.Rules[0].Op']", "is");
            await page.FillAsync("input[name='Input.Rules[0].Value']", "leeds");
            await Expect(page.Locator("#segment-count")).ToHaveTextAsync("2 people");
            await page.SelectOptionAsync("select[name='Input.Rules[0].Op']", "is_not");
            await Expect(page.Locator("#segment-count")).ToHaveTextAsync("4 people");
            await page.SelectOptionAsync("select[name='Input.Rules[0].Op']", "is");
            await Expect(page.Locator("#segment-count")).ToHaveTextAsync("2 people");
            await page.ClickAsync("#save-segment");
            await Expect(page.Locator("#segments-message")).ToContainTextAsync("Saved the segment Leeds regulars");
            await Expect(page.Locator("#segments tr[data-segment='Leeds regulars']")).ToContainTextAsync("City is \"leeds\"");
            await BrowserSession.ScreenshotAsync(page, "segments");

            await page.Locator("#segments tr[data-segment='Leeds regulars']").GetByText("New campaign").ClickAsync();
            await Expect(page.Locator("#audience-estimate")).ToContainTextAsync("About 2 recipients in the segment");
            await page.FillAsync("#Input_Name", "Leeds tasting");
            await page.FillAsync("#body", "Hi {first_name|there}, tasting night in {city|town} on Friday. Reply STOP to opt out");
            await page.UncheckAsync("#Input_RespectQuietHours");
            await page.ClickAsync("#schedule");
            await page.ArriveAtAsync("**/Campaigns/Details/**");
            await Expect(page.Locator("#status")).ToHaveTextAsync("Completed", new() { Timeout = 90_000 });
            await Expect(page.Locator("body")).ToContainTextAsync("Segment Leeds regulars");
            var campaignId = Guid.Parse(page.Url.Split('/')[^1]);
            (await fixture.Database.ScalarAsync<string>("SELECT string_agg(phone, ',' ORDER BY phone) FROM campaigns.messages WHERE campaign_id = @id", ("id", campaignId)))
                .Should().Be("+447700900330,+447700900331");
        }
        catch (Exception exception)
        {
            await BrowserSession.ScreenshotAsync(page, "failed-segments");
            var logs = string.Join('\n', fixture.Host.Output.Split('\n').TakeLast(60));
            throw new InvalidOperationException($"failed at {page.Url}: {exception.Message}\n--- host output ---\n{logs}", exception);
        }
    }
}
