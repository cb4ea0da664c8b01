using System.Net;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration;

public sealed class JobsDashboardTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    private static readonly Dictionary<string, string> MaintenanceJob = new() { ["group"] = "accounts", ["name"] = "purge-expired-invitations" };

    private Task<string?> TriggerStateAsync() =>
        factory.Database.ScalarAsync<string>("SELECT trigger_state FROM qrtz_triggers WHERE sched_name = 'platform' AND job_name = 'purge-expired-invitations'");

    [Fact]
    public async Task The_dashboard_lists_the_recurring_job_with_its_next_fire_time_and_this_node()
    {
        var admin = await factory.LoginAsync(PlatformFactory.AdminEmail, PlatformFactory.AdminPassword);

        var (status, body) = await admin.GetAsync("/Admin/Jobs");

        status.Should().Be(HttpStatusCode.OK);
        body.Should().Contain("accounts.purge-expired-invitations").And.Contain("cron 0 5 * * * ?");
        body.Should().MatchRegex(@"\d{4}-\d\d-\d\d \d\d:05:00 UTC", "the next fire time of an hourly job at minute 5 is shown");
        body.Should().Contain("(this node)");
    }

    [Fact]
    public async Task Pause_resume_trigger_and_an_unknown_job_are_handled()
    {
        var admin = await factory.LoginAsync(PlatformFactory.AdminEmail, PlatformFactory.AdminPassword);

        (await admin.PostFormAsync("/Admin/Jobs", MaintenanceJob, "Pause")).StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await TriggerStateAsync()).Should().Be("PAUSED");
        (await admin.GetAsync("/Admin/Jobs")).Body.Should().Contain("(paused)").And.Contain("paused.");

        (await admin.PostFormAsync("/Admin/Jobs", MaintenanceJob, "Resume")).StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await TriggerStateAsync()).Should().BeOneOf("WAITING", "ACQUIRED");

        var unknown = await admin.PostFormAsync("/Admin/Jobs", new() { ["group"] = "nope", ["name"] = "missing" }, "Trigger");
        unknown.StatusCode.Should().Be(HttpStatusCode.Redirect, "an unknown job is a message, not an error");
        (await admin.GetAsync("/Admin/Jobs")).Body.Should().Contain("There is no job nope.missing any more.");

        (await admin.PostFormAsync("/Admin/Jobs", MaintenanceJob, "Trigger")).StatusCode.Should().Be(HttpStatusCode.Redirect);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        long runs = 0;
        while (DateTime.UtcNow < deadline && runs == 0)
        {
            await Task.Delay(500);
            runs = await factory.Database.ScalarAsync<long>("SELECT count(*) FROM qrtz_execution_history WHERE job_name = 'purge-expired-invitations'");
        }

        runs.Should().BeGreaterThan(0, "the triggered run is recorded in the cluster's history");
        (await admin.GetAsync("/Admin/Jobs")).Body.Should().Contain("(manual)");
    }

    [Fact]
    public async Task Delete_removes_the_job()
    {
        await using var own = new PlatformFactory();
        await own.InitializeAsync();
        var admin = await own.LoginAsync(PlatformFactory.AdminEmail, PlatformFactory.AdminPassword);

        (await admin.PostFormAsync("/Admin/Jobs", MaintenanceJob, "Delete")).StatusCode.Should().Be(HttpStatusCode.Redirect);

        (await own.Database.ScalarAsync<long>("SELECT count(*) FROM qrtz_job_details WHERE job_name = 'purge-expired-invitations'")).Should().Be(0);
        (await admin.GetAsync("/Admin/Jobs")).Body.Should().NotContain("data-job=\"accounts.purge-expired-invitations\"");
    }

    [Fact]
    public async Task A_member_or_anonymous_post_cannot_act_on_jobs()
    {
        var owner = await factory.RegisterCompanyAsync("Job Meddler", "meddler@example.com");
        var forged = await owner.Http.PostAsync("/Admin/Jobs?handler=Pause", new FormUrlEncodedContent(MaintenanceJob));
        forged.StatusCode.Should().NotBe(HttpStatusCode.OK);
        (await TriggerStateAsync()).Should().NotBe("PAUSED");
    }
}
