using Microsoft.Playwright;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Browser;

/// <summary>What a person does in a real browser against the real host processes of the cluster.</summary>
[Collection(ClusterCollection.Name)]
public sealed class BrowserTests(ClusterFixture cluster) : BrowserTestBase
{
    /// <summary>Runs the steps in a fresh page; on failure keeps a screenshot and says where the page was and what the hosts logged.</summary>
    private async Task WithEvidenceAsync(string name, Func<IPage, Task> steps)
    {
        var page = await Browser.NewPageAsync();
        page.SetDefaultTimeout(60_000);
        try
        {
            await steps(page);
        }
        catch (Exception exception)
        {
            await BrowserSession.ScreenshotAsync(page, $"failed-{name}");
            var logs = string.Join('\n', (cluster.NodeA.Output + cluster.NodeB.Output).Split('\n').TakeLast(60));
            throw new InvalidOperationException($"{name} failed at {page.Url}: {exception.Message}\n--- host output ---\n{logs}", exception);
        }
    }

    [Fact]
    public Task A_business_registers_logs_out_logs_in_and_sees_its_dashboard() => WithEvidenceAsync(nameof(A_business_registers_logs_out_logs_in_and_sees_its_dashboard), A_business_registers_logs_out_logs_in_and_sees_its_dashboardSteps);

    private async Task A_business_registers_logs_out_logs_in_and_sees_its_dashboardSteps(IPage page)
    {
        await page.GotoAsync($"{cluster.NodeA.BaseUrl}/");
        await page.ClickAsync("text=Register your company");

        await page.FillAsync("#Input_CompanyName", "Browser Pizza");
        await page.FillAsync("#Input_FirstName", "Bea");
        await page.FillAsync("#Input_Surname", "Lindqvist"); // not in the password: the rule refuses a password made of the name
        await page.FillAsync("#Input_Email", "bea@browserpizza.example");
        await page.FillAsync("#Input_Password", "BrowserPassw0rd");
        await page.FillAsync("#Input_ConfirmPassword", "BrowserPassw0rd");
        await page.FillAsync("#Input_MobileNumber", "+1 555 123 0009");
        await page.FillAsync("#Input_PostalCode", "94103");
        await page.SelectOptionAsync("#Input_MarketSector", "Food and drink");
        await page.CheckAsync("#Input_IsAdult");

        // Forgetting the terms tick shows the message and keeps what was typed.
        await page.ClickAsync("button[type=submit]");
        (await page.ContentAsync()).Should().Contain("Accept the terms and the privacy policy to register.");
        (await page.InputValueAsync("#Input_CompanyName")).Should().Be("Browser Pizza");

        await page.FillAsync("#Input_Password", "BrowserPassw0rd");
        await page.FillAsync("#Input_ConfirmPassword", "BrowserPassw0rd");
        await page.CheckAsync("#Input_AcceptTerms");
        await page.ClickAsync("button[type=submit]");

        // "Check your email", and nobody signed in: the same answer an address with an account gets.
        await page.ArriveAtAsync("**/Accounts/Login");
        await Microsoft.Playwright.Assertions.Expect(page.Locator("main .alert-success")).ToContainTextAsync("Check your email");

        // Signed in before confirming, the owner sees why nothing can be sent yet.
        await page.FillAsync("#Input_Email", "bea@browserpizza.example");
        await page.FillAsync("#Input_Password", "BrowserPassw0rd");
        await page.ClickAsync("main button[type=submit]");
        await page.ArriveAtAsync("**/Dashboard");
        await Microsoft.Playwright.Assertions.Expect(page.Locator("#unconfirmed-banner")).ToContainTextAsync("Confirm your email address");

        // The emailed link confirms the address; the banner is gone.
        await page.GotoAsync(cluster.NodeA.BaseUrl + await PlatformFactory.ConfirmationLinkAsync(cluster.Database, "bea@browserpizza.example"));
        await page.WaitForSelectorAsync("#address-confirmed");
        await page.ClickAsync("text=Go to your dashboard");
        await page.ArriveAtAsync("**/Dashboard");
        (await page.TextContentAsync("h1")).Should().Contain("Browser Pizza");
        (await page.Locator("#unconfirmed-banner").CountAsync()).Should().Be(0);
        await BrowserSession.ScreenshotAsync(page, "dashboard");

        await page.ClickAsync("#logout");
        await page.GotoAsync($"{cluster.NodeB.BaseUrl}/Accounts/Login");
        await page.FillAsync("#Input_Email", "bea@browserpizza.example");
        await page.FillAsync("#Input_Password", "BrowserPassw0rd");
        await page.ClickAsync("button[type=submit]");
        await page.ArriveAtAsync("**/Dashboard");
        (await page.TextContentAsync("h1")).Should().Contain("Browser Pizza", "any node of the cluster serves the company");
    }

    [Fact]
    public Task An_admin_triggers_a_recurring_job_on_the_Hangfire_dashboard_sees_a_failed_run_with_its_exception_and_retries_it() =>
        WithEvidenceAsync(nameof(An_admin_triggers_a_recurring_job_on_the_Hangfire_dashboard_sees_a_failed_run_with_its_exception_and_retries_it), AdminJobsDashboardSteps);

    private async Task AdminJobsDashboardSteps(IPage page)
    {
        var violations = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                violations.Add($"{message.Location}: {message.Text[..Math.Min(message.Text.Length, 120)]}");
            }
        };
        const string Job = "accounts.purge-expired-invitations";
        var dashboard = $"{cluster.NodeB.BaseUrl}/Admin/Jobs";

        await page.AdminLogInAsync(cluster.NodeB.BaseUrl, ClusterFixture.AdminEmail, ClusterFixture.AdminPassword);
        await page.ClickAsync("text=Open the Jobs dashboard");
        await page.ArriveAtAsync("**/Admin/Jobs");
        (await page.TitleAsync()).Should().Contain("Platform · Jobs");

        // Both hosts are servers of one cluster.
        await page.GotoAsync($"{dashboard}/servers");
        var servers = await page.TextContentAsync("table");
        servers.Should().Contain("node-a").And.Contain("node-b");

        // Trigger now: the run succeeds, with its summary as the result.
        await TriggerAsync(page, dashboard, Job);
        var succeeded = await WaitForRowAsync(page, $"{dashboard}/jobs/succeeded", Job);
        succeeded.Should().NotBeNull("the triggered run should show under Succeeded");
        await BrowserSession.ScreenshotAsync(page, "jobs-succeeded");

        // A run that cannot do its work ends Failed, with its exception, and can be retried from the dashboard.
        await cluster.Database.ExecuteAsync("ALTER TABLE accounts.invitations RENAME TO invitations_away");
        try
        {
            await TriggerAsync(page, dashboard, Job);
            var failed = await WaitForRowAsync(page, $"{dashboard}/jobs/failed", Job);
            failed.Should().NotBeNull("the run should fail while its table is away");
        }
        finally
        {
            await cluster.Database.ExecuteAsync("ALTER TABLE accounts.invitations_away RENAME TO invitations");
        }

        await page.Locator($"tr:has-text('{Job}') a").First.ClickAsync();
        await page.ArriveAtAsync("**/Admin/Jobs/jobs/details/**");
        (await page.ContentAsync()).Should().Contain("invitations\" does not exist", "the failed run shows its exception");
        await BrowserSession.ScreenshotAsync(page, "jobs-failed");
        await ClickAndWaitForReloadAsync(page, "button:has-text('Requeue')");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(await page.Locator(".state-card-title:has-text('Succeeded')").CountAsync() > 0))
        {
            DateTime.UtcNow.Should().BeBefore(deadline, "the retried run should succeed once the table is back");
            await Task.Delay(500);
            await page.ReloadAsync();
        }

        violations.Should().BeEmpty("the dashboard keeps to the platform's content security policy");
    }

    /// <summary>Ticks the recurring job on the dashboard's Recurring jobs page and presses Trigger now.</summary>
    private static async Task TriggerAsync(IPage page, string dashboard, string job)
    {
        await page.GotoAsync($"{dashboard}/recurring");
        await page.CheckAsync($"input.js-jobs-list-checkbox[value='{job}']");
        // The dashboard's script posts the command and reloads the page when it is done.
        await ClickAndWaitForReloadAsync(page, "button.js-jobs-list-command:has-text('Trigger now')");
    }

    /// <summary>Clicks a dashboard command button and waits for the page load its script starts when the command is done.</summary>
    private static async Task ClickAndWaitForReloadAsync(IPage page, string selector)
    {
        var loaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLoad(object? sender, IPage loadedPage) => loaded.TrySetResult();
        page.Load += OnLoad;
        try
        {
            await page.ClickAsync(selector);
            await loaded.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            page.Load -= OnLoad;
        }
    }

    /// <summary>Reloads a dashboard list until a row names the job (a run is listed once its state is written).</summary>
    private static async Task<string?> WaitForRowAsync(IPage page, string list, string job)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            await page.GotoAsync(list);
            var row = page.Locator($"tr:has-text('{job}')");
            if (await row.CountAsync() > 0)
            {
                return await row.First.TextContentAsync();
            }

            await Task.Delay(500);
        }

        return null;
    }

    [Fact]
    public Task A_company_user_is_refused_the_jobs_dashboard() => WithEvidenceAsync(nameof(A_company_user_is_refused_the_jobs_dashboard), A_company_user_is_refused_the_jobs_dashboardSteps);

    private async Task A_company_user_is_refused_the_jobs_dashboardSteps(IPage page)
    {
        await page.GotoAsync($"{cluster.NodeA.BaseUrl}/Accounts/Login");
        await page.FillAsync("#Input_Email", "owner@cluster.test");
        await page.FillAsync("#Input_Password", "ClusterOwn3rPass");
        await page.ClickAsync("button[type=submit]");
        await page.ArriveAtAsync("**/Dashboard");

        await page.GotoAsync($"{cluster.NodeA.BaseUrl}/Admin/Jobs");

        page.Url.Should().Contain("/Accounts/AccessDenied");
        (await page.TextContentAsync("h1")).Should().Be("Access denied");
    }
}
