using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.Tests.Integration.Browser;
using static Microsoft.Playwright.Assertions;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>One host process of its own (fresh database, simulator carrier and its endpoints, credits, fast maintenance).</summary>
public sealed class InboxHostFixture : BrowserHostFixture
{
    protected override string InstanceName => "inbox-browser";

    protected override IDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Platform__Billing__TrialCredits"] = "100000",
        ["Platform__Campaigns__MaintenanceSeconds"] = "1",
        ["Platform__Campaigns__ReceiptTimeout"] = "00:00:05",
        ["Platform__Campaigns__RetryBackoff"] = "00:00:00.200",
        ["Platform__RateLimits__LoginPerMinute"] = "1000",
        ["Platform__Simulator__DevEndpoints"] = "true",
    };
}

public sealed class InboxBrowserTests(InboxHostFixture fixture) : BrowserTestBase, IClassFixture<InboxHostFixture>
{
    private const string PlatformNumber = "+15550100100";
    private const string Handset = "+447700970021";
    private const string Question = "Is the offer valid on Sunday?";
    private const string Answer = "Yes, all day Sunday! See you there.";

    private sealed record Received(string From, string To, string Text);

    [Fact]
    public async Task A_contact_asks_about_Sunday_the_owner_sees_the_unread_badge_opens_the_thread_answers_and_the_handset_receives_it()
    {
        var baseUrl = fixture.Host.BaseUrl;
        await using var context = await Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(60_000);
        using var handset = new HttpClient { BaseAddress = new Uri(baseUrl) };
        try
        {
            await BrowserSession.RegisterCompanyAsync(page, baseUrl, fixture.Database, "Verdi Inbox Pizza", "olga@verdiinboxpizza.example", "+44 7700 900997");
            var companyId = await fixture.Database.ScalarAsync<Guid>("SELECT id FROM accounts.companies WHERE name = @n", ("n", "Verdi Inbox Pizza"));
            var listId = Guid.NewGuid();
            await fixture.Database.ExecuteAsync($"""
                INSERT INTO campaigns.contact_lists (id, company_id, name, contact_count, created_at) VALUES ('{listId}', '{companyId}', 'Brunch regulars', 1, now());
                INSERT INTO campaigns.contacts (company_id, list_id, phone, first_name, last_name, consent_source, created_at, updated_at)
                VALUES ('{companyId}', '{listId}', '{Handset}', 'Giulia', 'Verdi', 'test', now(), now());
                """);

            // The campaign the contact will answer, sent from the browser through the simulator.
            await page.ClickAsync("#main-nav a[href='/Campaigns']");
            await page.ClickAsync("#new-campaign");
            await page.ArriveAtAsync("**/Campaigns/Create");
            await page.FillAsync("#Input_Name", "Sunday brunch");
            await page.FillAsync("#body", "Brunch for two this Sunday, 15% off at Verdi's");
            await page.CheckAsync($"#list-{listId}");
            await page.UncheckAsync("#Input_RespectQuietHours");
            await page.ClickAsync("#schedule");
            await page.ArriveAtAsync("**/Campaigns/Details/**");
            await Expect(page.Locator("#status")).ToHaveTextAsync("Completed", new() { Timeout = 90_000 });
            await ReceivedAsync(handset, m => m.Text.Contains("Brunch for two"), "the contact receives the campaign");

            // The owner has the inbox open when the question arrives: the badge and the row appear without a reload.
            await page.ClickAsync("#nav-inbox");
            await page.ArriveAtAsync("**/Campaigns/Inbox");
            await Expect(page.Locator("#no-conversations")).ToBeVisibleAsync();
            await Expect(page.Locator("#nav-inbox-unread")).ToBeHiddenAsync();
            var text = await handset.PostAsJsonAsync("/simulator/inbound", new { from = Handset, to = PlatformNumber, text = Question });
            text.StatusCode.Should().Be(HttpStatusCode.Accepted, await text.Content.ReadAsStringAsync());

            await Expect(page.Locator("#nav-inbox-unread")).ToBeVisibleAsync();
            await Expect(page.Locator("#nav-inbox-unread")).ToHaveTextAsync("1");
            var row = page.Locator("#conversations a", new() { HasText = "Giulia Verdi" });
            await Expect(row).ToContainTextAsync(Question);
            await Expect(row.Locator("[data-unread]")).ToHaveTextAsync("1");

            // Opening the thread reads it; it says which campaign the question answers.
            await row.ClickAsync();
            await page.ArriveAtAsync("**/Campaigns/Inbox/Thread/**");
            await Expect(page.Locator("#thread-who")).ToContainTextAsync("Giulia Verdi");
            await Expect(page.Locator("#thread-entries [data-direction='in'] [data-body]")).ToHaveTextAsync(Question);
            await Expect(page.Locator("#thread-entries [data-answers] a")).ToHaveTextAsync("Sunday brunch");
            await Expect(page.Locator("#nav-inbox-unread")).ToBeHiddenAsync();

            await page.FillAsync("#reply-text", Answer);
            await Expect(page.Locator("#reply-count")).ToHaveTextAsync($"{Answer.Length}");
            await page.ClickAsync("#send-reply");
            await Expect(page.Locator("#message")).ToHaveTextAsync("Reply sent.");
            await Expect(page.Locator("#thread-entries [data-direction='out'] [data-body]")).ToHaveTextAsync(Answer);
            var answer = await ReceivedAsync(handset, m => m.Text == Answer, "the handset receives the answer");
            answer.From.Should().Be(PlatformNumber, "the answer comes from the number the person texted");

            // The person answers again while the thread is open: it appears without a reload.
            await handset.PostAsJsonAsync("/simulator/inbound", new { from = Handset, to = PlatformNumber, text = "Perfect, we'll come at 11" });
            await Expect(page.Locator("#thread-entries [data-direction='in'] [data-body]").Last).ToHaveTextAsync("Perfect, we'll come at 11");
            await BrowserSession.ScreenshotAsync(page, "inbox-thread");
        }
        catch (Exception exception)
        {
            await BrowserSession.ScreenshotAsync(page, "failed-inbox");
            var logs = string.Join('\n', fixture.Host.Output.Split('\n').TakeLast(60));
            throw new InvalidOperationException($"failed at {page.Url}: {exception.Message}\n--- host output ---\n{logs}", exception);
        }
    }

    /// <summary>Waits until the handset has received a message that matches; answers it.</summary>
    private static async Task<Received> ReceivedAsync(HttpClient handset, Func<Received, bool> match, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var received = await handset.GetFromJsonAsync<List<Received>>($"/simulator/outbox?to={Uri.EscapeDataString(Handset)}", JsonSerializerOptions.Web) ?? [];
            if (received.FirstOrDefault(match) is { } found)
            {
                return found;
            }

            DateTime.UtcNow.Should().BeBefore(deadline, what);
            await Task.Delay(200);
        }
    }
}
