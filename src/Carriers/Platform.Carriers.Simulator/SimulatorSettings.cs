using Platform.Carriers.Abstractions;

namespace Platform.Carriers.Simulator;

/// <summary>The simulator's settings, parsed from the instance configuration.</summary>
/// <param name="ReceiptDelay">How long after acceptance a receipt is reported (setting <c>ReceiptDelayMs</c>, default 200).</param>
/// <param name="WindowSize">How many messages may be in flight at once (setting <c>WindowSize</c>, default 64).</param>
/// <param name="OutboxCapacityPerHandset">How many received messages each handset keeps (setting <c>OutboxCapacityPerHandset</c>, default 1000).</param>
/// <param name="SubmitLatency">How long each submit takes (setting <c>SubmitLatencyMs</c>, default 0: no delay at all),
/// to imitate a slow carrier in demos and tests.</param>
/// <param name="RecordOutbox">Whether handsets keep what they received (setting <c>RecordOutbox</c>, default true); off for
/// benchmarks with a million numbers, where the outboxes alone would fill the host's memory.</param>
/// <param name="ReceiptWindow">How many receipts may await the host's acknowledgement at once (setting <c>ReceiptWindow</c>, default 1024).</param>
/// <param name="LoseAnswerEvery">Every Nth submit reaches the handset but its answer is lost: the result is Unknown, as
/// when a real carrier's connection drops after the submit went out (setting <c>LoseAnswerEvery</c>, default 0: never).</param>
internal sealed record SimulatorSettings(TimeSpan ReceiptDelay, int WindowSize, int OutboxCapacityPerHandset, TimeSpan SubmitLatency, bool RecordOutbox = true, int ReceiptWindow = 1024, int LoseAnswerEvery = 0)
{
    public const string LoseAnswerEveryKey = "LoseAnswerEvery";
    public const string ReceiptWindowKey = "ReceiptWindow";
    public const string RecordOutboxKey = "RecordOutbox";
    public const string ReceiptDelayMsKey = "ReceiptDelayMs";
    public const string WindowSizeKey = "WindowSize";
    public const string OutboxCapacityKey = "OutboxCapacityPerHandset";
    public const string SubmitLatencyMsKey = "SubmitLatencyMs";

    public static (SimulatorSettings Settings, IReadOnlyList<string> Problems) Parse(IReadOnlyDictionary<string, string> settings)
    {
        var reader = new CarrierSettingsReader(settings);
        var parsed = new SimulatorSettings(
            TimeSpan.FromMilliseconds(reader.Int(ReceiptDelayMsKey, 200, 0, 3_600_000)),
            reader.Int(WindowSizeKey, 64, 1, 100_000),
            reader.Int(OutboxCapacityKey, 1000, 1, 1_000_000),
            TimeSpan.FromMilliseconds(reader.Int(SubmitLatencyMsKey, 0, 0, 60_000)),
            !string.Equals(reader.Text(RecordOutboxKey, "true"), "false", StringComparison.OrdinalIgnoreCase),
            reader.Int(ReceiptWindowKey, 1024, 1, 100_000),
            reader.Int(LoseAnswerEveryKey, 0, 0, 1_000_000));
        return (parsed, reader.Problems);
    }
}
