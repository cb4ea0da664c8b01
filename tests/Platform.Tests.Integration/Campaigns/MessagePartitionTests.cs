using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Platform.Modules.Campaigns.Domain;
using Platform.Modules.Campaigns.Jobs;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>A partition of campaigns.messages as <c>campaigns.message_partitions</c> records it.</summary>
public sealed record PartitionRow(string Name, long FirstId, long EndId, DateTimeOffset? OpenedAt, DateTimeOffset? ClosedAt, bool AwaitingReceipts, DateTimeOffset? DroppedAt);

/// <summary>
/// The send-API host whose message-partition job (ADR 37) runs on <see cref="Clock"/>, so a test passes months by running
/// it at a later time; the job's own schedule is daily (the tests run it). Partitions after the first cover 20 ids, so a
/// campaign of a few dozen recipients fills one and goes on into the next.
/// </summary>
public class PartitionFactory : ApiFactory
{
    public const long FirstRange = 10_000_000_000;

    public TestClock Clock { get; } = new();

    protected virtual int ReceiptDelayMs => 200;

    protected override string ReceiptTimeout => "00:02:00";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Platform:Campaigns:MessagePartitionIds"] = "20",
        ["Platform:Campaigns:MessagePartitionSeconds"] = "86400",
        ["Platform:Carriers:Instances:0:Settings:ReceiptDelayMs"] = ReceiptDelayMs.ToString(CultureInfo.InvariantCulture),
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddKeyedSingleton<TimeProvider>(MessagePartitionsJob.ClockKey, Clock));
    }

    /// <summary>Runs the partition job at <paramref name="now"/>, as its schedule would then.</summary>
    public async Task RunPartitionJobAt(DateTimeOffset now)
    {
        Clock.Now = now;
        await RunRecurringJobAsync(MessagePartitionsJob.Id);
    }

    public async Task<List<PartitionRow>> PartitionsAsync()
    {
        await using var connection = new Npgsql.NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "SELECT name, first_id, end_id, opened_at, closed_at, awaiting_receipts, dropped_at FROM campaigns.message_partitions ORDER BY first_id", connection);
        var rows = new List<PartitionRow>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(new PartitionRow(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2),
                reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3), reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4),
                reader.GetBoolean(5), reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6)));
        }

        return rows;
    }

    /// <summary>The partitions a campaign's messages are in, by name.</summary>
    public async Task<string> PartitionsOfAsync(Guid campaignId) =>
        (await Database.ScalarAsync<string>(
            "SELECT string_agg(DISTINCT tableoid::regclass::text, ',') FROM campaigns.messages WHERE campaign_id = @id", ("id", campaignId)))!;

    /// <summary>One delivered message of no campaign, written straight to the table: the open partition then has a row.</summary>
    public Task OneMessageAsync() => Database.ExecuteAsync("""
        INSERT INTO campaigns.messages (campaign_id, company_id, phone, country, time_zone, state, not_before)
        VALUES (gen_random_uuid(), gen_random_uuid(), '+447700900999', 'GB', 'UTC', 3, now())
        """);

    /// <summary>An API message to <paramref name="to"/>; answers its public id.</summary>
    public static async Task<string> SendOneAsync(HttpClient api, string to, string text)
    {
        var response = await api.PostAsync("/api/v1/messages", Json(new { from = "PLATFORM", to, text }));
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.Accepted, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("messages")[0].GetProperty("id").GetString()!;
    }
}

/// <summary>The partition job makes the next partition ahead and, each month, moves new messages to it.</summary>
public sealed class MessagePartitionJobTests(PartitionFactory factory) : IClassFixture<PartitionFactory>
{
    [Fact]
    public async Task The_next_partition_is_made_ahead_and_each_month_new_messages_go_to_a_new_one()
    {
        var start = DateTimeOffset.UtcNow;
        await factory.RunPartitionJobAt(start);
        var partitions = await factory.PartitionsAsync();
        partitions.Select(p => (p.Name, p.FirstId, p.EndId)).Should().Equal(
            ("messages_p00001", 1L, PartitionFactory.FirstRange), ("messages_p00002", PartitionFactory.FirstRange, PartitionFactory.FirstRange + 20));
        partitions[1].OpenedAt.Should().BeNull("no id has reached it yet");

        var (owner, companyId) = await factory.CompanyAsync("Partition Pizza");
        var listId = await factory.ListAsync(companyId, "Five", 5, first: 117);
        var first = await SendingFactory.CreateCampaignAsync(owner, SendingFactory.CampaignForm("First month", listId));
        await factory.WaitForAsync(first, "Completed", TimeSpan.FromMinutes(1));
        (await factory.PartitionsOfAsync(first)).Should().Be("campaigns.messages_p00001");

        // A month on: ids move to the partition made ahead, the first closes, and the one after is made ahead. Again at
        // the same time changes nothing.
        var month = start.AddMonths(1).AddMinutes(1);
        await factory.RunPartitionJobAt(month);
        await factory.RunPartitionJobAt(month);
        partitions = await factory.PartitionsAsync();
        partitions.Select(p => p.Name).Should().Equal("messages_p00001", "messages_p00002", "messages_p00003");
        partitions[0].ClosedAt.Should().BeCloseTo(month, TimeSpan.FromMilliseconds(1));
        partitions[1].OpenedAt.Should().BeCloseTo(month, TimeSpan.FromMilliseconds(1));
        partitions[1].ClosedAt.Should().BeNull();
        (partitions[2].FirstId, partitions[2].EndId).Should().Be((PartitionFactory.FirstRange + 20, PartitionFactory.FirstRange + 40));
        (await factory.Database.ScalarAsync<long>("SELECT last_value FROM campaigns.messages_id_seq")).Should().Be(PartitionFactory.FirstRange);

        var second = await SendingFactory.CreateCampaignAsync(owner, SendingFactory.CampaignForm("Second month", listId));
        await factory.WaitForAsync(second, "Completed", TimeSpan.FromMinutes(1));
        (await factory.PartitionsOfAsync(second)).Should().Be("campaigns.messages_p00002");
        (await factory.Database.ScalarAsync<long>("SELECT min(id) FROM campaigns.messages WHERE campaign_id = @id", ("id", second))).Should().Be(PartitionFactory.FirstRange);
        (await factory.Database.ScalarAsync<long>("SELECT messages_from FROM campaigns.campaigns WHERE id = @id", ("id", second))).Should().Be(PartitionFactory.FirstRange);
    }
}

/// <summary>The simulator reports each receipt 15 s after it accepts the message: time to close partitions in between.</summary>
public sealed class SlowReceiptsPartitionFactory : PartitionFactory
{
    protected override int ReceiptDelayMs => 15_000;
}

/// <summary>
/// A campaign whose messages fill one partition and go on into the next is sent; its receipts arrive after both partitions
/// have closed and still apply (the partitions keep awaiting receipts while they hold submitted messages), and its report
/// and CSV list every recipient from both.
/// </summary>
public sealed class PartitionedCampaignTests(SlowReceiptsPartitionFactory factory) : IClassFixture<SlowReceiptsPartitionFactory>
{
    [Fact]
    public async Task A_campaign_across_two_partitions_gets_its_receipts_after_both_closed_and_its_report_and_csv_cover_both()
    {
        var start = DateTimeOffset.UtcNow;
        await factory.OneMessageAsync();
        await factory.RunPartitionJobAt(start.AddMonths(1));
        var (owner, companyId) = await factory.CompanyAsync("Across Pizza");
        // 30 numbers ending in 17 to 46: none of the simulator's failure endings (13 to 16).
        var listId = await factory.ListAsync(companyId, "Thirty", 30, first: 117);
        var campaignId = await SendingFactory.CreateCampaignAsync(owner, SendingFactory.CampaignForm("Across", listId));
        await factory.Database.WaitForAsync("all 30 submitted and the campaign completed", TimeSpan.FromMinutes(1),
            "SELECT submitted = 30 AND status = 'Completed' FROM campaigns.campaigns WHERE id = @id", ("id", campaignId));
        (await factory.PartitionsOfAsync(campaignId)).Should().Be("campaigns.messages_p00002,campaigns.messages_p00003",
            "20 ids fill the partition opened a month on, the other 10 go to the one made ahead");
        (await factory.CountersAsync(campaignId))["delivered"].Should().Be(0, "the receipts are still at the simulator");

        // Two months later (and past the hour a closed partition is given): both partitions are closed, and still
        // awaiting receipts because they hold submitted messages; the first partition (nothing submitted) is not.
        await factory.RunPartitionJobAt(start.AddMonths(3));
        await factory.RunPartitionJobAt(start.AddMonths(3).AddHours(2));
        var partitions = await factory.PartitionsAsync();
        partitions.Where(p => p.ClosedAt is not null).Select(p => (p.Name, p.AwaitingReceipts)).Should().Equal(
            ("messages_p00001", false), ("messages_p00002", true), ("messages_p00003", true));
        (await factory.CountersAsync(campaignId))["delivered"].Should().Be(0, "the receipts are still at the simulator");

        await factory.Database.WaitForAsync("every receipt applied", TimeSpan.FromMinutes(1),
            "SELECT delivered = 30 FROM campaigns.campaigns WHERE id = @id", ("id", campaignId));
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.pending_receipts")).Should().Be(0);

        // Nothing awaits a receipt there any more: receipts now look from the open partition on.
        await factory.RunPartitionJobAt(start.AddMonths(3).AddHours(3));
        partitions = await factory.PartitionsAsync();
        partitions.Where(p => p.ClosedAt is not null).Should().OnlyContain(p => !p.AwaitingReceipts);

        // The report pages through all 30, and its CSV has them all.
        var seen = await RecipientReportTests.AllNumbersAsync(owner, campaignId);
        seen.Should().HaveCount(30).And.OnlyHaveUniqueItems();
        var csv = (await (await owner.Http.GetAsync($"/Campaigns/Recipients/{campaignId}/Csv")).Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        csv.Skip(1).Select(r => r.Split(',')[0]).Should().BeEquivalentTo(seen);
        csv.Skip(1).Should().OnlyContain(r => r.Split(',')[2] == "Delivered");
    }
}

/// <summary>GET /api/v1/messages/{id} finds a message in an older partition, reading only the partitions of its id's time.</summary>
public sealed class PartitionedApiTests(PartitionFactory factory) : IClassFixture<PartitionFactory>
{
    [Fact]
    public async Task The_send_API_finds_a_message_two_partitions_back_by_the_time_in_its_id()
    {
        var (owner, _) = await factory.CompanyAsync("Older Api Pizza");
        using var api = factory.ApiClient(await ApiFactory.CreateKeyAsync(owner));
        var id = await PartitionFactory.SendOneAsync(api, "+447700900117", "Your table is ready");
        (await ApiFactory.WaitForFinalAsync(api, id, TimeSpan.FromSeconds(60))).GetProperty("status").GetString().Should().Be("delivered");

        var start = DateTimeOffset.UtcNow;
        await factory.RunPartitionJobAt(start.AddMonths(1));
        await factory.OneMessageAsync();
        await factory.RunPartitionJobAt(start.AddMonths(2));
        var partitions = await factory.PartitionsAsync();
        partitions.Where(p => p.OpenedAt is not null).Select(p => p.Name).Should().Equal("messages_p00001", "messages_p00002", "messages_p00003");

        var response = await api.GetAsync($"/api/v1/messages/{id}");
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, body);
        var message = JsonDocument.Parse(body).RootElement;
        message.GetProperty("status").GetString().Should().Be("delivered");
        message.GetProperty("to").GetString().Should().Be("+447700900117");

        // The ids the lookup reads are the first partition's alone, not the two since.
        var madeAt = MessagePartitions.MadeAt(Guid.Parse(id));
        madeAt.Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));
        var bounds = await factory.Database.ScalarAsync<string>(
            $"SELECT min(first_id) || '-' || max(end_id) FROM campaigns.message_partitions WHERE {MessagePartitions.WrittenAround("first_id", "@at")}",
            ("at", madeAt!.Value));
        bounds.Should().Be($"1-{PartitionFactory.FirstRange}");
    }
}

/// <summary>
/// Retention drops a whole partition once its newest message is past MessageRetentionMonths − MessagePartitionMonths (12
/// months by default), with the webhook outbox rows of its messages, and leaves the next partition and its rows alone.
/// </summary>
public sealed class PartitionRetentionTests(PartitionFactory factory) : IClassFixture<PartitionFactory>
{
    [Fact]
    public async Task Retention_drops_the_oldest_partition_whole_with_its_webhook_rows_and_nothing_else()
    {
        var (owner, companyId) = await factory.CompanyAsync("Retention Pizza");
        using var api = factory.ApiClient(await ApiFactory.CreateKeyAsync(owner));
        // A webhook nobody answers: each final state keeps its outbox row, retried.
        await factory.Database.ExecuteAsync($"""
            INSERT INTO campaigns.webhooks (company_id, url, secret, created_at, updated_at)
            VALUES ('{companyId}', 'http://127.0.0.1:9/hooks', 'whsec_retention', now(), now())
            """);
        var old = await PartitionFactory.SendOneAsync(api, "+447700900117", "Last year's offer");
        await WebhookQueuedAsync(old);

        var start = DateTimeOffset.UtcNow;
        await factory.RunPartitionJobAt(start.AddMonths(1));
        var recent = await PartitionFactory.SendOneAsync(api, "+447700900118", "This year's offer");
        await WebhookQueuedAsync(recent);
        (await factory.Database.ScalarAsync<string>("SELECT tableoid::regclass::text FROM campaigns.messages WHERE api_id = @id", ("id", Guid.Parse(recent))))
            .Should().Be("campaigns.messages_p00002");
        var kept = await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.messages WHERE id >= @first", ("first", PartitionFactory.FirstRange));

        // Twelve months after the first partition's newest message, not yet: a minute before.
        await factory.RunPartitionJobAt(start.AddMonths(13).AddMinutes(-1));
        (await factory.PartitionsAsync()).Should().OnlyContain(p => p.DroppedAt == null);

        await factory.RunPartitionJobAt(start.AddMonths(13).AddMinutes(1));
        var partitions = await factory.PartitionsAsync();
        partitions.Where(p => p.DroppedAt is not null).Select(p => p.Name).Should().Equal("messages_p00001");
        (await factory.Database.ScalarAsync<bool>("SELECT to_regclass('campaigns.messages_p00001') IS NULL")).Should().BeTrue("the partition's table is gone");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.messages WHERE id < @first", ("first", PartitionFactory.FirstRange))).Should().Be(0);
        (await MessageIdAsync(old)).Should().BeNull();
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.webhook_deliveries WHERE message_id < @first", ("first", PartitionFactory.FirstRange)))
            .Should().Be(0, "the outbox rows of the dropped messages went with them");

        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.messages WHERE id >= @first", ("first", PartitionFactory.FirstRange))).Should().Be(kept);
        var recentId = await MessageIdAsync(recent);
        recentId.Should().NotBeNull();
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.webhook_deliveries WHERE message_id = @id", ("id", recentId!.Value))).Should().Be(1);
        (await api.GetAsync($"/api/v1/messages/{old}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    private Task<long?> MessageIdAsync(string apiId) =>
        factory.Database.ScalarAsync<long?>("SELECT id FROM campaigns.messages WHERE api_id = @id", ("id", Guid.Parse(apiId)));

    private Task WebhookQueuedAsync(string apiId) =>
        factory.Database.WaitForAsync($"the webhook outbox row of {apiId}", TimeSpan.FromMinutes(1), """
            SELECT EXISTS (SELECT 1 FROM campaigns.webhook_deliveries d JOIN campaigns.messages m ON m.id = d.message_id WHERE m.api_id = @id)
            """, ("id", Guid.Parse(apiId)));
}
