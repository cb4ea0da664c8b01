using Platform.Tests.Integration.Infrastructure;
using Xunit.Abstractions;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>
/// Hosts as real processes against one database and a carrier API outside them: what the carrier received is the
/// truth a crashed host cannot rewrite. A campaign is written straight into the campaigns schema, already prepared
/// and sending (the pages and preparation are tested elsewhere); the hosts' maintenance job picks it up.
/// </summary>
public sealed class CampaignResilienceTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_host_killed_mid_campaign_loses_no_message_and_submits_none_twice_after_restart()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var api = await FakeSmsApi.StartAsync();
        var first = HostProcess.Start(database.ConnectionString, "crash-a", api.HostSettings());
        await first.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));
        var campaignId = await ResilienceCampaigns.SendingCampaignAsync(database, 100_000);

        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (await database.ScalarAsync<long>("SELECT submitted FROM campaigns.campaigns WHERE id = @id", ("id", campaignId)) < 20_000 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        await first.KillAsync();
        var atKill = await database.ScalarAsync<long>("SELECT submitted FROM campaigns.campaigns WHERE id = @id", ("id", campaignId));
        output.WriteLine($"killed with {atKill} submitted, {api.Received} received by the carrier");
        atKill.Should().BeInRange(20_000, 99_999, "the host must be killed in the middle of the campaign");

        await using var second = HostProcess.Start(database.ConnectionString, "crash-b", api.HostSettings());
        await second.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));
        await ResilienceCampaigns.WaitForFinalAsync(database, campaignId, TimeSpan.FromMinutes(3), second);

        await ResilienceCampaigns.AssertNothingLostOrDuplicatedAsync(database, api, campaignId, 100_000);
        await first.DisposeAsync();
    }

    [Fact]
    public async Task A_host_killed_mid_campaign_is_resumed_by_the_other_host_within_a_minute_and_nothing_is_sent_twice()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var api = await FakeSmsApi.StartAsync();
        // Claims the killed host held turn Unknown after this lease, so the campaign can finish within the test.
        var settings = new Dictionary<string, string>(api.HostSettings()) { ["Platform__Campaigns__ClaimLease"] = "00:00:20" };
        var hosts = new[] { HostProcess.Start(database.ConnectionString, "resume-a", settings), HostProcess.Start(database.ConnectionString, "resume-b", settings) };
        try
        {
            await Task.WhenAll(hosts.Select(h => h.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90))));
            var campaignId = await ResilienceCampaigns.SendingCampaignAsync(database, 100_000);

            // Kill a host that owns a sending slot, once the campaign is well under way.
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (await database.ScalarAsync<long>("SELECT submitted FROM campaigns.campaigns WHERE id = @id", ("id", campaignId)) < 15_000)
            {
                DateTime.UtcNow.Should().BeBefore(deadline, "the campaign should be sending");
                await Task.Delay(100);
            }

            // A slot has no node between two runs of its chain (ContinueAsync hands it on; the next run's renewal
            // names its node), so wait for a run that owns one.
            string? owner;
            while ((owner = await database.ScalarAsync<string>(
                       "SELECT node FROM campaigns.campaign_runs WHERE campaign_id = @id AND node IS NOT NULL ORDER BY slot LIMIT 1", ("id", campaignId))) is null)
            {
                DateTime.UtcNow.Should().BeBefore(deadline, "a run should own a sending slot");
                await Task.Delay(20);
            }

            var victim = hosts.Single(h => owner.EndsWith($":{h.ProcessId}", StringComparison.Ordinal));
            var survivor = hosts.Single(h => h != victim);
            var slots = await database.ScalarAsync<long>("SELECT count(*) FROM campaigns.campaign_runs WHERE campaign_id = @id AND node = @node", ("id", campaignId), ("node", owner));
            await victim.KillAsync();
            var killedAt = DateTime.UtcNow;
            var atKill = await database.ScalarAsync<long>("SELECT submitted FROM campaigns.campaigns WHERE id = @id", ("id", campaignId));
            output.WriteLine($"killed {victim.InstanceName} (owner of {slots} slot(s)) with {atKill} submitted");
            atKill.Should().BeLessThan(100_000, "the host must be killed in the middle of the campaign");

            // Resumed: no slot is owned by the dead host any more, and the survivor's runs renew every slot.
            var survivorNode = $":{survivor.ProcessId}";
            while (await database.ScalarAsync<long>(
                       "SELECT count(*) FROM campaigns.campaign_runs WHERE campaign_id = @id AND (node IS NULL OR node NOT LIKE '%' || @node) AND lease_until IS NOT NULL",
                       ("id", campaignId), ("node", survivorNode)) > 0
                   && await database.ScalarAsync<string>("SELECT status FROM campaigns.campaigns WHERE id = @id", ("id", campaignId)) == "Sending")
            {
                (DateTime.UtcNow - killedAt).Should().BeLessThan(TimeSpan.FromSeconds(90), "the survivor should have taken the dead host's slots over");
                await Task.Delay(200);
            }

            var resumedAfter = DateTime.UtcNow - killedAt;
            output.WriteLine($"every slot owned by {survivor.InstanceName} {resumedAfter.TotalSeconds:F1} s after the kill");
            resumedAfter.Should().BeLessThan(TimeSpan.FromSeconds(60), "another host resumes a killed host's campaign within a minute");

            await ResilienceCampaigns.WaitForFinalAsync(database, campaignId, TimeSpan.FromMinutes(3), survivor);
            await ResilienceCampaigns.AssertNothingLostOrDuplicatedAsync(database, api, campaignId, 100_000);
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Two_hosts_share_one_campaign_and_submit_no_message_twice()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var api = await FakeSmsApi.StartAsync();
        // Each node runs at most two jobs at once and the campaign has four sending slots, so one node cannot take them all.
        // The runs are one-second slices and the carrier takes 6,000 a second, so the campaign is at least ten seconds of
        // dozens of runs, each fetched by whichever node has a free worker: on a fast machine a single round of four runs
        // once went entirely to one node while the other's two workers were busy with recurring jobs (CI, stop 29).
        var settings = new Dictionary<string, string>(api.HostSettings())
        {
            ["Platform__Jobs__WorkerCount"] = "2",
            ["Platform__Campaigns__Slots"] = "4",
            ["Platform__Campaigns__Workers"] = "1",
            ["Platform__Campaigns__BatchSize"] = "500",
            ["Platform__Campaigns__RunSlice"] = "00:00:01",
            ["Platform__Carriers__Instances__0__MaxPerSecond"] = "6000",
        };
        await using var nodeA = HostProcess.Start(database.ConnectionString, "share-a", settings);
        await using var nodeB = HostProcess.Start(database.ConnectionString, "share-b", settings);
        await Task.WhenAll(nodeA.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90)), nodeB.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90)));
        // Both nodes must be in the cluster before the campaign starts, so that both can take its runs.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await database.ScalarAsync<long>("SELECT count(DISTINCT split_part(id, ':', 1)) FROM hangfire.server WHERE split_part(id, ':', 1) IN ('share-a', 'share-b')") < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        var campaignId = await ResilienceCampaigns.SendingCampaignAsync(database, 60_000);
        await ResilienceCampaigns.WaitForFinalAsync(database, campaignId, TimeSpan.FromMinutes(3), nodeA);

        await ResilienceCampaigns.AssertNothingLostOrDuplicatedAsync(database, api, campaignId, 60_000);
        var line = $"Campaign {campaignId}: this run handed";
        var sentByA = Handed(nodeA.Output, line);
        var sentByB = Handed(nodeB.Output, line);
        output.WriteLine($"node A handed {sentByA}, node B {sentByB} messages to the carrier");
        (sentByA + sentByB).Should().Be(60_000);
        sentByA.Should().BePositive("both nodes take batches of the campaign");
        sentByB.Should().BePositive("both nodes take batches of the campaign");
    }

    [Fact]
    public async Task Repeated_SIGKILLs_at_random_moments_across_two_hosts_lose_nothing_and_submit_nothing_twice()
    {
        // PLATFORM_KILL_RECIPIENTS / PLATFORM_KILL_COUNT give the benchmark size (100,000 and 10: docs/reliability.md).
        var recipients = ResilienceCampaigns.SizeFromEnvironment("PLATFORM_KILL_RECIPIENTS", 20_000);
        var kills = ResilienceCampaigns.SizeFromEnvironment("PLATFORM_KILL_COUNT", 3);
        var slice = recipients / (kills + 2);
        await using var database = await TestDatabase.CreateAsync();
        await using var api = await FakeSmsApi.StartAsync();
        // Rate-limited so the campaign outlives three kills; the lease lets the killed hosts' claims turn Unknown within the test.
        var settings = new Dictionary<string, string>(api.HostSettings())
        {
            ["Platform__Carriers__Instances__0__MaxPerSecond"] = "1000",
            ["Platform__Campaigns__ClaimLease"] = "00:00:20",
        };
        var hosts = new List<HostProcess> { HostProcess.Start(database.ConnectionString, "kill-0", settings), HostProcess.Start(database.ConnectionString, "kill-1", settings) };
        try
        {
            await Task.WhenAll(hosts.Select(h => h.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90))));
            var campaignId = await ResilienceCampaigns.SendingCampaignAsync(database, recipients);
            var random = new Random();
            for (var kill = 1; kill <= kills; kill++)
            {
                // A random moment inside the next slice of the campaign, a random victim.
                var at = (kill * slice) + random.Next(slice);
                // Generous: a dead host's slots are re-armed within a minute, but the whole suite on two busy cores has
                // stretched that (CI once: 2 min without progress after kill 2; DescribeAsync now says what held it).
                // Progress is what left the queue (claimed, handed over or settled), not what the carrier received: each
                // kill turns the victim's claims Unknown and they never reach the carrier, so with three kills the carrier
                // may finish below a late target (CI: 15,000 received, 5,000 Unknown, target 15,384). The queue always
                // still holds recipients - at messages when the kill comes, so every kill falls inside the campaign.
                var deadline = DateTime.UtcNow.AddMinutes(4);
                long queued;
                while ((queued = await database.ScalarAsync<long>(
                           "SELECT count(*) FROM campaigns.messages WHERE campaign_id = @id AND state = 0", ("id", campaignId))) > recipients - at)
                {
                    if (DateTime.UtcNow > deadline)
                    {
                        throw new TimeoutException($"{at} messages should have left the queue before kill {kill}; {recipients - queued} have, the carrier has {api.Received}.\n"
                            + await ResilienceCampaigns.DescribeAsync(database, campaignId, hosts));
                    }

                    await Task.Delay(20);
                }

                var victim = hosts[random.Next(hosts.Count)];
                await victim.KillAsync();
                output.WriteLine($"kill {kill}: {victim.InstanceName} with {recipients - queued} out of the queue, {api.Received} received");
                hosts.Remove(victim);
                await victim.DisposeAsync();
                var replacement = HostProcess.Start(database.ConnectionString, $"kill-{kill + 1}", settings);
                hosts.Add(replacement);
                await replacement.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));
            }

            await ResilienceCampaigns.WaitForFinalAsync(database, campaignId, TimeSpan.FromMinutes(4 + (recipients / 20_000)), hosts[0]);
            await ResilienceCampaigns.AssertNothingLostOrDuplicatedAsync(database, api, campaignId, recipients);
            output.WriteLine("final: " + await database.ScalarAsync<string>(
                "SELECT 'expired ' || expired || ', unknown ' || unknown FROM campaigns.campaigns WHERE id = @id", ("id", campaignId)));
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_batch_that_takes_longer_than_the_claim_lease_at_a_slow_carrier_is_not_taken_for_lost()
    {
        const int recipients = 1_000;
        await using var database = await TestDatabase.CreateAsync();
        await using var api = await FakeSmsApi.StartAsync();
        // 50 messages a second: a batch of 500 takes 10 s at the carrier, twice the claim lease. A live run's claims are
        // not a dead node's: they must not turn Unknown under it.
        var settings = new Dictionary<string, string>(api.HostSettings())
        {
            ["Platform__Carriers__Instances__0__MaxPerSecond"] = "50",
            ["Platform__Campaigns__BatchSize"] = "500",
            ["Platform__Campaigns__ClaimLease"] = "00:00:05",
        };
        await using var host = HostProcess.Start(database.ConnectionString, "slow-carrier", settings);
        await host.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));
        var campaignId = await ResilienceCampaigns.SendingCampaignAsync(database, recipients);

        await ResilienceCampaigns.WaitForFinalAsync(database, campaignId, TimeSpan.FromMinutes(3), host);
        await ResilienceCampaigns.AssertNothingLostOrDuplicatedAsync(database, api, campaignId, recipients);
        (await database.ScalarAsync<long>("SELECT unknown FROM campaigns.campaigns WHERE id = @id", ("id", campaignId)))
            .Should().Be(0, "every message was accepted by the carrier and recorded as submitted");
    }

    private static long Handed(string output, string line) => output.Split('\n')
        .Where(l => l.Contains(line, StringComparison.Ordinal))
        .Sum(l => long.Parse(l[(l.IndexOf(line, StringComparison.Ordinal) + line.Length)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture));
}
