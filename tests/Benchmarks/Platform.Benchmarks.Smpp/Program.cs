using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Carriers.Abstractions;
using Platform.Carriers.Smpp;
using Platform.Carriers.Tests.Smsc;

// Measures submit_sm/s of the SMPP client over loopback against the npm "smpp" SMSC, for windows 1, 10 and 64, with
// and without delivery receipts. Each case sends a fixed number of messages and stops by itself. The Node process's
// CPU time is printed next to the rate: when it nears the wall-clock time, the SMSC (one Node thread) is the limit.
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
    await smsc.ExpectOkAsync(new { cmd = "reset" });
    var callbacks = new CountingCallbacks();
    var settings = new Dictionary<string, string>
    {
        ["Host"] = "127.0.0.1",
        ["Port"] = smsc.Port.ToString(CultureInfo.InvariantCulture),
        ["SystemId"] = "bench",
        ["Password"] = "bench",
        ["WindowSize"] = window.ToString(CultureInfo.InvariantCulture),
        ["ResponseTimeoutSeconds"] = "60",
    };
    await using var carrier = new SmppCarrierFactory().Create(new CarrierContext($"bench-w{window}", settings, callbacks, NullLogger.Instance));
    await carrier.StartAsync(CancellationToken.None);
    var connectDeadline = Stopwatch.StartNew();
    while (!carrier.State.Connected)
    {
        if (connectDeadline.Elapsed > TimeSpan.FromSeconds(10))
        {
            throw new TimeoutException("The benchmark carrier did not bind.");
        }
        await Task.Delay(10);
    }

    var batch = Enumerable.Range(0, count)
        .Select(i => new OutboundMessage(Guid.NewGuid(), "46700000000", $"4670{i:D6}1", "Benchmark message, plain GSM text of a typical length.", receipts))
        .ToList();
    var nodeCpuBefore = smsc.CpuTime;
    var clientCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
    var clock = Stopwatch.StartNew();

    var results = await carrier.SendAsync(batch, CancellationToken.None);
    var sendTime = clock.Elapsed;
    if (receipts)
    {
        while (Volatile.Read(ref callbacks.Receipts) < count && clock.Elapsed < TimeSpan.FromMinutes(2))
        {
            await Task.Delay(1);
        }
    }
    var receiptTime = clock.Elapsed;
    var nodeCpu = smsc.CpuTime - nodeCpuBefore;
    var clientCpu = Process.GetCurrentProcess().TotalProcessorTime - clientCpuBefore;

    var accepted = results.Count(r => r.Outcome == SubmitOutcome.Accepted);
    if (accepted != count)
    {
        throw new InvalidOperationException($"Only {accepted} of {count} were accepted: {results.First(r => r.Outcome != SubmitOutcome.Accepted).Reason}");
    }
    if (print)
    {
        var wall = receiptTime.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {window} | {(receipts ? "yes" : "no")} | {count / sendTime.TotalSeconds:N0} | {sendTime.TotalSeconds:0.00} | {(receipts ? receiptTime.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) : "-")} | {nodeCpu.TotalSeconds:0.00} | {nodeCpu.TotalSeconds / wall:P0} | {clientCpu.TotalSeconds / wall:P0} |"));
    }
}

internal sealed class CountingCallbacks : ICarrierCallbacks
{
    public int Receipts;

    public Task OnDeliveryReceiptAsync(DeliveryReceipt receipt, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Receipts);
        return Task.CompletedTask;
    }

    public Task OnInboundMessageAsync(InboundMessage message, CancellationToken cancellationToken) => Task.CompletedTask;
}
