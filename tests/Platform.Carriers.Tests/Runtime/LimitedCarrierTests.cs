using System.Diagnostics;
using Platform.Carriers.Abstractions;
using Platform.Carriers.Runtime.Limits;

namespace Platform.Carriers.Tests.Runtime;

/// <summary>The limiter the host runs every instance behind: this node's share of a cluster-wide rate, and the in-flight limit.</summary>
public sealed class LimitedCarrierTests
{
    private static List<OutboundMessage> Batch(int count) =>
        Enumerable.Range(0, count).Select(i => new OutboundMessage(Guid.NewGuid(), "P", $"46{i:D8}", "hi", false)).ToList();

    [Fact]
    public async Task The_token_bucket_holds_the_rate()
    {
        await using var carrier = new LimitedCarrier(new FakeCarrier("x"), new CarrierLimits(MessagesPerSecond: 200, MaxInFlight: 0), TimeProvider.System);
        var clock = Stopwatch.StartNew();

        var results = new List<SubmitResult>();
        for (var i = 0; i < 6; i++)
        {
            results.AddRange(await carrier.SendAsync(Batch(20), CancellationToken.None));
        }

        results.Should().HaveCount(120).And.OnlyContain(r => r.Outcome == SubmitOutcome.Accepted);
        // The bucket starts empty: 120 messages at 200/s take at least 0.6 s (a little slack for timer granularity).
        clock.Elapsed.Should().BeGreaterThan(TimeSpan.FromMilliseconds(500)).And.BeLessThan(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Each_node_takes_its_share_of_the_cluster_wide_rate()
    {
        await using var carrier = new LimitedCarrier(new FakeCarrier("x"), new CarrierLimits(MessagesPerSecond: 400, MaxInFlight: 0), TimeProvider.System);
        carrier.RatePerSecond.Should().Be(400, "until the nodes are counted a node takes the whole limit");

        carrier.ShareAmong(4);
        carrier.RatePerSecond.Should().Be(100);
        var clock = Stopwatch.StartNew();
        await carrier.SendAsync(Batch(30), CancellationToken.None);
        clock.Elapsed.Should().BeGreaterThan(TimeSpan.FromMilliseconds(200), "30 messages at this node's 100/s take 0.3 s");

        carrier.ShareAmong(0);
        carrier.RatePerSecond.Should().Be(400, "no live node counted means this one is alone");
    }

    [Fact]
    public async Task No_rate_limit_means_no_waiting()
    {
        await using var carrier = new LimitedCarrier(new FakeCarrier("x"), new CarrierLimits(MessagesPerSecond: 0, MaxInFlight: 0), TimeProvider.System);
        carrier.ShareAmong(3);
        var clock = Stopwatch.StartNew();

        var results = await carrier.SendAsync(Batch(10_000), CancellationToken.None);

        results.Should().HaveCount(10_000).And.OnlyContain(r => r.Outcome == SubmitOutcome.Accepted);
        carrier.RatePerSecond.Should().Be(0);
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task The_in_flight_limit_holds_across_concurrent_sends()
    {
        var inner = new FakeCarrier("x", latency: TimeSpan.FromMilliseconds(5));
        await using var carrier = new LimitedCarrier(inner, new CarrierLimits(MessagesPerSecond: 0, MaxInFlight: 5), TimeProvider.System);

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => carrier.SendAsync(Batch(30), CancellationToken.None)));

        results.SelectMany(r => r).Should().HaveCount(120).And.OnlyContain(r => r.Outcome == SubmitOutcome.Accepted);
        inner.MaxInFlightSeen.Should().Be(5);
    }

    [Fact]
    public async Task Cancellation_while_waiting_for_the_rate_submits_nothing_and_propagates()
    {
        var inner = new FakeCarrier("x");
        await using var carrier = new LimitedCarrier(inner, new CarrierLimits(MessagesPerSecond: 10, MaxInFlight: 0), TimeProvider.System);
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(150));

        var send = () => carrier.SendAsync(Batch(50), cancellation.Token);

        await send.Should().ThrowAsync<OperationCanceledException>();
        inner.Sent.Should().BeEmpty();
    }

    [Fact]
    public async Task Cancellation_while_waiting_for_in_flight_permits_keeps_what_was_submitted_and_fails_the_rest_in_order()
    {
        var inner = new FakeCarrier("x", latency: TimeSpan.FromMilliseconds(100));
        await using var carrier = new LimitedCarrier(inner, new CarrierLimits(MessagesPerSecond: 0, MaxInFlight: 5), TimeProvider.System);
        using var cancellation = new CancellationTokenSource();
        var holding = carrier.SendAsync(Batch(5), CancellationToken.None); // takes every permit for 100 ms

        var waiting = carrier.SendAsync(Batch(10), cancellation.Token);
        await cancellation.CancelAsync();
        var results = await waiting;
        await holding;

        results.Should().HaveCount(10).And.OnlyContain(r => r.Outcome == SubmitOutcome.Failed && r.Reason!.StartsWith("cancelled"));
    }
}
