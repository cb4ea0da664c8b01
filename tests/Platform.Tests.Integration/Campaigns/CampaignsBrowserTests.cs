using System.Text;
using System.Text.RegularExpressions;
using Platform.Tests.Integration.Browser;
using static Microsoft.Playwright.Assertions;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>
/// One host process of its own (fresh database, simulator carrier, plenty of trial credits, fast maintenance and
/// receipt time-out) so a small campaign sent from the browser completes within the test.
/// </summary>
public sealed class CampaignsHostFixture : BrowserHostFixture
{
    protected override string InstanceName => "campaigns-browser";

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

public sealed class CampaignsBrowserTests(CampaignsHostFixture fixture) : BrowserTestBase, IClassFixture<CampaignsHostFixture>
{
    /// <summary>Good rows: UK mobiles ending 20 to 48, none of the endings the simulator fails (13 to 16).</summary>
    private const int GoodRows = 29;

    /// <summary>79 characters once {first_name|there} is rendered as the preview's "Alexandra": one GSM-7 segment, two once in UCS-2.</summary>
    private const string Message = "Hi {first_name|there}, two pizzas for one tonight only at Rossi's! Reply STOP to opt out";

    /// <summary>What the platform appends to a text from an alphanumeric sender (PLATFORM cannot be answered): where to text STOP.</summary>
    private const string OptOutRoute = " STOP to +15550100100";

    [Fact]
    public async Task The_owner_imports_a_CSV_writes_the_message_sees_an_emoji_double_the_segments_sends_and_watches_the_bar_reach_100_percent()
    {
        var baseUrl = fixture.Host.BaseUrl;
        var csv = Path.Combine(Path.GetTempPath(), $"pizza-lovers-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(csv, CustomersCsv());
        await using var context = await Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(60_000);
        try
        {
            await BrowserSession.RegisterCompanyAsync(page, baseUrl, fixture.Database, "Rossi Browser Pizza", "olga@rossibrowserpizza.example", "+44 7700 900999");

            // A list, filled from a CSV file through the upload form.
            await page.ClickAsync("#main-nav a[href='/Campaigns']");
            await page.ArriveAtAsync("**/Campaigns");
            await page.ClickAsync("text=Contact lists");
            await page.ArriveAtAsync("**/Campaigns/Lists");
            await page.FillAsync("#Input_Name", "Pizza lovers");
            await page.ClickAsync("#create-list");
            await page.ArriveAtAsync("**/Campaigns/Lists/Details/**");
            var listId = page.Url.Split('/')[^1];
            await page.ClickAsync("#import-csv");
            await page.ArriveAtAsync("**/Campaigns/Lists/Import/**");
            await page.SetInputFilesAsync("#Input_File", csv);
            await page.SelectOptionAsync("#Input_DefaultCountry", "GB");
            await page.FillAsync("#Input_ConsentAttestation", "Customers ticked the SMS box when ordering on our web shop.");
            await page.CheckAsync("#Input_Confirmed");
            await page.ClickAsync("#start-import");
            await page.ArriveAtAsync("**/Campaigns/Lists/ImportStatus/**");
            await Expect(page.Locator("#import-status")).ToHaveTextAsync("Completed", new() { Timeout = 60_000 });
            await Expect(page.Locator("#import-percent")).ToHaveTextAsync("100");
            await Expect(page.Locator("#imported")).ToHaveTextAsync($"{GoodRows}");
            await Expect(page.Locator("#rejected")).ToHaveTextAsync("1");
            var report = await context.RequestAsync(page.Locator("#error-report"));
            (await report.TextAsync()).Should().Contain("call me maybe").And.Contain("Not a valid mobile number");

            // The message: one GSM-7 segment, then an emoji switches it to UCS-2 and two segments.
            await page.ClickAsync("#main-nav a[href='/Campaigns']");
            await page.ClickAsync("#new-campaign");
            await page.ArriveAtAsync("**/Campaigns/Create");
            await page.FillAsync("#Input_Name", "Two for one tonight");
            (await page.InputValueAsync("#Input_SenderId")).Should().Be("PLATFORM", "the platform's number is preselected");
            await page.FillAsync("#body", Message);
            await Expect(page.Locator("#preview-text")).ToHaveTextAsync(Message.Replace("{first_name|there}", "Alexandra", StringComparison.Ordinal) + OptOutRoute);
            await Expect(page.Locator("#preview-encoding")).ToHaveTextAsync("GSM-7");
            await Expect(page.Locator("#preview-segments")).ToHaveTextAsync("1");
            await Expect(page.Locator("#preview-ucs2")).ToBeHiddenAsync();
            await page.Locator("#body").PressSequentiallyAsync(" 🍕");
            (await page.InputValueAsync("#body")).Should().Be(Message + " 🍕");
            await Expect(page.Locator("#preview-encoding")).ToHaveTextAsync("UCS-2");
            await Expect(page.Locator("#preview-segments")).ToHaveTextAsync("2");
            await Expect(page.Locator("#preview-ucs2")).ToBeVisibleAsync();
            await Expect(page.Locator("#preview-ucs2")).ToContainTextAsync("🍕");

            // The audience, no quiet hours (the test must not depend on the time of day), and send now.
            await page.CheckAsync($"#list-{listId}");
            await Expect(page.Locator("#audience-estimate")).ToContainTextAsync($"About {GoodRows} recipients");
            await page.UncheckAsync("#Input_RespectQuietHours");
            // The button says what it does: with a time it schedules, without one it sends now.
            await Expect(page.Locator("#schedule")).ToHaveTextAsync("Send now");
            await page.FillAsync("#Input_SendAt", "2031-05-01T09:30");
            await Expect(page.Locator("#schedule")).ToHaveTextAsync("Schedule");
            await page.FillAsync("#Input_SendAt", string.Empty);
            await Expect(page.Locator("#schedule")).ToHaveTextAsync("Send now");
            await page.ClickAsync("#schedule");
            await page.ArriveAtAsync("**/Campaigns/Details/**");
            await Expect(page.Locator("#message")).ToContainTextAsync("Scheduled");

            // The bar fills without reloading (server-sent events) and the counters add up.
            await Expect(page.Locator("#progress-bar")).ToHaveTextAsync("100%", new() { Timeout = 90_000 });
            await Expect(page.Locator("#status")).ToHaveTextAsync("Completed", new() { Timeout = 30_000 });
            await Expect(page.Locator("[data-counter='delivered']")).ToHaveTextAsync($"{GoodRows}", new() { Timeout = 30_000 });
            await Expect(page.Locator("[data-counter='targeted']")).ToHaveTextAsync($"{GoodRows}");
            await Expect(page.Locator("[data-counter='submitted']")).ToHaveTextAsync($"{GoodRows}");
            await Expect(page.Locator("[data-counter='failed']")).ToHaveTextAsync("0");
            await Expect(page.Locator("[data-counter='pending']")).ToHaveTextAsync("0");
            await Expect(page.Locator("#pending-note")).ToBeHiddenAsync();
            await Expect(page.Locator("#status")).ToHaveClassAsync(new Regex(@"\btext-bg-success\b"));
            await Expect(page.Locator("#pause")).ToBeHiddenAsync();
            await Expect(page.Locator("#cancel")).ToBeHiddenAsync();
            var delivered = await page.EvaluateAsync<int[]>("() => Chart.getChart('chart').data.datasets[1].data");
            delivered.Should().NotBeEmpty().And.EndWith(GoodRows, "the chart has drawn the deliveries");

            // The bar is drawn full width once its CSS transition has finished.
            await page.WaitForFunctionAsync("() => { const bar = document.getElementById('progress-bar'); return bar.getBoundingClientRect().width >= bar.parentElement.getBoundingClientRect().width - 1; }");
            await BrowserSession.ScreenshotAsync(page, "campaigns-details");

            // The per-recipient report: every number, delivered; filtered to the failed ones, none.
            await page.ClickAsync("#recipients-link");
            await page.ArriveAtAsync("**/Campaigns/Recipients/**");
            await Expect(page.Locator("#recipients tbody tr")).ToHaveCountAsync(GoodRows);
            await Expect(page.Locator("#recipients tbody tr[data-state='Delivered']")).ToHaveCountAsync(GoodRows);
            await page.SelectOptionAsync("#status", "failed");
            await page.ClickAsync("#filter button[type=submit]");
            await Expect(page.Locator("#no-recipients")).ToBeVisibleAsync();
            await Expect(page.Locator("#no-failures")).ToBeVisibleAsync();
        }
        catch (Exception exception)
        {
            await BrowserSession.ScreenshotAsync(page, "failed-campaigns");
            var logs = string.Join('\n', fixture.Host.Output.Split('\n').TakeLast(60));
            throw new InvalidOperationException($"failed at {page.Url}: {exception.Message}\n--- host output ---\n{logs}", exception);
        }
        finally
        {
            File.Delete(csv);
        }
    }

    [Fact]
    public async Task The_owner_saves_a_template_and_starts_a_campaign_from_it_with_its_text_in_the_composer()
    {
        var baseUrl = fixture.Host.BaseUrl;
        await using var context = await Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(60_000);
        try
        {
            await BrowserSession.RegisterCompanyAsync(page, baseUrl, fixture.Database, "Bianchi Template Pizza", "olga@bianchitemplatepizza.example", "+44 7700 900997");
            await page.GotoAsync($"{baseUrl}/Campaigns");
            await page.ClickAsync("#templates-link");
            await page.ArriveAtAsync("**/Campaigns/Templates");
            await Expect(page.Locator("#no-templates")).ToBeVisibleAsync();
            await page.ClickAsync("#new-template");
            await page.ArriveAtAsync("**/Campaigns/Templates/Edit");
            await page.FillAsync("#Input_Name", "Friday special");
            await page.FillAsync("#Input_Body", Message);
            await page.FillAsync("#Input_Tags", "promo");
            await page.ClickAsync("#save-template");
            await Expect(page.Locator("#message")).ToContainTextAsync("Template \"Friday special\" saved.");
            await Expect(page.Locator("#history li")).ToHaveCountAsync(1);

            await page.ClickAsync("#use-template");
            await page.ArriveAtAsync("**/Campaigns/Create?template=**");
            await Expect(page.Locator("#body")).ToHaveValueAsync(Message);
            await Expect(page.Locator("#Input_Name")).ToHaveValueAsync("Friday special");
        }
        catch
        {
            await BrowserSession.ScreenshotAsync(page, "failed-templates");
            throw;
        }
    }

    [Fact]
    public async Task The_preview_shows_the_latest_text_even_when_an_earlier_preview_answers_after_it()
    {
        const string First = "Table for two";
        const string Later = "Table for two at eight tonight";
        var baseUrl = fixture.Host.BaseUrl;
        await using var context = await Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(60_000);
        var wait = TimeSpan.FromSeconds(60);

        // Counts the page's preview requests and those whose answer the page has finished with: a request that failed or was
        // aborted, or whose JSON campaigns.js has parsed and handled (the count goes up in a task after its handlers ran).
        await page.AddInitScriptAsync("""
            (() => {
              const previews = window.previews = { started: 0, settled: 0 };
              const fetch = window.fetch, json = Response.prototype.json;
              const settle = () => setTimeout(() => { previews.settled++; }, 0);
              window.fetch = function (input) {
                const answer = fetch.apply(this, arguments);
                if (String(input).indexOf('/Campaigns/Create/Preview?') >= 0) {
                  previews.started++;
                  answer.then(r => { if (r.ok) { r.isPreview = true; } else { settle(); } }, settle);
                }
                return answer;
              };
              Response.prototype.json = function () {
                const parsed = json.apply(this, arguments);
                if (this.isPreview) { parsed.then(settle, settle); }
                return parsed;
              };
            })();
            """);
        const string AllSettled = "() => window.previews.started > 0 && window.previews.settled === window.previews.started";

        // The preview of the first text is held back until the later text's preview has been shown (as a busy server might).
        var firstArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseFirst = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstAnswered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await page.RouteAsync(new Regex(@"/Campaigns/Create/Preview\?"), async route =>
        {
            // The preview asks with the text and the chosen sender (?text=…&sender=…).
            var query = Uri.UnescapeDataString(new Uri(route.Request.Url).Query);
            var first = (query == $"?text={First}" || query.StartsWith($"?text={First}&", StringComparison.Ordinal)) && firstArrived.TrySetResult();
            if (first)
            {
                await releaseFirst.Task;
            }

            await route.ContinueAsync();
            if (first)
            {
                firstAnswered.TrySetResult();
            }
        });

        try
        {
            await BrowserSession.RegisterCompanyAsync(page, baseUrl, fixture.Database, "Verdi Preview Pizza", "olga@verdipreviewpizza.example", "+44 7700 900998");
            await page.ClickAsync("#main-nav a[href='/Campaigns']");
            await page.ClickAsync("#new-campaign");
            await page.ArriveAtAsync("**/Campaigns/Create");
            await page.WaitForFunctionAsync(AllSettled); // the empty body's preview, asked for on load

            await page.FillAsync("#body", First);
            await firstArrived.Task.WaitAsync(wait);
            await page.FillAsync("#body", Later);
            await Expect(page.Locator("#preview-text")).ToHaveTextAsync(Later + OptOutRoute, new() { Timeout = 60_000 });

            // Now the first text's preview answers, late; once the page is done with it, the later text must still be shown.
            releaseFirst.SetResult();
            await firstAnswered.Task.WaitAsync(wait);
            await page.WaitForFunctionAsync(AllSettled);
            (await page.EvaluateAsync<int>("() => window.previews.started")).Should().Be(3, "one preview on load, one per text");
            (await page.TextContentAsync("#preview-text")).Should().Be(Later + OptOutRoute, "the answer to an earlier request must not replace the latest one");
            (await page.TextContentAsync("#preview-characters")).Should().StartWith($"{Later.Length + OptOutRoute.Length} ");
        }
        catch (Exception exception)
        {
            await BrowserSession.ScreenshotAsync(page, "failed-campaigns-preview");
            var logs = string.Join('\n', fixture.Host.Output.Split('\n').TakeLast(60));
            throw new InvalidOperationException($"failed at {page.Url}: {exception.Message}\n--- host output ---\n{logs}", exception);
        }
        finally
        {
            releaseFirst.TrySetResult();
        }
    }

    /// <summary>82 characters: "Hi Alexandra, your table in … is ready tonight" with it and the opt-out route is 170 GSM-7 characters, two segments.</summary>
    private const string LongCity = "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch near Anglesey Bay North";

    [Fact]
    public async Task The_owner_imports_a_mapped_field_and_previews_a_message_with_it_at_the_longest_value_and_the_credits_reserved_follow()
    {
        var baseUrl = fixture.Host.BaseUrl;
        const string body = "Hi {first_name|there}, your table in {city|town} is ready tonight. Reply STOP to opt out";
        var csv = Path.Combine(Path.GetTempPath(), $"cities-{Guid.NewGuid():N}.csv");
        // Endings 20–23: none the simulator fails on purpose (13–16).
        await File.WriteAllTextAsync(csv, $"phone,first_name,City\n+447700900620,Guest20,York\n+447700900621,Guest21,{LongCity}\n+447700900622,Guest22,\n+447700900623,Guest23,Bath\n");
        await using var context = await Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(60_000);
        try
        {
            await BrowserSession.RegisterCompanyAsync(page, baseUrl, fixture.Database, "Ferrari Fields Pizza", "olga@ferrarifieldspizza.example", "+44 7700 900996");
            await page.GotoAsync($"{baseUrl}/Campaigns/Lists");
            await page.FillAsync("#Input_Name", "Diners");
            await page.ClickAsync("#create-list");
            await page.ArriveAtAsync("**/Campaigns/Lists/Details/**");
            var listId = page.Url.Split('/')[^1];
            await page.ClickAsync("#import-csv");
            await page.SetInputFilesAsync("#Input_File", csv);
            await page.FillAsync("#Input_ConsentAttestation", "Diners ticked the SMS box when booking a table.");
            await page.CheckAsync("#Input_Confirmed");
            await page.ClickAsync("#start-import");

            // The columns, what each fills, and the first rows, before anything is imported.
            await page.ArriveAtAsync("**/Campaigns/Lists/ImportMapping/**");
            await Expect(page.Locator("#mapping th")).ToHaveTextAsync(["phone", "first_name", "City"]);
            await Expect(page.Locator("#preview-rows tr")).ToHaveCountAsync(4);
            await Expect(page.Locator("#preview-rows")).ToContainTextAsync(LongCity);
            (await page.InputValueAsync("#target-0")).Should().Be("phone");
            await page.SelectOptionAsync("#target-2", "new:text");
            await BrowserSession.ScreenshotAsync(page, "contact-fields-mapping");
            await page.ClickAsync("#apply-mapping");
            await page.ArriveAtAsync("**/Campaigns/Lists/ImportStatus/**");
            await Expect(page.Locator("#import-status")).ToHaveTextAsync("Completed", new() { Timeout = 60_000 });
            await Expect(page.Locator("#imported")).ToHaveTextAsync("4");

            // The composer: an unknown placeholder is named; {city} renders with the longest city, two segments.
            await page.GotoAsync($"{baseUrl}/Campaigns/Create");
            await page.FillAsync("#Input_Name", "Tables tonight");
            await page.FillAsync("#body", "Hi {first_name}, use {coupon}");
            await Expect(page.Locator("#preview-problems")).ToContainTextAsync("{coupon} is not a placeholder we know. Use {first_name} or one of your contact fields ({city})");
            await page.FillAsync("#body", body);
            await Expect(page.Locator("#preview-problems")).ToBeHiddenAsync();
            await page.CheckAsync($"#list-{listId}");
            await Expect(page.Locator("#preview-text")).ToHaveTextAsync($"Hi Alexandra, your table in {LongCity} is ready tonight. Reply STOP to opt out{OptOutRoute}");
            await Expect(page.Locator("#preview-segments")).ToHaveTextAsync("2");
            await BrowserSession.ScreenshotAsync(page, "contact-fields-composer");
            await page.UncheckAsync("#Input_RespectQuietHours");
            await page.ClickAsync("#schedule");
            await page.ArriveAtAsync("**/Campaigns/Details/**");
            var campaignId = page.Url.Split('/')[^1];
            await Expect(page.Locator("#status")).ToHaveTextAsync("Completed", new() { Timeout = 90_000 });

            // Reserved at the segments the preview showed: the longest rendering's two for each of the four, at the UK price.
            var price = await fixture.Database.ScalarAsync<long>("SELECT credits_per_segment FROM campaigns.campaign_prices WHERE campaign_id = @id AND country = 'GB'", ("id", Guid.Parse(campaignId)));
            price.Should().BePositive();
            (await fixture.Database.ScalarAsync<long>("SELECT reserved_credits FROM campaigns.campaigns WHERE id = @id", ("id", Guid.Parse(campaignId))))
                .Should().Be(4 * 2 * price);
        }
        catch (Exception exception)
        {
            await BrowserSession.ScreenshotAsync(page, "failed-contact-fields");
            var logs = string.Join('\n', fixture.Host.Output.Split('\n').TakeLast(60));
            throw new InvalidOperationException($"failed at {page.Url}: {exception.Message}\n--- host output ---\n{logs}", exception);
        }
        finally
        {
            File.Delete(csv);
        }
    }

    /// <summary>29 UK mobiles, some written the national way (the default country adds +44), and one row that is no number.</summary>
    private static string CustomersCsv()
    {
        var csv = new StringBuilder("phone,first_name\n");
        for (var i = 0; i < GoodRows; i++)
        {
            var ending = 20 + i;
            csv.Append(i % 5 == 0 ? $"07700 9005{ending:D2}" : $"+4477009005{ending:D2}").Append(",Guest").Append(ending).Append('\n');
            if (i == 10)
            {
                csv.Append("call me maybe,Nobody\n");
            }
        }

        return csv.ToString();
    }
}
