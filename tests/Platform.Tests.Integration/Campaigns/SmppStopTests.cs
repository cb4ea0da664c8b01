using System.Globalization;
using System.Text.Json;
using Platform.Carriers.Tests.Smsc;
using Xunit.Abstractions;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>
/// The sending host with every destination routed to one SMPP carrier instance, bound as a transceiver to the npm
/// "smpp" SMSC (tests/Platform.Carriers.Tests/smsc) on loopback: campaign messages leave as submit_sm, and a
/// handset's text arrives as a mobile-originated deliver_sm on the same session. The SMSC starts before the host
/// (the carrier binds at host start) and stops after it.
/// </summary>
public sealed class SmppStopFactory : SendingFactory
{
    private SmscProcess? smsc;

    internal SmscProcess Smsc => smsc ?? throw new InvalidOperationException("The SMSC has not started.");

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        // Instance 0 stays the simulator from appsettings.json, with no route to it; instance 1 is the SMSC.
        ["Platform:Carriers:Instances:1:Name"] = "smsc",
        ["Platform:Carriers:Instances:1:Kind"] = "smpp",
        ["Platform:Carriers:Instances:1:Settings:Host"] = "127.0.0.1",
        ["Platform:Carriers:Instances:1:Settings:Port"] = Smsc.Port.ToString(CultureInfo.InvariantCulture),
        ["Platform:Carriers:Instances:1:Settings:SystemId"] = "platform",
        ["Platform:Carriers:Instances:1:Settings:Password"] = "secret1",
        ["Platform:Carriers:Instances:1:Settings:BindMode"] = "Transceiver",
        ["Platform:Carriers:Instances:1:Settings:ReconnectMinDelayMs"] = "100",
        ["Platform:Carriers:Instances:1:Settings:ReconnectMaxDelaySeconds"] = "1",
        // The one route, for every destination, goes to the SMSC.
        ["Platform:Carriers:Routes:0:Prefix"] = "+",
        ["Platform:Carriers:Routes:0:Instance"] = "smsc",
        ["Platform:Carriers:Routes:0:Priority"] = "100",
    };

    public override async Task InitializeAsync()
    {
        smsc = await SmscProcess.StartAsync();
        await base.InitializeAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync(); // the host first: the carrier unbinds
        if (smsc is not null)
        {
            await smsc.DisposeAsync();
        }
    }
}

/// <summary>
/// Issue 12's STOP path through a real carrier: a list contact texts STOP to the platform number as a deliver_sm over
/// SMPP, and that alone (no event published by the test) suppresses the number for the company that messaged it, before
/// the SMSC gets its deliver_sm_resp; the company's next campaign then skips that number at the SMSC.
/// </summary>
public sealed class SmppStopTests(SmppStopFactory factory, ITestOutputHelper output) : IClassFixture<SmppStopFactory>
{
    private const string PlatformNumber = "15550100100";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>How many mobile-originated deliver_sm this test had the SMSC send (each is acknowledged as a receipt is).</summary>
    private int inboundSent;

    [Fact]
    public async Task A_STOP_texted_over_SMPP_stops_the_company_s_next_campaign_to_that_number_and_START_lifts_it()
    {
        var smsc = factory.Smsc;
        await WaitForStatsAsync("the carrier bound as a transceiver", s =>
            s.GetProperty("binds").EnumerateArray().Any(b => b.GetProperty("cmd").GetString() == "bind_transceiver") && s.GetProperty("sessions").GetInt32() >= 1);

        var (owner, companyId) = await factory.CompanyAsync("Smpp Stop Pizza");
        // Four UK numbers ending in 01 … 04 (none ending in 13 or 15, which the SMSC fails or refuses).
        var listId = await factory.ListAsync(companyId, "Regulars", 4, first: 900_001);
        var numbers = await PhonesAsync(listId);
        numbers.Should().HaveCount(4);
        var stopped = numbers[1];
        var others = numbers.Where(n => n != stopped).ToList();

        // 1. A first campaign, sent now (Input.Schedule true, no send time), goes out through SMPP.
        var submitsBefore = (await smsc.StatsAsync()).GetProperty("submits").GetInt32();
        var first = await SendingFactory.CreateCampaignAsync(owner, SendingFactory.CampaignForm("First night", listId));
        var firstCounters = await factory.WaitForAsync(first, "Completed", Patience);
        firstCounters["delivered"].Should().Be(4, "every message went through the SMSC and came back with a DELIVRD receipt");
        var afterFirst = await SettledStatsAsync();
        afterFirst.GetProperty("submits").GetInt32().Should().Be(submitsBefore + 4, "the four campaign messages were submit_sm to the SMSC, not the simulator");
        (await factory.Database.ScalarAsync<long>(
                "SELECT count(*) FROM campaigns.recipient_contacts WHERE company_id = @c AND platform_number = @n",
                ("c", companyId), ("n", "+" + PlatformNumber)))
            .Should().Be(4, "the alphanumeric sender's messages are recorded under the platform number the opt-out route names");

        // 2. One contact texts STOP: a mobile-originated deliver_sm, numbers without '+', as an SMSC sends them.
        var respsBefore = afterFirst.GetProperty("deliverSmResps").GetInt32();
        await TextAsync(stopped, "STOP");

        // The carrier acknowledges only after the host took the message, so once the SMSC has the deliver_sm_resp the
        // suppression must already be there (no waiting for it after the acknowledgement).
        var acknowledged = await WaitForStatsAsync("the deliver_sm_resp for the STOP", s => s.GetProperty("deliverSmResps").GetInt32() > respsBefore);
        acknowledged.GetProperty("deliverSmRespErrors").GetArrayLength().Should().Be(0, "the host took the STOP and answered ESME_ROK");
        (await SuppressionAsync(companyId, stopped)).Should().Be("stop-sms +" + PlatformNumber,
            "the STOP is written as the company's suppression before the carrier acknowledges the deliver_sm");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.suppressions WHERE company_id = @c", ("c", companyId)))
            .Should().Be(1, "only the number that texted STOP is suppressed");

        // The confirmation went back to the handset through the SMSC too; wait for its receipt to settle.
        var afterStop = await SettledStatsAsync();
        afterStop.GetProperty("submits").GetInt32().Should().Be(submitsBefore + 5, "one confirmation reply to the STOP");
        afterStop.GetProperty("lastSubmit").GetProperty("destination_addr").GetString().Should().Be(stopped[1..]);

        // 3. The company's next campaign to the same list: the stopped number is Suppressed, the others are submitted.
        var second = await SendingFactory.CreateCampaignAsync(owner, SendingFactory.CampaignForm("Second night", listId));
        var secondCounters = await factory.WaitForAsync(second, "Completed", Patience);
        output.WriteLine("Second campaign: " + string.Join(", ", secondCounters.Select(c => $"{c.Key}={c.Value}")));
        (await MessageStateAsync(second, stopped)).Should().Be(6, "the number that texted STOP ends Suppressed");
        foreach (var number in others)
        {
            (await MessageStateAsync(second, number)).Should().Be(3, $"{number} did not text STOP and is delivered");
        }

        secondCounters["suppressed"].Should().Be(1);
        secondCounters["delivered"].Should().Be(3);
        var afterSecond = await SettledStatsAsync();
        afterSecond.GetProperty("submits").GetInt32().Should().Be(afterStop.GetProperty("submits").GetInt32() + others.Count,
            "only the numbers that did not text STOP reach the SMSC");
        afterSecond.GetProperty("deliverSmRespErrors").GetArrayLength().Should().Be(0);

        // 4. START over SMPP lifts the STOP (the latest one on this platform number).
        var respsBeforeStart = afterSecond.GetProperty("deliverSmResps").GetInt32();
        await TextAsync(stopped, "START");
        var startAcknowledged = await WaitForStatsAsync("the deliver_sm_resp for the START", s => s.GetProperty("deliverSmResps").GetInt32() > respsBeforeStart);
        startAcknowledged.GetProperty("deliverSmRespErrors").GetArrayLength().Should().Be(0);
        (await SuppressionAsync(companyId, stopped)).Should().BeNull("START undoes the STOP before the carrier acknowledges it");
    }

    /// <summary>The handset texts the platform number: the SMSC sends a deliver_sm with both numbers without '+'.</summary>
    private async Task TextAsync(string from, string text)
    {
        await factory.Smsc.ExpectOkAsync(new { cmd = "inbound", from = from.TrimStart('+'), to = PlatformNumber, text });
        inboundSent++;
    }

    private async Task<List<string>> PhonesAsync(Guid listId) =>
        (await factory.Database.ScalarAsync<string>("SELECT string_agg(phone, ',' ORDER BY phone) FROM campaigns.contacts WHERE list_id = @l", ("l", listId)))!
            .Split(',').ToList();

    private async Task<string?> SuppressionAsync(Guid companyId, string phone) =>
        await factory.Database.ScalarAsync<string>(
            "SELECT reason || ' ' || COALESCE(platform_number, '') FROM campaigns.suppressions WHERE company_id = @c AND phone = @p",
            ("c", companyId), ("p", phone));

    private async Task<short?> MessageStateAsync(Guid campaignId, string phone) =>
        await factory.Database.ScalarAsync<short?>(
            "SELECT state FROM campaigns.messages WHERE campaign_id = @id AND phone = @p", ("id", campaignId), ("p", phone));

    private Task<JsonElement> WaitForStatsAsync(string what, Func<JsonElement, bool> condition) => factory.Smsc.WaitForStatsAsync(what, condition, Patience);

    /// <summary>Every submit_sm asks for a receipt: settled when each receipt's deliver_sm has been acknowledged (plus the inbound ones).</summary>
    private async Task<JsonElement> SettledStatsAsync()
    {
        var stats = await WaitForStatsAsync("every receipt acknowledged", s =>
            s.GetProperty("outstanding").GetInt32() == 0 && s.GetProperty("deliverSmResps").GetInt32() >= s.GetProperty("submits").GetInt32() + inboundSent);
        stats.GetProperty("deliverSmRespErrors").GetArrayLength().Should().Be(0);
        return stats;
    }
}
