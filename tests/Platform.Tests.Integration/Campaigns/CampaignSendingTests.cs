using System.Net;
using Platform.Modules.OptIns.Contracts;
using Platform.Modules.Shared;
using Xunit.Abstractions;

namespace Platform.Tests.Integration.Campaigns;

public sealed class CampaignSendingTests(SendingFactory factory, ITestOutputHelper output) : IClassFixture<SendingFactory>
{
    [Fact]
    public async Task Two_overlapping_lists_send_one_message_per_number()
    {
        var (owner, companyId) = await factory.CompanyAsync("Overlap Pizza");
        var first = await factory.ListAsync(companyId, "First", 100);
        var second = await factory.ListAsync(companyId, "Second", 100, first: 50);
        var campaignId = await SendingFactory.CreateCampaignAsync(owner, SendingFactory.CampaignForm("Both lists", first, schedule: false));
        await factory.Database.ExecuteAsync($"UPDATE campaigns.campaigns SET list_ids = ARRAY['{first}', '{second}']::uuid[] WHERE id = '{campaignId}'");
        (await owner.PostFormAsync($"/Campaigns/Details/{campaignId}", new Dictionary<string, string> { ["action"] = "schedule" })).StatusCode.Should().Be(HttpStatusCode.Redirect);

        var counters = await factory.WaitForAsync(campaignId, "Completed", TimeSpan.FromMinutes(2));
        counters["targeted"].Should().Be(150, "numbers 50–99 are on both lists");
        (await factory.Database.ScalarAsync<long>("SELECT count(DISTINCT phone) FROM campaigns.messages WHERE campaign_id = @id", ("id", campaignId))).Should().Be(150);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.messages WHERE campaign_id = @id", ("id", campaignId))).Should().Be(150);
    }

    [Fact]
    public async Task A_completed_campaign_announces_CampaignFinished_once_and_its_users_are_emailed_the_summary_once()
    {
        var (owner, companyId) = await factory.CompanyAsync("Finished Pizza");
        var listId = await factory.ListAsync(companyId, "Finishers", 7);
        var campaignId = await SendingFactory.CreateCampaignAsync(owner, SendingFactory.CampaignForm("Finishing", listId));
        await factory.WaitForAsync(campaignId, "Completed", TimeSpan.FromMinutes(2));

        const string events = "SELECT count(*) FROM campaigns.outbox WHERE event_type LIKE 'Platform.Modules.Campaigns.Contracts.CampaignFinished,%' AND payload ->> 'campaignId' = @id";
        (await factory.Database.ScalarAsync<long>(events, ("id", campaignId.ToString()))).Should().Be(1, "written in the transaction that completed it, and only then");
        (await factory.Database.ScalarAsync<string>(
                "SELECT concat_ws('|', payload ->> 'companyId', payload ->> 'name', payload ->> 'targeted') FROM campaigns.outbox WHERE payload ->> 'campaignId' = @id",
                ("id", campaignId.ToString())))
            .Should().Be($"{companyId}|Finishing|7");

        // Delivered to Accounts, which emails the company's users the summary (the "campaign finished" notice), once.
        await factory.Database.WaitForAsync("the event dispatched", TimeSpan.FromSeconds(60),
            "SELECT count(*) = 1 FROM campaigns.outbox WHERE payload ->> 'campaignId' = @id AND dispatched_at IS NOT NULL", ("id", campaignId.ToString()));
        var ownerEmail = await factory.Database.ScalarAsync<string>("SELECT email FROM accounts.users WHERE company_id = @c", ("c", companyId));
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM platform.emails WHERE kind = 'notice.campaign-finished' AND to_address = @e", ("e", ownerEmail!)))
            .Should().Be(1);
        (await factory.Database.ScalarAsync<string>("SELECT subject || ' ' || text_body FROM platform.emails WHERE kind = 'notice.campaign-finished' AND to_address = @e", ("e", ownerEmail!)))
            .Should().Contain("Your campaign Finishing finished sending").And.Contain("7 recipients: 7 sent").And.Contain($"/Campaigns/Details/{campaignId}");

        // Delivered again (as after a crash before the outbox row was marked): the notice is not emailed twice.
        await factory.Database.ExecuteAsync($"UPDATE campaigns.outbox SET dispatched_at = NULL WHERE payload ->> 'campaignId' = '{campaignId}'");
        await factory.Database.WaitForAsync("the event dispatched again", TimeSpan.FromSeconds(60),
            "SELECT count(*) = 1 FROM campaigns.outbox WHERE payload ->> 'campaignId' = @id AND dispatched_at IS NOT NULL AND attempts = 2", ("id", campaignId.ToString()));
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM platform.emails WHERE kind = 'notice.campaign-finished' AND to_address = @e", ("e", ownerEmail!)))
            .Should().Be(1);
    }

    [Fact]
    public async Task The_campaign_page_shows_an_edit_or_a_state_change_at_once_though_it_shares_a_one_second_snapshot()
    {
        var (owner, companyId) = await factory.CompanyAsync("Snapshot Pizza");
        var listId = await factory.ListAsync(companyId, "Few", 5);
        var form = SendingFactory.CampaignForm("Before edit", listId, schedule: false);
        var campaignId = await SendingFactory.CreateCampaignAsync(owner, form);
        (await owner.GetAsync($"/Campaigns/Details/{campaignId}")).Body.Should().Contain("Before edit").And.Contain(">Draft<");

        // Within the snapshot's second: the edit and the cancel made on this node drop it (CampaignPageCache.Forget).
        form["Input.Id"] = campaignId.ToString();
        form["Input.Name"] = "After edit";
        (await owner.PostFormAsync("/Campaigns/Create", form)).StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await owner.GetAsync($"/Campaigns/Details/{campaignId}")).Body.Should().Contain("After edit");
        (await owner.PostFormAsync($"/Campaigns/Details/{campaignId}", new Dictionary<string, string> { ["action"] = "cancel" })).StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await owner.GetAsync($"/Campaigns/Details/{campaignId}")).Body.Should().Contain(">Cancelled<");
    }

    [Fact]
    public async Task Credits_are_reserved_at_the_segments_of_the_longest_first_name_in_the_audience()
    {
        var (owner, companyId) = await factory.CompanyAsync("Long Name Pizza");
        var shortNames = await factory.ListAsync(companyId, "Short names", 20);
        var longName = await factory.ListAsync(companyId, "One long name", 20, first: 100);
        // "Hi {first_name}, 20% off…" is one segment (160 GSM-7 characters) with Ann0…Ann19 and two with this name.
        await factory.Database.ExecuteAsync($"UPDATE campaigns.contacts SET first_name = repeat('Bartholomew', 12) WHERE list_id = '{longName}' AND first_name = 'Ann7'");

        var oneSegment = await SendingFactory.CreateCampaignAsync(owner, SendingFactory.CampaignForm("Short", shortNames));
        var twoSegments = await SendingFactory.CreateCampaignAsync(owner, SendingFactory.CampaignForm("Long", longName));
        await factory.WaitForAsync(oneSegment, "Completed", TimeSpan.FromMinutes(2));
        await factory.WaitForAsync(twoSegments, "Completed", TimeSpan.FromMinutes(2));

        const string reserved = "SELECT reserved_credits FROM campaigns.campaigns WHERE id = @id";
        var perMessage = await factory.Database.ScalarAsync<long>(reserved, ("id", oneSegment));
        perMessage.Should().BePositive();
        (await factory.Database.ScalarAsync<long>(reserved, ("id", twoSegments))).Should().Be(2 * perMessage,
            "every message is estimated at the longest name's two segments (the same 20 recipients' country and price)");
    }

    [Fact]
    public async Task A_ten_thousand_recipient_campaign_completes_with_every_message_final_and_counters_that_add_up()
    {
        var (owner, companyId) = await factory.CompanyAsync("Ten Thousand Pizza");
        var listId = await factory.ListAsync(companyId, "Everyone", 10_000);
        var started = DateTime.UtcNow;
        var campaignId = await SendingFactory.CreateCampaignAsync(owner, SendingFactory.CampaignForm("Big night", listId));

        var counters = await factory.WaitForAsync(campaignId, "Completed", TimeSpan.FromMinutes(3));
        output.WriteLine($"10,000 recipients, all final in {(DateTime.UtcNow - started).TotalSeconds:F1} s: {string.Join(", ", counters.Select(c => $"{c.Key}={c.Value}"))}");

        counters["targeted"].Should().Be(10_000);
        (counters["delivered"] + counters["failed"] + counters["expired"] + counters["suppressed"] + counters["unknown"]).Should().Be(counters["targeted"]);
        // The simulator's rules, 1% of numbers each: …13 a Failed receipt, …14 no receipt (Expired), …15 refused at
        // submit, …16 a transient failure every time (retried with back-off, then Failed).
        counters["failed"].Should().Be(300);
        counters["send_failed"].Should().Be(200);
        counters["expired"].Should().Be(100);
        counters["delivered"].Should().Be(9_600);
        counters["submitted"].Should().Be(9_800);
        var counted = await factory.CountedAsync(campaignId);
        counted["delivered"].Should().Be(counters["delivered"]);
        counted["failed"].Should().Be(counters["failed"]);
        counted["expired"].Should().Be(counters["expired"]);
        (counted["queued"] + counted["claimed"] + counted["submitted_now"]).Should().Be(0);
        // One message per number: held by the preparation, not by a unique index (docs/adr/0009).
        (await factory.Database.ScalarAsync<long>("SELECT count(*) - count(DISTINCT phone) FROM campaigns.messages WHERE campaign_id = @id", ("id", campaignId)))
            .Should().Be(0);

        // Credits: reserved at scheduling; at completion one segment per message submitted, at the UK price, is spent.
        // Settlement follows the completion's commit (CampaignSettlement.CompleteAsync), so it is waited for.
        await factory.Database.WaitForAsync("the campaign settled", TimeSpan.FromSeconds(30), "SELECT settled_at IS NOT NULL FROM campaigns.campaigns WHERE id = @id", ("id", campaignId));
        var spent = await factory.Database.ScalarAsync<long>("SELECT spent_credits FROM campaigns.campaigns WHERE id = @id", ("id", campaignId));
        var price = await factory.Database.ScalarAsync<long>("SELECT credits_per_segment FROM campaigns.campaign_prices WHERE campaign_id = @id AND country = 'GB'", ("id", campaignId));
        price.Should().BePositive();
        spent.Should().Be(9_800 * price);
        var reservedNow = await factory.SendAsync(new Platform.Modules.Billing.Contracts.GetCreditBalance(companyId));
        reservedNow.Reserved.Should().Be(0, "what was not spent is released");

        var (status, page) = await owner.GetAsync($"/Campaigns/Details/{campaignId}");
        status.Should().Be(HttpStatusCode.OK);
        page.Should().Contain("data-percent=\"100\"");
    }

    [Fact]
    public async Task A_STOP_that_arrives_before_the_batch_suppresses_that_number()
    {
        var (owner, companyId) = await factory.CompanyAsync("Stop Pizza");
        var listId = await factory.ListAsync(companyId, "Mixed", 50, first: 800_000);
        var sendAt = DateTime.UtcNow.AddSeconds(12);
        var form = SendingFactory.CampaignForm("Later", listId, sendAt.ToString("yyyy-MM-ddTHH:mm:ss"));
        form["Input.TimeZone"] = "UTC";
        var campaignId = await SendingFactory.CreateCampaignAsync(owner, form);

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await factory.Database.ScalarAsync<DateTime?>("SELECT prepared_at FROM campaigns.campaigns WHERE id = @id", ("id", campaignId)) is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        var stopped = new[] { "+44770800003", "+44770800017" };
        foreach (var phone in stopped)
        {
            await factory.PublishAsync(new SubscriberOptedOut(companyId, Guid.NewGuid(), phone, ConsentChannels.Sms));
        }

        var counters = await factory.WaitForAsync(campaignId, "Completed", TimeSpan.FromMinutes(1));
        counters["suppressed"].Should().Be(2);
        counters["submitted"].Should().Be(46, "48 not suppressed, less the one refused (…15) and the one that kept failing (…16)");
        foreach (var phone in stopped)
        {
            (await factory.Database.ScalarAsync<short>("SELECT state FROM campaigns.messages WHERE campaign_id = @id AND phone = @phone", ("id", campaignId), ("phone", phone)))
                .Should().Be(6);
            var (_, outbox) = await factory.CreateFormClient().GetAsync($"/simulator/outbox?to={Uri.EscapeDataString(phone)}");
            outbox.Should().NotContain("pizza", "a number that opted out gets nothing");
        }
    }

    [Fact]
    public async Task A_schedule_in_the_past_is_refused_clearly_and_nothing_is_stored()
    {
        var (owner, companyId) = await factory.CompanyAsync("Past Pizza");
        var listId = await factory.ListAsync(companyId, "Few", 3, first: 900_000);
        var form = SendingFactory.CampaignForm("Yesterday", listId, DateTime.UtcNow.AddDays(-1).ToString("yyyy-MM-ddTHH:mm"));

        var response = await owner.PostFormAsync("/Campaigns/Create", form);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Contain("is in the past");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.campaigns WHERE company_id = @c", ("c", companyId))).Should().Be(0);
    }

    [Fact]
    public async Task A_sender_id_the_company_may_not_use_is_refused()
    {
        var (owner, companyId) = await factory.CompanyAsync("Sender Pizza");
        var listId = await factory.ListAsync(companyId, "Few", 3, first: 910_000);

        var response = await owner.PostFormAsync("/Campaigns/Create", SendingFactory.CampaignForm("Spoof", listId, senderId: "BANK"));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Contain("is not an approved Sender ID");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.campaigns WHERE company_id = @c", ("c", companyId))).Should().Be(0);
    }

    [Fact]
    public async Task Another_company_cannot_see_or_change_a_campaign()
    {
        var (owner, companyId) = await factory.CompanyAsync("Owner Pizza");
        var listId = await factory.ListAsync(companyId, "Mine", 3, first: 920_000);
        var campaignId = await SendingFactory.CreateCampaignAsync(owner, SendingFactory.CampaignForm("Mine", listId, schedule: false));
        var (other, _) = await factory.CompanyAsync("Other Pizza");

        (await other.GetAsync($"/Campaigns/Details/{campaignId}")).Status.Should().Be(HttpStatusCode.NotFound);
        (await other.GetAsync($"/Campaigns/Details/{campaignId}/Events")).Status.Should().Be(HttpStatusCode.NotFound);
        (await other.GetAsync($"/Campaigns/Create?id={campaignId}")).Body.Should().NotContain("value=\"Mine\"");
        var (_, list) = await other.GetAsync("/Campaigns");
        list.Should().NotContain(campaignId.ToString());
        // Using the other company's list in a campaign of one's own is refused too.
        var steal = await other.PostFormAsync("/Campaigns/Create", SendingFactory.CampaignForm("Steal", listId));
        (await steal.Content.ReadAsStringAsync()).Should().Contain("One of the chosen lists does not exist");
        (await factory.Database.ScalarAsync<string>("SELECT status FROM campaigns.campaigns WHERE id = @id", ("id", campaignId))).Should().Be("Draft");
    }

    [Fact]
    public async Task The_preview_counts_segments_and_names_the_character_that_forces_UCS2()
    {
        var (owner, _) = await factory.CompanyAsync("Preview Pizza");

        var (_, plain) = await owner.GetAsync($"/Campaigns/Create/Preview?text={Uri.EscapeDataString(new string('a', 160))}");
        plain.Should().Contain("\"encoding\":\"GSM-7\"").And.Contain("\"segments\":1");
        var (_, extended) = await owner.GetAsync($"/Campaigns/Create/Preview?text={Uri.EscapeDataString(new string('a', 159) + "€")}");
        extended.Should().Contain("\"segments\":2", "an extension character counts double");
        var (_, emoji) = await owner.GetAsync($"/Campaigns/Create/Preview?text={Uri.EscapeDataString("Pizza tonight 🍕")}");
        emoji.Should().Contain("\"encoding\":\"UCS-2\"").And.Contain("1F355");
    }
}

/// <summary>Receipts after the timeout would expire the messages first, so this class waits long for them.</summary>
public sealed class SlowReceiptsFactory : SendingFactory
{
    protected override string ReceiptTimeout => "00:05:00";
}

public sealed class DuplicateReceiptTests(SlowReceiptsFactory factory) : IClassFixture<SlowReceiptsFactory>
{
    [Fact]
    public async Task Duplicate_receipts_each_ten_times_out_of_order_change_nothing_after_the_first()
    {
        var (owner, companyId) = await factory.CompanyAsync("Receipt Pizza");
        // Numbers ending in 14: the simulator never sends their receipts, so the test sends them.
        var listId = await factory.ListAsync(companyId, "Silent", 200, first: 500_000, suffix: "14");
        var campaignId = await SendingFactory.CreateCampaignAsync(owner, SendingFactory.CampaignForm("Silent night", listId));
        await factory.WaitForAsync(campaignId, "Completed", TimeSpan.FromMinutes(1), allFinal: false);

        var ids = new List<string>();
        await foreach (var id in CarrierIdsAsync(campaignId))
        {
            ids.Add(id);
        }

        ids.Should().HaveCount(200);
        var first = ids.Select(id => new DeliveryReceiptReceived("simulator", id, "Delivered", null, DateTimeOffset.UtcNow)).ToList();
        var duplicates = ids.SelectMany(id => Enumerable.Range(0, 9).Select(i =>
            new DeliveryReceiptReceived("simulator", id, i % 3 == 0 ? "Failed" : i % 3 == 1 ? "Expired" : "Delivered", "999", DateTimeOffset.UtcNow.AddSeconds(-i)))).ToList();
        foreach (var receipt in first)
        {
            await factory.PublishAsync(receipt);
        }

        var random = new Random(7);
        await Parallel.ForEachAsync(duplicates.OrderBy(_ => random.Next()), new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (receipt, _) => await factory.PublishAsync(receipt));

        var counters = await factory.CountersAsync(campaignId);
        counters["delivered"].Should().Be(200);
        counters["failed"].Should().Be(0);
        counters["expired"].Should().Be(0);
        (await factory.CountedAsync(campaignId))["delivered"].Should().Be(200);
    }

    private async IAsyncEnumerable<string> CarrierIdsAsync(Guid campaignId)
    {
        await using var connection = new Npgsql.NpgsqlConnection(factory.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT carrier_message_id FROM campaigns.messages WHERE campaign_id = @id AND carrier_message_id IS NOT NULL", connection);
        command.Parameters.AddWithValue("id", campaignId);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            yield return reader.GetString(0);
        }
    }
}
