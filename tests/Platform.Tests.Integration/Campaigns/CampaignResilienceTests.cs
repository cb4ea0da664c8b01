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
        var campaignId = await SendingCampaignAsync(database, 100_000);

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
        await WaitForFinalAsync(database, campaignId, TimeSpan.FromMinutes(3), second);

        await AssertNothingLostOrDuplicatedAsync(database, api, campaignId, 100_000);
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
            var campaignId = await SendingCampaignAsync(database, 100_000);

            // Kill a host that owns a sending slot, once the campaign is well under way.
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (await database.ScalarAsync<long>("SELECT submitted FROM campaigns.campaigns WHERE id = @id", ("id", campaignId)) < 15_000)
            {
                DateTime.UtcNow.Should().BeBefore(deadline, "the campaign should be sending");
                await Task.Delay(100);
            }

            var owner = await database.ScalarAsync<string>(
                "SELECT node FROM campaigns.campaign_runs WHERE campaign_id = @id AND node IS NOT NULL ORDER BY slot LIMIT 1", ("id", campaignId));
            var victim = hosts.Single(h => owner!.EndsWith($":{h.ProcessId}", StringComparison.Ordinal));
            var survivor = hosts.Single(h => h != victim);
            var slots = await database.ScalarAsync<long>("SELECT count(*) FROM campaigns.campaign_runs WHERE campaign_id = @id AND node = @node", ("id", campaignId), ("node", owner!));
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

            await WaitForFinalAsync(database, campaignId, TimeSpan.FromMinutes(3), survivor);
            await AssertNothingLostOrDuplicatedAsync(database, api, campaignId, 100_000);
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
        var settings = new Dictionary<string, string>(api.HostSettings())
        {
            ["Platform__Jobs__WorkerCount"] = "2",
            ["Platform__Campaigns__Slots"] = "4",
            ["Platform__Campaigns__Workers"] = "1",
            ["Platform__Campaigns__BatchSize"] = "500",
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

        var campaignId = await SendingCampaignAsync(database, 60_000);
        await WaitForFinalAsync(database, campaignId, TimeSpan.FromMinutes(3), nodeA);

        await AssertNothingLostOrDuplicatedAsync(database, api, campaignId, 60_000);
        var line = $"Campaign {campaignId}: this run handed";
        var sentByA = Handed(nodeA.Output, line);
        var sentByB = Handed(nodeB.Output, line);
        output.WriteLine($"node A handed {sentByA}, node B {sentByB} messages to the carrier");
        (sentByA + sentByB).Should().Be(60_000);
        sentByA.Should().BePositive("both nodes take batches of the campaign");
        sentByB.Should().BePositive("both nodes take batches of the campaign");
    }

    private static long Handed(string output, string line) => output.Split('\n')
        .Where(l => l.Contains(line, StringComparison.Ordinal))
        .Sum(l => long.Parse(l[(l.IndexOf(line, StringComparison.Ordinal) + line.Length)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture));

    private static async Task<Guid> SendingCampaignAsync(TestDatabase database, int recipients)
    {
        var campaignId = Guid.NewGuid();
        var companyId = Guid.NewGuid();
        await database.ExecuteAsync($"""
            INSERT INTO campaigns.campaigns (id, company_id, name, sender_id, body, status, time_zone, respect_quiet_hours, prepared_at, targeted, created_at, updated_at, started_at)
            VALUES ('{campaignId}', '{companyId}', 'Resilience', 'PLATFORM', 'Hello there, this is a test', 'Sending', 'UTC', false, now(), {recipients}, now(), now(), now());
            INSERT INTO campaigns.messages (campaign_id, company_id, phone, country, time_zone, state, not_before)
            SELECT '{campaignId}', '{companyId}', '+4478' || lpad(i::text, 8, '0'), 'GB', 'Europe/London', 0, now()
            FROM generate_series(1, {recipients}) AS i;
            """);
        return campaignId;
    }

    private static async Task WaitForFinalAsync(TestDatabase database, Guid campaignId, TimeSpan timeout, HostProcess host)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var notFinal = await database.ScalarAsync<long>(
                "SELECT count(*) FROM campaigns.messages WHERE campaign_id = @id AND state IN (0, 1, 2)", ("id", campaignId));
            var status = await database.ScalarAsync<string>("SELECT status FROM campaigns.campaigns WHERE id = @id", ("id", campaignId));
            if (notFinal == 0 && status == "Completed")
            {
                return;
            }

            await Task.Delay(500);
        }

        throw new TimeoutException($"The campaign did not finish. Host output:\n{host.Output[^Math.Min(host.Output.Length, 4000)..]}");
    }

    private static async Task AssertNothingLostOrDuplicatedAsync(TestDatabase database, FakeSmsApi api, Guid campaignId, int recipients)
    {
        var duplicates = api.ReceivedPerNumber.Where(p => p.Value > 1).Select(p => p.Key).ToList();
        duplicates.Should().BeEmpty("no message is submitted twice: a claim whose outcome was lost becomes Unknown, never resent");

        var states = new Dictionary<short, long>();
        await using (var connection = new Npgsql.NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand("SELECT state, count(*) FROM campaigns.messages WHERE campaign_id = @id GROUP BY state", connection);
            command.Parameters.AddWithValue("id", campaignId);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                states[reader.GetInt16(0)] = reader.GetInt64(1);
            }

            // Every message the platform says was submitted reached the carrier (none made up, none lost).
            await reader.CloseAsync();
            await using var submitted = new Npgsql.NpgsqlCommand("SELECT phone FROM campaigns.messages WHERE campaign_id = @id AND submitted_at IS NOT NULL", connection);
            submitted.Parameters.AddWithValue("id", campaignId);
            await using var phones = await submitted.ExecuteReaderAsync();
            var missing = 0;
            while (await phones.ReadAsync())
            {
                if (!api.ReceivedPerNumber.ContainsKey(phones.GetString(0)))
                {
                    missing++;
                }
            }

            missing.Should().Be(0);
        }

        states.Values.Sum().Should().Be(recipients);
        states.Keys.Should().OnlyContain(s => s == 5 || s == 7 || s == 4, "every message is final: expired (no receipts from this API), unknown or failed");
        var unknown = states.GetValueOrDefault((short)7);
        // What the carrier received beyond the submits we recorded can only be messages whose outcome was lost.
        (api.Received - states.GetValueOrDefault((short)5)).Should().BeInRange(0, unknown);
        var counters = await database.ScalarAsync<string>(
            "SELECT targeted || '/' || (delivered + failed + expired + suppressed + unknown) FROM campaigns.campaigns WHERE id = @id", ("id", campaignId));
        counters.Should().Be($"{recipients}/{recipients}", "the counters add up");
    }
}
