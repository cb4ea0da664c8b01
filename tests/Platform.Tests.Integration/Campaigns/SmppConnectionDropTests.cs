using System.Globalization;
using Xunit.Abstractions;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>
/// Issue 15's carrier drop: a campaign over the real SMPP carrier into the npm "smpp" SMSC, which drops the connection
/// every N submits — it receives a submit_sm and closes the socket without answering it or the submits still in the
/// window. The SMSC's own log of received destinations is the handsets' view: no number may receive the message twice
/// unless the platform marked it unknown (a submit written to the socket whose answer was lost is Unknown and never
/// resent; one never written is Failed and resent). Size and drops: PLATFORM_DROP_RECIPIENTS (default 20,000) and
/// PLATFORM_DROP_COUNT (default 3), so the same test measures the 100,000-recipient, 5-drop case (docs/reliability.md).
/// </summary>
public sealed class SmppConnectionDropTests(SmppStopFactory factory, ITestOutputHelper output) : IClassFixture<SmppStopFactory>
{
    private static readonly int Recipients = ResilienceCampaigns.SizeFromEnvironment("PLATFORM_DROP_RECIPIENTS", 20_000);
    private static readonly int Drops = ResilienceCampaigns.SizeFromEnvironment("PLATFORM_DROP_COUNT", 3);

    [Fact]
    public async Task A_campaign_through_an_SMSC_that_drops_the_connection_ends_final_and_nobody_outside_unknown_gets_it_twice()
    {
        var smsc = factory.Smsc;
        await smsc.WaitForStatsAsync("the carrier bound", s => s.GetProperty("sessions").GetInt32() >= 1, TimeSpan.FromSeconds(60));
        await smsc.ExpectOkAsync(new { cmd = "reset" });
        // Drops spread over the campaign: submit number every, 2×every, … (resent Failed submits count too).
        var every = Recipients / (Drops + 1);
        await smsc.ExpectOkAsync(new { cmd = "dropEvery", every, answer = false, times = Drops });

        var (owner, companyId) = await factory.CompanyAsync("Dropped Line Pizza");
        var listId = await factory.ListAsync(companyId, "Everyone", Recipients, first: 1_000_000);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var campaignId = await SendingFactory.CreateCampaignAsync(owner, SendingFactory.CampaignForm("Through a bad line", listId));

        // Polls the database until the campaign is Completed with every message final; the patience scales with the
        // size and is only an upper bound (a slow, busy machine waits longer, a fast one returns at once).
        var counters = await factory.WaitForAsync(campaignId, "Completed", TimeSpan.FromSeconds(120 + Recipients / 100));
        var elapsed = clock.Elapsed;
        await smsc.ExpectOkAsync(new { cmd = "dropEvery", every = 0 });

        var stats = await smsc.StatsAsync();
        var (received, distinct, twice) = await smsc.DuplicatesAsync();
        var unknown = (await UnknownPhonesAsync(campaignId)).Select(p => p.TrimStart('+')).ToHashSet();
        var counted = await factory.CountedAsync(campaignId);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Recipients:N0} recipients, {stats.GetProperty("drops").GetInt32()} drops, {elapsed.TotalSeconds:0.0} s: " +
            $"{string.Join(", ", counters.Select(c => $"{c.Key}={c.Value}"))}; SMSC received {received:N0} submit_sm for {distinct:N0} numbers, " +
            $"{twice.Count} numbers twice ({twice.Keys.Count(unknown.Contains)} of them unknown), {stats.GetProperty("unansweredOnDrop").GetInt32()} left unanswered by the drops"));

        // The drops really happened, and each left at least the submit it dropped on unanswered.
        stats.GetProperty("drops").GetInt32().Should().Be(Drops, "the SMSC dropped the connection as many times as asked");
        stats.GetProperty("unansweredOnDrop").GetInt32().Should().BeGreaterThanOrEqualTo(Drops);

        // Every message final, and the counters equal the messages.
        counted["queued"].Should().Be(0);
        counted["claimed"].Should().Be(0);
        counted["submitted_now"].Should().Be(0, "every accepted message got its receipt (or expired)");
        (counters["delivered"] + counters["failed"] + counters["expired"] + counters["suppressed"] + counters["unknown"]).Should().Be(Recipients);
        counted["unknown"].Should().Be(counters["unknown"]);

        // What the SMSC received but never answered is what the platform calls unknown: at least one per drop.
        counters["unknown"].Should().BeGreaterThanOrEqualTo(Drops, "a submit the SMSC received and dropped without answering is Unknown, not Failed");
        twice.Keys.Where(n => !unknown.Contains(n)).Should().BeEmpty("a number the platform did not mark unknown must never receive the message twice");
        twice.Should().BeEmpty("an unknown message is never resent either, so nobody receives it twice");
        distinct.Should().BeGreaterThanOrEqualTo(Recipients - (int)counters["unknown"], "every message not unknown reached the SMSC");

        // Unknown is paid for like a submitted message (the carrier may have delivered it and bills us); every text
        // here is one segment to one country.
        var price = await factory.Database.ScalarAsync<long>("SELECT credits_per_segment FROM campaigns.campaign_prices WHERE campaign_id = @id", ("id", campaignId));
        var spent = await SpentWhenSettledAsync(campaignId);
        spent.Should().Be((counters["submitted"] + counters["unknown"]) * price, "submitted and unknown messages are both captured at settlement");
    }

    private async Task<List<string>> UnknownPhonesAsync(Guid campaignId)
    {
        var phones = await factory.Database.ScalarAsync<string>(
            "SELECT string_agg(phone, ',') FROM campaigns.messages WHERE campaign_id = @id AND state = 7", ("id", campaignId));
        return phones is null ? [] : [.. phones.Split(',')];
    }

    /// <summary>Settlement follows completion (same run, its own transaction): polls until it has happened.</summary>
    private async Task<long> SpentWhenSettledAsync(Guid campaignId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var spent = await factory.Database.ScalarAsync<long?>("SELECT spent_credits FROM campaigns.campaigns WHERE id = @id AND settled_at IS NOT NULL", ("id", campaignId));
            if (spent is { } settled)
            {
                return settled;
            }

            DateTime.UtcNow.Should().BeBefore(deadline, "the completed campaign is settled");
            await Task.Delay(100);
        }
    }

}
