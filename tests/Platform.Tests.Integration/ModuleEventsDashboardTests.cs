using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration;

/// <summary>A module event whose handler keeps failing shows on the Hangfire Dashboard with its error, and clears once it is delivered.</summary>
public sealed class ModuleEventsDashboardTests(ModuleEventsDashboardTests.AlwaysFailingFactory factory) : IClassFixture<ModuleEventsDashboardTests.AlwaysFailingFactory>
{
    private const string HealthJob = "platform.module-events";

    /// <summary>Campaigns' SuppressOnOptOut fails (after it ran, so nothing commits) on its first 1,000 attempts: it keeps failing.</summary>
    public sealed class AlwaysFailingFactory : PlatformFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
        {
            ["Platform:ModuleEvents:TestFailHandler"] = "SuppressOnOptOut",
            ["Platform:ModuleEvents:TestFailAttempts"] = "1000",
            ["Platform:ModuleEvents:MaxBackoff"] = "00:00:02",
        };
    }

    private async Task<(string State, string Data)> LatestHealthRunAsync(long after)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var row = await factory.Database.ScalarAsync<string>("""
                SELECT j.statename || '|' || s.data::text FROM hangfire.job j JOIN hangfire.state s ON s.id = j.stateid
                WHERE j.id > @after AND j.invocationdata::text LIKE '%platform.module-events%' AND j.statename IN ('Succeeded', 'Failed')
                ORDER BY j.id DESC LIMIT 1
                """, ("after", after));
            if (row is not null)
            {
                var bar = row.IndexOf('|', StringComparison.Ordinal);
                return (row[..bar], row[(bar + 1)..]);
            }

            DateTime.UtcNow.Should().BeBefore(deadline, "the triggered health run should have finished");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task A_handler_that_keeps_failing_fails_the_health_run_with_its_error_and_a_delivered_event_clears_it()
    {
        var handset = DurableEventsTests.Handset();
        var companyId = await DurableEventsTests.OptOutOnTheWebAsync(factory.CreateFormClient, factory.CreateClient(), factory.Database, "Failing Pizza", "FAILPIZZA", handset);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await factory.Database.ScalarAsync<int>("SELECT COALESCE(max(attempts), 0) FROM optins.outbox WHERE payload ->> 'phone' = @p AND dispatched_at IS NULL", ("p", handset)) < 3)
        {
            DateTime.UtcNow.Should().BeBefore(deadline, "the opt-out's delivery should have failed three times");
            await Task.Delay(200);
        }

        var manager = factory.Services.GetRequiredService<IRecurringJobManager>();
        var before = await factory.Database.ScalarAsync<long>("SELECT COALESCE(max(id), 0) FROM hangfire.job");
        manager.Trigger(HealthJob);
        var (state, data) = await LatestHealthRunAsync(before);
        state.Should().Be("Failed", "an event that keeps failing shows on the dashboard");
        data.Should().Contain("SubscriberOptedOut").And.Contain("SuppressOnOptOut fails on attempt", "the handler's error is shown");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.suppressions WHERE company_id = @c AND phone = @p", ("c", companyId), ("p", handset)))
            .Should().Be(0, "the failing handler committed nothing");

        // Delivered at last (the handler would succeed now; here the event is marked delivered as the dispatcher would):
        // the next run succeeds.
        await factory.Database.ExecuteAsync($"UPDATE optins.outbox SET dispatched_at = now(), last_error = NULL WHERE payload ->> 'phone' = '{handset}'");
        before = await factory.Database.ScalarAsync<long>("SELECT COALESCE(max(id), 0) FROM hangfire.job");
        manager.Trigger(HealthJob);
        (state, data) = await LatestHealthRunAsync(before);
        state.Should().Be("Succeeded");
        data.Should().Contain("none failing");
    }
}
