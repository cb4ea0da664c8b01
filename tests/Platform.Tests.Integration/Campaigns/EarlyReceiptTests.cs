using Xunit.Abstractions;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>The simulator reports each receipt the moment it accepts the message, as a fast SMSC does.</summary>
public sealed class ImmediateReceiptsFactory : SendingFactory
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Platform:Carriers:Instances:0:Settings:ReceiptDelayMs"] = "0",
        // Each submit takes a little while, so a batch of 1,000 is answered over a second and most of its receipts
        // are stored before the batch is recorded.
        ["Platform:Carriers:Instances:0:Settings:SubmitLatencyMs"] = "1",
    };
}

/// <summary>
/// Receipts that beat the recording of their submit are kept, then applied by the statement that records the batch
/// (MessageStore.RecordAsync): the message is counted as submitted and as what the receipt says, once each.
/// </summary>
public sealed class EarlyReceiptTests(ImmediateReceiptsFactory factory, ITestOutputHelper output) : IClassFixture<ImmediateReceiptsFactory>
{
    [Fact]
    public async Task Receipts_that_arrive_before_their_batch_is_recorded_are_applied_and_counted_once()
    {
        var (owner, companyId) = await factory.CompanyAsync("Early Receipt Pizza");
        var listId = await factory.ListAsync(companyId, "Everyone", 5_000, first: 700_000);
        var campaignId = await SendingFactory.CreateCampaignAsync(owner, SendingFactory.CampaignForm("At once", listId));

        var counters = await factory.WaitForAsync(campaignId, "Completed", TimeSpan.FromMinutes(3));
        output.WriteLine(string.Join(", ", counters.Select(c => $"{c.Key}={c.Value}")));

        // The case under test happened: receipts were kept because their message was not recorded yet. PostgreSQL
        // publishes a session's table statistics within about ten seconds, so wait for them.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        long kept;
        while ((kept = await factory.Database.ScalarAsync<long>(
                   "SELECT n_tup_ins FROM pg_stat_user_tables WHERE schemaname = 'campaigns' AND relname = 'pending_receipts'")) <= 1_000
               && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }

        output.WriteLine($"receipts kept before their submit was recorded: {kept}");
        kept.Should().BeGreaterThan(1_000, "most receipts of a batch arrive before the batch is recorded");

        // The simulator's rules, 1% of numbers each (see CampaignSendingTests): …13 Failed receipt, …14 none, …15
        // refused at submit, …16 transient until Failed.
        counters["targeted"].Should().Be(5_000);
        counters["submitted"].Should().Be(4_900);
        counters["delivered"].Should().Be(4_800);
        counters["failed"].Should().Be(150);
        counters["send_failed"].Should().Be(100);
        counters["expired"].Should().Be(50);
        var counted = await factory.CountedAsync(campaignId);
        counted["delivered"].Should().Be(counters["delivered"]);
        counted["failed"].Should().Be(counters["failed"]);
        counted["expired"].Should().Be(counters["expired"]);
        (counted["queued"] + counted["claimed"] + counted["submitted_now"]).Should().Be(0);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.pending_receipts")).Should().Be(0, "every kept receipt was applied");

        // A message finished by an early receipt keeps its submit time, carrier id and the receipt's time and error.
        (await factory.Database.ScalarAsync<long>(
            "SELECT count(*) FROM campaigns.messages WHERE campaign_id = @id AND state = 3 AND (submitted_at IS NULL OR carrier_message_id IS NULL OR finished_at IS NULL)",
            ("id", campaignId))).Should().Be(0);
        (await factory.Database.ScalarAsync<long>(
            "SELECT count(*) FROM campaigns.messages WHERE campaign_id = @id AND state = 4 AND phone LIKE '%13' AND (error IS NULL OR submitted_at IS NULL)",
            ("id", campaignId))).Should().Be(0, "a failed receipt's error code is kept");
    }
}
