using System.Diagnostics;
using Platform.Carriers.Abstractions;
using Platform.Carriers.Runtime.Limits;

namespace Platform.Carriers.Tests.Runtime;

public sealed class LimitedCarrierTests
{
    private static List<OutboundMessage> Batch(int count) =>
        Enumerable.Range(0, count).Select(i => new OutboundMessage(Guid.NewGuid(), "P", $"46{i:D8}", "hi", false)).ToList();

    [Fact]
    public async Task The_token_bucket_holds_the_rate_after_the_burst()
    {
        await using var carrier = new LimitedCarrier(new FakeCarrier("x"), new CarrierLimits(MessagesPerSecond: 200, Burst: 20, MaxInFlight: null));
        var clock = Stopwatch.StartNew();

        var results = await carrier.SendAsync(Batch(120), CancellationToken.None);

        results.Should().HaveCount(120).And.OnlyContain(r => r.Outcome == SubmitOutcome.Accepted);
        // 20 go at once, the other 100 at 200/s: at least 0.5 s (a little slack for timer granularity).
        clock.Elapsed.Should().BeGreaterThan(TimeSpan.FromMilliseconds(400)).And.BeLessThan(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task The_in_flight_limit_holds_across_concurrent_sends()
    {
        var inner = new FakeCarrier("x", latency: TimeSpan.FromMilliseconds(5));
        await using var carrier = new LimitedCarrier(inner, new CarrierLimits(null, null, MaxInFlight: 5));

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => carrier.SendAsync(Batch(30), CancellationToken.None)));

        results.SelectMany(r => r).Should().HaveCount(120).And.OnlyContain(r => r.Outcome == SubmitOutcome.Accepted);
        inner.MaxInFlightSeen.Should().Be(5);
    }

    [Fact]
    public async Task Cancellation_while_waiting_for_the_rate_fails_the_rest_transiently_in_order()
    {
        await using var carrier = new LimitedCarrier(new FakeCarrier("x"), new CarrierLimits(MessagesPerSecond: 10, Burst: 5, MaxInFlight: null));
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(150));

        var results = await carrier.SendAsync(Batch(50), cancellation.Token);

        results.Should().HaveCount(50);
        results.Take(5).Should().OnlyContain(r => r.Outcome == SubmitOutcome.Accepted);
        results.Skip(10).Should().OnlyContain(r => r.Outcome == SubmitOutcome.Failed && r.Reason!.StartsWith("cancelled"));
    }
}
