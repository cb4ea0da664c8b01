using System.Diagnostics;
using System.Net;
using Platform.Tests.Integration.Infrastructure;
using Xunit.Abstractions;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>
/// PostgreSQL going away under a sending campaign (issue 15 item 6): hosts as real processes, the database on a
/// private cluster the test owns (restarted) or behind a TCP proxy inside the test (stalled). The hosts must stay up,
/// report unhealthy and healthy again on /healthz, resume by themselves, and lose or duplicate nothing outside Unknown.
/// The carrier is a fake HTTP API outside the hosts, rate-limited so the fault lands mid-campaign.
/// </summary>
public sealed class DatabaseFaultTests(ITestOutputHelper output)
{
    private const int Recipients = 20_000;

    [Fact]
    public async Task A_PostgreSQL_restart_mid_campaign_keeps_the_hosts_up_and_loses_or_duplicates_nothing()
    {
        await using var postgres = await PrivatePostgres.StartAsync();
        await using var database = await TestDatabase.CreateAsync(postgres.ServerConnectionString);
        await using var api = await FakeSmsApi.StartAsync();
        var settings = Settings(api);
        await using var nodeA = HostProcess.Start(database.ConnectionString, "pg-restart-a", settings);
        await using var nodeB = HostProcess.Start(database.ConnectionString, "pg-restart-b", settings);
        await Task.WhenAll(nodeA.WaitUntilHealthyAsync(TimeSpan.FromSeconds(120)), nodeB.WaitUntilHealthyAsync(TimeSpan.FromSeconds(120)));
        var campaignId = await ResilienceCampaigns.SendingCampaignAsync(database, Recipients);
        await WaitForReceivedAsync(api, Recipients / 5);

        await postgres.StopServerAsync();
        var stoppedAt = Stopwatch.StartNew();
        output.WriteLine($"PostgreSQL stopped with {api.Received} received by the carrier");
        await Task.WhenAll(nodeA.WaitUntilUnhealthyAsync(TimeSpan.FromSeconds(60)), nodeB.WaitUntilUnhealthyAsync(TimeSpan.FromSeconds(60)));
        output.WriteLine($"both hosts unhealthy {stoppedAt.Elapsed.TotalSeconds:F1} s after the stop");

        await postgres.StartServerAsync();
        var startedAt = Stopwatch.StartNew();
        // The test's own pooled connections were closed by the restart too.
        Npgsql.NpgsqlConnection.ClearAllPools();
        await Task.WhenAll(nodeA.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90)), nodeB.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90)));
        output.WriteLine($"both hosts healthy {startedAt.Elapsed.TotalSeconds:F1} s after the start");
        var beforeResume = api.Received;
        await WaitForReceivedAsync(api, beforeResume + 1);
        output.WriteLine($"sending resumed {startedAt.Elapsed.TotalSeconds:F1} s after the start");
        beforeResume.Should().BeLessThan(Recipients, "the restart must land mid-campaign");

        await ResilienceCampaigns.WaitForFinalAsync(database, campaignId, TimeSpan.FromMinutes(4), nodeA);
        nodeA.HasExited.Should().BeFalse("a database restart must not take a host down");
        nodeB.HasExited.Should().BeFalse("a database restart must not take a host down");
        await ResilienceCampaigns.AssertNothingLostOrDuplicatedAsync(database, api, campaignId, Recipients);
        await LogOutcomeAsync(database, campaignId);
    }

    [Fact]
    public async Task A_30_second_network_stall_to_PostgreSQL_mid_campaign_keeps_the_host_up_and_loses_or_duplicates_nothing()
    {
        await using var database = await TestDatabase.CreateAsync();
        var target = new Npgsql.NpgsqlConnectionStringBuilder(database.ConnectionString);
        await using var proxy = TcpProxy.Start(target.Port);
        var throughProxy = new Npgsql.NpgsqlConnectionStringBuilder(database.ConnectionString) { Host = "127.0.0.1", Port = proxy.Port }.ConnectionString;
        await using var api = await FakeSmsApi.StartAsync();
        await using var host = HostProcess.Start(throughProxy, "pg-stall", Settings(api));
        await host.WaitUntilHealthyAsync(TimeSpan.FromSeconds(120));
        var campaignId = await ResilienceCampaigns.SendingCampaignAsync(database, Recipients);
        await WaitForReceivedAsync(api, Recipients / 5);

        proxy.Stall();
        var stalledAt = Stopwatch.StartNew();
        output.WriteLine($"network stalled with {api.Received} received by the carrier");
        await host.WaitUntilUnhealthyAsync(TimeSpan.FromSeconds(20));
        output.WriteLine($"host unhealthy {stalledAt.Elapsed.TotalSeconds:F1} s into the stall");
        // The stall's length is the fault being simulated (the 30 seconds), not a wait for a state.
        await Task.Delay(TimeSpan.FromSeconds(30) - stalledAt.Elapsed);

        var beforeResume = api.Received;
        proxy.Resume();
        var resumedAt = Stopwatch.StartNew();
        await host.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));
        output.WriteLine($"host healthy {resumedAt.Elapsed.TotalSeconds:F1} s after the network came back");
        await WaitForReceivedAsync(api, beforeResume + 1);
        output.WriteLine($"sending resumed {resumedAt.Elapsed.TotalSeconds:F1} s after the network came back");
        beforeResume.Should().BeLessThan(Recipients, "the stall must land mid-campaign");

        await ResilienceCampaigns.WaitForFinalAsync(database, campaignId, TimeSpan.FromMinutes(4), host);
        host.HasExited.Should().BeFalse("a network stall must not take the host down");
        await ResilienceCampaigns.AssertNothingLostOrDuplicatedAsync(database, api, campaignId, Recipients);
        await LogOutcomeAsync(database, campaignId);
    }

    /// <summary>
    /// The fake API's settings, rate-limited so that 20,000 messages take about 20 s and the fault lands mid-campaign;
    /// the claim lease well above a batch's time at that rate (the fake's 5 s would turn batches still being handed
    /// over Unknown), so every Unknown here comes from the fault.
    /// </summary>
    private static Dictionary<string, string> Settings(FakeSmsApi api) => new(api.HostSettings())
    {
        ["Platform__Carriers__Instances__0__MaxPerSecond"] = "1000",
        ["Platform__Campaigns__ClaimLease"] = "00:00:30",
    };

    private static async Task WaitForReceivedAsync(FakeSmsApi api, long count)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (api.Received < count)
        {
            DateTime.UtcNow.Should().BeBefore(deadline, $"the carrier should receive {count} messages");
            await Task.Delay(50);
        }
    }

    private async Task LogOutcomeAsync(TestDatabase database, Guid campaignId) =>
        output.WriteLine("final: " + await database.ScalarAsync<string>(
            "SELECT 'expired ' || expired || ', unknown ' || unknown || ', failed ' || failed FROM campaigns.campaigns WHERE id = @id", ("id", campaignId)));
}
