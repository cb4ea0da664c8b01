using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Carriers.Abstractions;
using Platform.Carriers.Simulator;
using Platform.Carriers.Tests.Conformance;

namespace Platform.Carriers.Tests.Simulator;

public sealed class SimulatorCarrierTests : IAsyncLifetime
{
    private readonly SimulatorNetwork _network = new();
    private readonly RecordingCallbacks _callbacks = new();
    private ICarrier _carrier = null!;

    public async Task InitializeAsync()
    {
        var factory = new SimulatorCarrierFactory(_network);
        _carrier = factory.Create(new CarrierContext("sim", new Dictionary<string, string> { ["ReceiptDelayMs"] = "50" }, _callbacks, NullLogger.Instance));
        await _carrier.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync() => await _carrier.DisposeAsync();

    private static OutboundMessage To(string to, bool receipt = true, string text = "hi") => new(Guid.NewGuid(), "Platform", to, text, receipt);

    [Fact]
    public async Task Destination_suffixes_choose_the_outcome()
    {
        var results = await _carrier.SendAsync([To("4670000010"), To("4670000013"), To("4670000014"), To("4670000015"), To("4670000016")], CancellationToken.None);

        results.Select(r => r.Outcome).Should().Equal(SubmitOutcome.Accepted, SubmitOutcome.Accepted, SubmitOutcome.Accepted, SubmitOutcome.Rejected, SubmitOutcome.Failed);
        await RecordingCallbacks.WaitUntilAsync(() => _callbacks.Receipts.Count >= 2, TimeSpan.FromSeconds(5), "two receipts");
        await Task.Delay(150); // the ...14 receipt would have come by now
        _callbacks.Receipts.Should().HaveCount(2);
        _callbacks.Receipts.Single(r => r.CarrierMessageId == results[0].CarrierMessageId).Status.Should().Be(DeliveryStatus.Delivered);
        _callbacks.Receipts.Single(r => r.CarrierMessageId == results[1].CarrierMessageId).Status.Should().Be(DeliveryStatus.Failed);
    }

    [Fact]
    public async Task Receipts_wait_for_the_configured_delay()
    {
        var clock = Stopwatch.StartNew();
        await _carrier.SendAsync([To("4670000020")], CancellationToken.None);
        await RecordingCallbacks.WaitUntilAsync(() => _callbacks.Receipts.Count == 1, TimeSpan.FromSeconds(5), "the receipt");
        clock.Elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(45));
    }

    [Fact]
    public async Task A_receipt_the_host_failed_to_take_is_offered_again()
    {
        _callbacks.FailNext = 1;
        var result = (await _carrier.SendAsync([To("4670000030")], CancellationToken.None))[0];

        // The first offer throws (the host is down); the simulator offers it again after the receipt delay, as an SMSC would.
        await RecordingCallbacks.WaitUntilAsync(() => _callbacks.Receipts.Count == 1, TimeSpan.FromSeconds(5), "the receipt offered again");
        _callbacks.Receipts.Single().CarrierMessageId.Should().Be(result.CarrierMessageId);
        _callbacks.FailNext.Should().BeNegative("the failing offer was made and counted");
    }

    [Fact]
    public async Task The_outbox_shows_what_each_handset_received()
    {
        await _carrier.SendAsync([To("+4670000031", text: "one"), To("4670000031", text: "two"), To("4670000032", text: "three"), To("4670000015", text: "never")], CancellationToken.None);

        ISimulatorOutbox outbox = _network;
        outbox.ReceivedBy("4670000031").Select(m => m.Text).Should().Equal("one", "two");
        outbox.ReceivedBy("+4670000032").Should().ContainSingle().Which.Should().Match<HandsetMessage>(m => m.From == "Platform" && m.Text == "three");
        outbox.ReceivedBy("4670000015").Should().BeEmpty();
        outbox.Handsets.Should().BeEquivalentTo("4670000031", "4670000032");
        outbox.Clear();
        outbox.Handsets.Should().BeEmpty();
    }

    [Fact]
    public async Task A_handset_can_send_an_inbound_message()
    {
        ISimulatorHandsets handsets = _network;
        (await handsets.InjectInboundAsync("+46701112222", "72000", "YES")).Should().BeTrue();
        (await handsets.InjectInboundAsync("46701112222", "72000", "YES", instanceName: "no-such-instance")).Should().BeFalse();

        _callbacks.Inbound.Should().ContainSingle().Which.Should().Match<InboundMessage>(m => m.From == "46701112222" && m.To == "72000" && m.Text == "YES");
    }

    [Fact]
    public async Task Handles_well_over_10k_messages_a_second()
    {
        const int count = 50_000;
        var batch = Enumerable.Range(0, count).Select(i => To($"46{i:D8}1")).ToList();
        var clock = Stopwatch.StartNew();

        var results = await _carrier.SendAsync(batch, CancellationToken.None);
        var rate = count / clock.Elapsed.TotalSeconds;

        results.Should().HaveCount(count).And.OnlyContain(r => r.Outcome == SubmitOutcome.Accepted);
        rate.Should().BeGreaterThan(10_000);
        await RecordingCallbacks.WaitUntilAsync(() => _callbacks.Receipts.Count == count, TimeSpan.FromSeconds(20), "every receipt");
    }

    [Fact]
    public async Task A_text_over_the_part_limit_is_rejected()
    {
        var results = await _carrier.SendAsync([To("4670000040", text: new string('x', 153 * 10 + 1))], CancellationToken.None);
        results[0].Outcome.Should().Be(SubmitOutcome.Rejected);
        results[0].Reason.Should().Contain("11 parts");
    }
}
