using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Carriers.Abstractions;
using Platform.Carriers.Smpp;
using Platform.Carriers.Tests.Smsc;

namespace Platform.Benchmarks.Smpp;

/// <summary>What one case of the platform's SMPP client alone against the SMSC measured.</summary>
internal sealed record CeilingCase(int Window, bool Receipts, int Count, TimeSpan SendTime, TimeSpan AllReceiptsIn, TimeSpan NodeCpu, TimeSpan ClientCpu)
{
    public double SubmitsPerSecond => Count / SendTime.TotalSeconds;

    /// <summary>Messages per second counting until the last receipt is in (the send time without receipts).</summary>
    public double EndToEndPerSecond => Count / AllReceiptsIn.TotalSeconds;
}

/// <summary>
/// The SMPP client's ceiling: one carrier instance (the platform's own SMPP client, no host) sends a fixed number of
/// messages to the SMSC and, with receipts, waits for all of them. Used by the client-throughput table and by the
/// campaign benchmark (<c>campaign</c> mode) to put the platform's rate next to what its client reaches alone.
/// </summary>
internal static class ClientCeiling
{
    public static async Task<CeilingCase> RunCaseAsync(SmscProcess smsc, int window, bool receipts, int count)
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

        var accepted = results.Count(r => r.Outcome == SubmitOutcome.Accepted);
        if (accepted != count)
        {
            throw new InvalidOperationException($"Only {accepted} of {count} were accepted: {results.First(r => r.Outcome != SubmitOutcome.Accepted).Reason}");
        }

        return new CeilingCase(window, receipts, count, sendTime, receiptTime, smsc.CpuTime - nodeCpuBefore, Process.GetCurrentProcess().TotalProcessorTime - clientCpuBefore);
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
