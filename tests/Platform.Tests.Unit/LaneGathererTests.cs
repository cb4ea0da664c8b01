using Microsoft.Extensions.Logging.Abstractions;
using Platform.Modules.Shared;

namespace Platform.Tests.Unit;

/// <summary>
/// The count-limited lanes the inbox's replies and their senders' lookups use (ADR 38): what waits while the lane's
/// stores are held is stored in batches of at most the limit, in the order it came, each item answered with its own
/// result. The stores are held on a gate, so what waits is a state, not a guess.
/// </summary>
public sealed class LaneGathererTests
{
    [Fact]
    public async Task Items_that_wait_are_stored_in_batches_of_at_most_the_limit_in_order_each_with_its_own_answer()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = new SemaphoreSlim(0);
        var batches = new List<IReadOnlyList<int>>();
        var gatherer = new LaneGatherer<string, int, string>(
            async (_, batch) =>
            {
                lock (batches)
                {
                    batches.Add(batch);
                }

                if (batch.Contains(-1) || batch.Contains(-2))
                {
                    held.Release();
                    await gate.Task;
                }

                return [.. batch.Select(i => $"item {i}")];
            },
            maxItemsPerBatch: 10,
            storesPerLane: 2,
            NullLogger.Instance);

        // One at a time until both of the lane's stores are held, so the rest can only wait.
        var first = gatherer.SubmitAsync("+15550100100", -1);
        (await held.WaitAsync(TimeSpan.FromSeconds(30))).Should().BeTrue();
        var second = gatherer.SubmitAsync("+15550100100", -2);
        (await held.WaitAsync(TimeSpan.FromSeconds(30))).Should().BeTrue();
        var waiting = Enumerable.Range(0, 25).Select(i => gatherer.SubmitAsync("+15550100100", i)).ToList();
        gatherer.WaitingFor("+15550100100").Should().Be(25);
        gate.SetResult();

        (await Task.WhenAll(waiting)).Should().Equal(Enumerable.Range(0, 25).Select(i => $"item {i}"), "each item is answered with its own result");
        (await first).Should().Be("item -1");
        (await second).Should().Be("item -2");
        var later = batches.Skip(2).ToList();
        later.Should().OnlyContain(b => b.Count <= 10, "no batch holds more than the limit");
        later.SelectMany(b => b).Should().BeEquivalentTo(Enumerable.Range(0, 25), "every waiting item is stored once");
        later.Should().OnlyContain(b => b.SequenceEqual(Enumerable.Range(b[0], b.Count)), "a batch takes the waiting items in the order they came");
        gatherer.WaitingFor("+15550100100").Should().Be(0);
    }
}
