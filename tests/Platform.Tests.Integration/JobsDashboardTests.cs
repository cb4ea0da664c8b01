using System.Net;
using System.Text.RegularExpressions;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration;

/// <summary>The Hangfire Dashboard at /Admin/Jobs on a real host and database: what an admin sees and may do, and who may not.</summary>
public sealed partial class JobsDashboardTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    private const string PurgeJob = "accounts.purge-expired-invitations";

    private Task<long> RunsAsync(string jobId, string state) => factory.Database.ScalarAsync<long>(
        "SELECT count(*) FROM hangfire.job WHERE statename = @state AND invocationdata::text LIKE '%' || @job || '%'", ("state", state), ("job", jobId));

    /// <summary>The dashboard's POSTs carry the antiforgery token its pages put in two meta tags, as its script does.</summary>
    private static async Task<HttpResponseMessage> PostCommandAsync(FormClient client, string page, string command, Dictionary<string, string> form)
    {
        var html = (await client.GetAsync(page)).Body;
        var header = CsrfHeader().Match(html);
        var token = CsrfToken().Match(html);
        header.Success.Should().BeTrue("the dashboard page carries the antiforgery header name");
        token.Success.Should().BeTrue("the dashboard page carries the antiforgery token");
        using var request = new HttpRequestMessage(HttpMethod.Post, command) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Add(header.Groups[1].Value, WebUtility.HtmlDecode(token.Groups[1].Value));
        return await client.Http.SendAsync(request);
    }

    [Fact]
    public async Task An_admin_sees_every_modules_recurring_jobs_and_this_server_and_never_the_connection_string()
    {
        var admin = await factory.LoginAsync(PlatformFactory.AdminEmail, PlatformFactory.AdminPassword);

        var (status, recurring) = await admin.GetAsync("/Admin/Jobs/recurring");
        status.Should().Be(HttpStatusCode.OK);
        foreach (var job in new[] { PurgeJob, "billing.reconcile-checkout-sessions", "senderids.purge-documents", "campaigns.maintenance", "campaigns.api-webhooks", "campaigns.inbox-retention" })
        {
            recurring.Should().Contain(job, "each module registers its recurring jobs");
        }

        var (_, servers) = await admin.GetAsync("/Admin/Jobs/servers");
        servers.Should().Contain($"test-{factory.Database.Name[^6..]}", "this host's Hangfire server is listed");

        var (_, home) = await admin.GetAsync("/Admin/Jobs");
        home.Should().Contain("Platform · Jobs").And.Contain("href=\"/Admin\"", "the dashboard names the product and links back to the admin pages");
        home.Should().NotContain("Password=").And.NotContain("platform_test", "the storage's connection string is never shown");
    }

    [Fact]
    public async Task An_admin_triggers_a_recurring_job_and_its_run_succeeds_with_its_result()
    {
        var admin = await factory.LoginAsync(PlatformFactory.AdminEmail, PlatformFactory.AdminPassword);
        var before = await RunsAsync(PurgeJob, "Succeeded");

        var triggered = await PostCommandAsync(admin, "/Admin/Jobs/recurring", "/Admin/Jobs/recurring/trigger", new() { ["jobs[]"] = PurgeJob });
        triggered.IsSuccessStatusCode.Should().BeTrue($"the admin may trigger a recurring job (got {(int)triggered.StatusCode})");

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await RunsAsync(PurgeJob, "Succeeded") == before)
        {
            DateTime.UtcNow.Should().BeBefore(deadline, "the triggered run should have succeeded");
            await Task.Delay(200);
        }

        var result = await factory.Database.ScalarAsync<string>("""
            SELECT s.data::text FROM hangfire.job j JOIN hangfire.state s ON s.id = j.stateid
            WHERE j.statename = 'Succeeded' AND j.invocationdata::text LIKE '%accounts.purge-expired-invitations%' ORDER BY j.id DESC LIMIT 1
            """);
        result.Should().Contain("Purged", "the run's summary is its result on the dashboard");
    }

    [Fact]
    public async Task A_post_without_the_antiforgery_token_or_from_a_company_user_or_a_visitor_triggers_nothing()
    {
        var admin = await factory.LoginAsync(PlatformFactory.AdminEmail, PlatformFactory.AdminPassword);
        var owner = await factory.RegisterCompanyAsync($"Job Meddler {Guid.NewGuid():N}", $"meddler-{Guid.NewGuid():N}@example.com");
        var visitor = factory.CreateFormClient();
        var enqueued = await factory.Database.ScalarAsync<long>("SELECT count(*) FROM hangfire.job WHERE invocationdata::text LIKE '%senderids.purge-documents%'");

        var forged = await admin.Http.PostAsync("/Admin/Jobs/recurring/trigger", new FormUrlEncodedContent(new Dictionary<string, string> { ["jobs[]"] = "senderids.purge-documents" }));
        forged.IsSuccessStatusCode.Should().BeFalse("a dashboard POST needs the antiforgery token");

        var fromOwner = await owner.Http.PostAsync("/Admin/Jobs/recurring/trigger", new FormUrlEncodedContent(new Dictionary<string, string> { ["jobs[]"] = "senderids.purge-documents" }));
        fromOwner.StatusCode.Should().Be(HttpStatusCode.Redirect);
        fromOwner.Headers.Location!.ToString().Should().Contain("/Accounts/AccessDenied");
        var (ownerStatus, _) = await owner.GetAsync("/Admin/Jobs/recurring");
        ownerStatus.Should().Be(HttpStatusCode.Redirect, "a company user is sent to Access denied");

        var fromVisitor = await visitor.Http.PostAsync("/Admin/Jobs/recurring/trigger", new FormUrlEncodedContent(new Dictionary<string, string> { ["jobs[]"] = "senderids.purge-documents" }));
        fromVisitor.StatusCode.Should().Be(HttpStatusCode.Redirect);
        fromVisitor.Headers.Location!.ToString().Should().Contain("/Accounts/Login");

        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM hangfire.job WHERE invocationdata::text LIKE '%senderids.purge-documents%'"))
            .Should().Be(enqueued, "none of them enqueued a run");
    }

    [GeneratedRegex("<meta name=\"csrf-header\" content=\"([^\"]+)\"")]
    private static partial Regex CsrfHeader();

    [GeneratedRegex("<meta name=\"csrf-token\" content=\"([^\"]+)\"")]
    private static partial Regex CsrfToken();
}
