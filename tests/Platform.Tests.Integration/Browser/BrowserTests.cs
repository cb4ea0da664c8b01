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
        await page.FillAsync("#Input_Surname", "Rowser");
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
        await page.ArriveAtAsync("**/Dashboard");
        (await page.TextContentAsync("h1")).Should().Contain("Browser Pizza");
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
    public Task An_admin_triggers_the_maintenance_job_and_sees_the_run_in_history() => WithEvidenceAsync(nameof(An_admin_triggers_the_maintenance_job_and_sees_the_run_in_history), An_admin_triggers_the_maintenance_job_and_sees_the_run_in_historySteps);

    private async Task An_admin_triggers_the_maintenance_job_and_sees_the_run_in_historySteps(IPage page)
    {
        await page.GotoAsync($"{cluster.NodeB.BaseUrl}/Accounts/Login");
        await page.FillAsync("#Input_Email", ClusterFixture.AdminEmail);
        await page.FillAsync("#Input_Password", ClusterFixture.AdminPassword);
        await page.ClickAsync("button[type=submit]");
        await page.ArriveAtAsync("**/Admin");
        await page.ClickAsync("text=Open the Jobs dashboard");
        await page.ArriveAtAsync("**/Admin/Jobs");

        var nodes = await page.TextContentAsync("#nodes");
        nodes.Should().Contain("node-a").And.Contain("node-b");

        var job = page.Locator("tr[data-job='accounts.purge-expired-invitations']");
        (await job.TextContentAsync()).Should().Contain("cron 0 5 * * * ?");
        await job.Locator("button:has-text('Trigger now')").ClickAsync();
        (await page.TextContentAsync("#jobs-message")).Should().Contain("triggered");

        // History is written by whichever node ran it, shortly after; the page reads the cluster's history.
        var deadline = DateTime.UtcNow.AddSeconds(45);
        string? history = null;
        while (DateTime.UtcNow < deadline)
        {
            await page.GotoAsync($"{cluster.NodeB.BaseUrl}/Admin/Jobs");
            history = await page.Locator("#history").CountAsync() > 0 ? await page.TextContentAsync("#history") : null;
            if (history?.Contains("accounts.purge-expired-invitations") == true)
            {
                break;
            }

            await Task.Delay(1000);
        }

        await BrowserSession.ScreenshotAsync(page, "jobs");
        history.Should().Contain("accounts.purge-expired-invitations").And.Contain("Succeeded");
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
