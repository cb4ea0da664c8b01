using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Carriers.Abstractions;
using Platform.Carriers.Smpp;
using Platform.Benchmarks.Smpp;
using Platform.Carriers.Tests.Smsc;

// Measures submit_sm/s of the SMPP client over loopback against the npm "smpp" SMSC, for windows 1, 10 and 64, with
// and without delivery receipts. Each case sends a fixed number of messages and stops by itself. The Node process's
// CPU time is printed next to the rate: when it nears the wall-clock time, the SMSC (one Node thread) is the limit.
//
// "drops [messages=100000] [drops=5]" instead measures issue 15's carrier drop: the SMSC closes the connection right after
// answering every Nth submit_sm, and the messages go through the carrier the way a campaign sends them (batches of 1,000;
// Failed is resent after the carrier reconnects, Unknown never is). The SMSC's own log counts numbers that received a
// message twice. Run once with SDK 1.1's rule and once with the 1.0 behaviour (a lost answer was Failed, so resent).
if (args.Length > 0 && args[0] == "drops")
{
    var total = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100_000;
    var dropCount = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5;
    await using var dropping = await SmscProcess.StartAsync();
    Console.WriteLine($"SMPP carrier through connection drops: {total:N0} messages, the SMSC (npm smpp 0.5.1 on 127.0.0.1:{dropping.Port}) closes the connection right after answering every {total / (dropCount + 1):N0}th submit_sm, {dropCount} times; window 10, {Environment.ProcessorCount} cores");
    Console.WriteLine();
    Console.WriteLine("| rule | drops | accepted | unknown | Failed, resent | numbers received twice | of them unknown | time (s) | msg/s |");
    Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    await DropBenchmark.RunAsync(dropping, total, dropCount, resendUnknown: false);
    await DropBenchmark.RunAsync(dropping, total, dropCount, resendUnknown: true);
    return;
}

var messagesPerCase = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20_000;
var windows = new[] { 1, 10, 64 };

await using var smsc = await SmscProcess.StartAsync();
Console.WriteLine($"SMPP client throughput, {messagesPerCase:N0} messages per case, SMSC: npm smpp 0.5.1 on 127.0.0.1:{smsc.Port}, {Environment.ProcessorCount} cores");
Console.WriteLine();
Console.WriteLine("| window | receipts | submit_sm/s | send time (s) | all receipts in (s) | Node CPU (s) | Node CPU / wall | client CPU / wall |");
Console.WriteLine("|---:|:---:|---:|---:|---:|---:|---:|---:|");

await RunCaseAsync(smsc, window: 64, receipts: false, count: Math.Min(2_000, messagesPerCase), print: false); // warm-up (JIT, connections)
foreach (var receipts in new[] { false, true })
{
    foreach (var window in windows)
    {
        await RunCaseAsync(smsc, window, receipts, messagesPerCase, print: true);
    }
}

static async Task RunCaseAsync(SmscProcess smsc, int window, bool receipts, int count, bool print)
{
    var run = await ClientCeiling.RunCaseAsync(smsc, window, receipts, count);
    if (print)
    {
        var wall = run.AllReceiptsIn.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {window} | {(receipts ? "yes" : "no")} | {run.SubmitsPerSecond:N0} | {run.SendTime.TotalSeconds:0.00} | {(receipts ? run.AllReceiptsIn.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) : "-")} | {run.NodeCpu.TotalSeconds:0.00} | {run.NodeCpu.TotalSeconds / wall:P0} | {run.ClientCpu.TotalSeconds / wall:P0} |"));
    }
}

internal static class DropBenchmark
{
    public static async Task RunAsync(SmscProcess smsc, int count, int drops, bool resendUnknown)
    {
        await smsc.ExpectOkAsync(new { cmd = "reset" });
        await smsc.ExpectOkAsync(new { cmd = "dropEvery", every = count / (drops + 1), answer = true, times = drops });
        var settings = new Dictionary<string, string>
        {
            ["Host"] = "127.0.0.1",
            ["Port"] = smsc.Port.ToString(CultureInfo.InvariantCulture),
            ["SystemId"] = "bench",
            ["Password"] = "bench",
            ["WindowSize"] = "10",
            ["ReconnectMinDelayMs"] = "100",
            ["ReconnectMaxDelaySeconds"] = "1",
        };
        await using var carrier = new SmppCarrierFactory().Create(new CarrierContext("bench-drops", settings, new CountingCallbacks(), NullLogger.Instance));
        await carrier.StartAsync(CancellationToken.None);

        var pending = Enumerable.Range(0, count)
            .Select(i => new OutboundMessage(Guid.NewGuid(), "46700000000", $"4670{i:D6}1", "Benchmark message, plain GSM text of a typical length.", false))
            .ToList();
        int accepted = 0, unknown = 0, resent = 0;
        var unknownNumbers = new HashSet<string>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        for (var round = 0; pending.Count > 0; round++)
        {
            if (round == 20)
            {
                throw new InvalidOperationException($"{pending.Count} messages still not sent after 20 rounds.");
            }
            var retry = new List<OutboundMessage>();
            foreach (var chunk in pending.Chunk(1_000))
            {
                await WaitConnectedAsync(carrier);
                var results = await carrier.SendAsync(chunk, CancellationToken.None);
                for (var i = 0; i < chunk.Length; i++)
                {
                    switch (results[i].Outcome)
                    {
                        case SubmitOutcome.Accepted:
                            accepted++;
                            break;
                        case SubmitOutcome.Unknown when !resendUnknown:
                            unknown++;
                            unknownNumbers.Add(chunk[i].To);
                            break;
                        case SubmitOutcome.Unknown or SubmitOutcome.Failed:
                            resent++;
                            retry.Add(chunk[i]);
                            break;
                        default:
                            throw new InvalidOperationException($"{chunk[i].To}: {results[i].Outcome} {results[i].Reason}");
                    }
                }
            }
            pending = retry;
        }
        var elapsed = clock.Elapsed;
        var stats = await smsc.StatsAsync();
        var (_, _, twice) = await smsc.DuplicatesAsync();
        await smsc.ExpectOkAsync(new { cmd = "dropEvery", every = 0 });
        var rule = resendUnknown ? "SDK 1.0 behaviour: a lost answer is Failed, resent" : "SDK 1.1: Unknown recorded, never resent";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {rule} | {stats.GetProperty("drops").GetInt32()} | {accepted:N0} | {unknown:N0} | {resent:N0} | {twice.Count:N0} | {twice.Keys.Count(unknownNumbers.Contains):N0} | {elapsed.TotalSeconds:0.0} | {count / elapsed.TotalSeconds:N0} |"));
    }

    private static async Task WaitConnectedAsync(ICarrier carrier)
    {
        var waited = Stopwatch.StartNew();
        while (!carrier.State.Connected)
        {
            if (waited.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException("The carrier did not reconnect within 30 s.");
            }
            await Task.Delay(10);
        }
    }
}
