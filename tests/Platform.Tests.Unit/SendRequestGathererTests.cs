using Microsoft.Extensions.Logging.Abstractions;
using Platform.Modules.Campaigns.Features.Api;

namespace Platform.Tests.Unit;

/// <summary>
/// The send API's gathering of concurrent requests (ADR 38): a request that finds its lane idle is stored at once and
/// alone; those arriving while the lane stores wait and are stored together, never one number twice in a batch, never over
/// a request's size, each answered with its own result. The store is held on a gate, so what waits is a state, not a guess.
/// </summary>
public sealed class SendRequestGathererTests
{
    private static readonly Guid Company = Guid.NewGuid();

    [Fact]
    public async Task Requests_arriving_while_the_lane_stores_are_stored_together_and_each_gets_its_own_answer()
    {
        var store = new GatedStore(holdFirst: SendRequestGatherer.StoresPerLane);
        var gatherer = new SendRequestGatherer(store.StoreAsync, NullLogger<SendRequestGatherer>.Instance);

        var first = await HoldEveryStoreAsync(gatherer, store, "+4477009000");
        var later = Enumerable.Range(10, 20).Select(i => gatherer.SubmitAsync(Request(Company, $"+4477009000{i:D2}"))).ToList();
        store.Release();
        var answers = await Task.WhenAll(first.Concat(later));

        store.Batches.Take(SendRequestGatherer.StoresPerLane).Should().OnlyContain(b => b.Count == 1, "an idle lane stores a request at once, alone");
        store.Batches.Skip(SendRequestGatherer.StoresPerLane).Should().ContainSingle("the requests that waited are taken by the next batch at once")
            .Which.Select(p => p.Request.Messages[0].To).Should().Equal(Enumerable.Range(10, 20).Select(i => $"+4477009000{i:D2}"), "in the order they came");
        answers.Select(a => ((SendAccepted)a).Json).Should().Equal(first.Concat(later).Select((_, i) => i < 2 ? $"+4477009000{i:D2}" : $"+4477009000{i + 8:D2}"),
            "each request is answered with its own result");
    }

    [Fact]
    public async Task A_batch_never_holds_one_number_twice_nor_more_messages_than_one_request()
    {
        var store = new GatedStore(holdFirst: SendRequestGatherer.StoresPerLane);
        var gatherer = new SendRequestGatherer(store.StoreAsync, NullLogger<SendRequestGatherer>.Instance);
        var first = await HoldEveryStoreAsync(gatherer, store, "+4477009001");

        var big = Enumerable.Range(0, 600).Select(i => $"+44771{i:D6}").ToArray();
        var waiting = new[]
        {
            gatherer.SubmitAsync(Request(Company, big)),
            gatherer.SubmitAsync(Request(Company, "+447700900555")),
            gatherer.SubmitAsync(Request(Company, [.. Enumerable.Range(600, 500).Select(i => $"+44771{i:D6}")])), // 600 + 1 + 500 > 1,000
            gatherer.SubmitAsync(Request(Company, "+447700900555")), // the same number as a request before it
        };
        store.Release();
        await Task.WhenAll(first.Concat(waiting));

        var later = store.Batches.Skip(SendRequestGatherer.StoresPerLane).ToList();
        later.Should().OnlyContain(b => b.Sum(p => p.Request.Messages.Count) <= SendRequestReader.MaxMessages);
        later.Should().OnlyContain(b => b.SelectMany(p => p.Request.Messages).Select(m => m.To).Distinct().Count() == b.Sum(p => p.Request.Messages.Count));
        later.Sum(b => b.Count).Should().Be(4, "every request is stored, once");
    }

    [Fact]
    public async Task Lanes_are_per_company_and_a_failed_store_fails_only_its_own_batch()
    {
        var store = new GatedStore(holdFirst: 0) { FailFor = "+447700900666" };
        var gatherer = new SendRequestGatherer(store.StoreAsync, NullLogger<SendRequestGatherer>.Instance);

        var other = Guid.NewGuid();
        var failing = gatherer.SubmitAsync(Request(Company, "+447700900666"));
        var fine = gatherer.SubmitAsync(Request(other, "+447700900667"));

        await FluentActions.Awaiting(() => failing).Should().ThrowAsync<InvalidOperationException>();
        ((SendAccepted)await fine).Json.Should().Be("+447700900667");
        store.Batches.Should().OnlyContain(b => b.Select(p => p.Caller.CompanyId).Distinct().Count() == 1, "a batch is one company's");
    }

    // One request at a time until each of the lane's stores holds one at the gate (two sent together could share a batch).
    private static async Task<List<Task<SendResult>>> HoldEveryStoreAsync(SendRequestGatherer gatherer, GatedStore store, string prefix)
    {
        var first = new List<Task<SendResult>>();
        for (var i = 0; i < SendRequestGatherer.StoresPerLane; i++)
        {
            first.Add(gatherer.SubmitAsync(Request(Company, $"{prefix}{i:D2}")));
            await store.Started(1);
        }

        return first;
    }

    private static PendingSend Request(Guid company, params string[] numbers) =>
        new(new ApiCaller(company, Guid.NewGuid()), new SendRequest("PLATFORM", [.. numbers.Select(n => (n, "Hello"))], false), null, []);

    /// <summary>Records each batch; the first <c>holdFirst</c> batches wait until released. Answers each request with its first number.</summary>
    private sealed class GatedStore(int holdFirst)
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly SemaphoreSlim _started = new(0);
        private int _calls;

        public List<IReadOnlyList<PendingSend>> Batches { get; } = [];

        public string? FailFor { get; init; }

        public async Task<SendResult[]> StoreAsync(IReadOnlyList<PendingSend> batch)
        {
            lock (Batches)
            {
                Batches.Add(batch);
            }

            if (Interlocked.Increment(ref _calls) <= holdFirst)
            {
                _started.Release();
                await _gate.Task;
            }

            if (batch.Any(p => p.Request.Messages[0].To == FailFor))
            {
                throw new InvalidOperationException("The database went away.");
            }

            return [.. batch.Select(p => (SendResult)new SendAccepted(p.Request.Messages[0].To))];
        }

        public async Task Started(int count)
        {
            for (var i = 0; i < count; i++)
            {
                (await _started.WaitAsync(TimeSpan.FromSeconds(30))).Should().BeTrue("the first requests reach the store at once");
            }
        }

        public void Release() => _gate.SetResult();
    }
}
