using Platform.Carriers.Abstractions;
using Platform.Carriers.Simulator;

namespace Platform.Carriers.Tests.Conformance;

/// <summary>The conformance kit run against the simulator carrier.</summary>
public sealed class SimulatorConformanceTests : CarrierConformanceTests
{
    private readonly SimulatorCarrierFactory _factory = new();

    protected override ICarrierFactory CreateFactory() => _factory;

    protected override IReadOnlyDictionary<string, string> ValidSettings() =>
        new Dictionary<string, string> { ["ReceiptDelayMs"] = "20", ["WindowSize"] = "3" };

    protected override IEnumerable<(IReadOnlyDictionary<string, string> Settings, string MentionedSetting)> InvalidSettings()
    {
        yield return (new Dictionary<string, string> { ["ReceiptDelayMs"] = "soon" }, "ReceiptDelayMs");
        yield return (new Dictionary<string, string> { ["WindowSize"] = "0" }, "WindowSize");
        yield return (new Dictionary<string, string> { ["SubmitLatencyMs"] = "-5" }, "SubmitLatencyMs");
    }

    protected override string? PermanentlyRejectedNumber => "46700000015";

    protected override int ExpectedMaxInFlight => 3;

    protected override Task DeliverInboundFromPeerAsync(string from, string to, string text) =>
        _factory.Network.InjectInboundAsync(from, to, text);

    protected override Task SlowPeerDownAsync()
    {
        ((SimulatorCarrier)Carrier).SubmitLatency = TimeSpan.FromMilliseconds(2);
        return Task.CompletedTask;
    }

    protected override Task RestorePeerSpeedAsync()
    {
        ((SimulatorCarrier)Carrier).SubmitLatency = TimeSpan.Zero;
        return Task.CompletedTask;
    }

    // No connection to drop: the simulator's LoseAnswerEvery delivers the message to the handset and loses the answer.
    protected override Task DropConnectionMidWindowAsync(int afterSubmits)
    {
        ((SimulatorCarrier)Carrier).LoseAnswerEvery = afterSubmits + 1;
        return Task.CompletedTask;
    }

    protected override Task<IReadOnlyCollection<string>> DestinationsReceivedByPeerAsync()
    {
        // Handsets keep what they received; the test's numbers are its own, so any message there came from it.
        var received = Enumerable.Range(0, 1000).Select(i => $"4671{i:D6}1")
            .SelectMany(to => _factory.Network.ReceivedBy(to).Select(_ => to)).ToList();
        return Task.FromResult<IReadOnlyCollection<string>>(received);
    }

    protected override Task RestoreConnectionAsync()
    {
        ((SimulatorCarrier)Carrier).LoseAnswerEvery = 0;
        return Task.CompletedTask;
    }
}
