using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>
/// The campaign the fault tests run (written straight into the campaigns schema, prepared and sending, so the hosts'
/// maintenance job picks it up) and the one verdict they share: every message final, none lost, none submitted twice
/// outside Unknown, counters adding up — judged by what the carrier outside the hosts received.
/// </summary>
internal static class ResilienceCampaigns
{
    /// <summary>A size a fault test takes from the environment (the benchmark sizes), or its ./test default.</summary>
    public static int SizeFromEnvironment(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;

    public static async Task<Guid> SendingCampaignAsync(TestDatabase database, int recipients)
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

    public static async Task WaitForFinalAsync(TestDatabase database, Guid campaignId, TimeSpan timeout, HostProcess host)
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

    /// <summary>What a stuck fault test needs to say why: the slots, the message states, the Hangfire jobs and the hosts' last lines.</summary>
    public static async Task<string> DescribeAsync(TestDatabase database, Guid campaignId, IEnumerable<HostProcess> hosts)
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine("now " + await database.ScalarAsync<string>("SELECT now()::text"));
        text.AppendLine("runs: " + await database.ScalarAsync<string>(
            "SELECT coalesce(string_agg(slot || ' gen ' || generation || ' node ' || coalesce(node, '-') || ' lease ' || coalesce(lease_until::text, '-'), '; ' ORDER BY slot), 'none') FROM campaigns.campaign_runs WHERE campaign_id = @id",
            ("id", campaignId)));
        text.AppendLine("states: " + await database.ScalarAsync<string>(
            "SELECT string_agg(state || '=' || n, ', ' ORDER BY state) FROM (SELECT state, count(*) AS n FROM campaigns.messages WHERE campaign_id = @id GROUP BY state) s",
            ("id", campaignId)));
        text.AppendLine("status: " + await database.ScalarAsync<string>("SELECT status FROM campaigns.campaigns WHERE id = @id", ("id", campaignId)));
        text.AppendLine("hangfire servers: " + await database.ScalarAsync<string>("SELECT coalesce(string_agg(id || ' @' || lastheartbeat::text, '; '), 'none') FROM hangfire.server"));
        text.AppendLine("hangfire jobs: " + await database.ScalarAsync<string>(
            "SELECT coalesce(string_agg(statename || '=' || n, ', '), 'none') FROM (SELECT statename, count(*) AS n FROM hangfire.job GROUP BY statename) j"));
        foreach (var host in hosts)
        {
            var output = host.Output;
            text.AppendLine($"--- {host.InstanceName} (pid {host.ProcessId}):").AppendLine(output[^Math.Min(output.Length, 3000)..]);
        }

        return text.ToString();
    }

    public static async Task AssertNothingLostOrDuplicatedAsync(TestDatabase database, FakeSmsApi api, Guid campaignId, int recipients)
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
