namespace Platform.Modules.Campaigns.Sending;

/// <summary>
/// A send-API lane's campaign (ADR 40): one hidden campaign of kind 'api' per company, Sender ID and kind of message that
/// goes on taking the batches of requests gathered for it (<see cref="Features.Api.SendApiService"/>) while its run
/// sends them, instead of a campaign, a preparation, a reservation, a Hangfire job and a settlement per batch. Its run
/// waits a little for the next batch when it has sent everything (<see cref="CampaignsOptions.ApiLaneLinger"/>), woken at once by
/// <see cref="Appended"/> when the batch was stored on this node.
/// </summary>
internal sealed class LaneCampaigns(TimeSpan? poll = null)
{
    /// <summary>How often a lingering run looks for batches stored on another node (this node's wake it at once).</summary>
    public static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// A lane campaign takes batches for this long after it was opened; then the next batch opens another, so each is
    /// completed and settled within minutes.
    /// </summary>
    public static readonly TimeSpan AppendWindow = TimeSpan.FromMinutes(5);

    /// <summary>
    /// And at most this many messages: the inbound feed finds the API message a reply answers among its campaign's
    /// messages by number (a few thousand rows read at most, as when a request was a campaign of up to 1,000).
    /// </summary>
    public const int MaxMessages = 5_000;

    /// <summary>This instance's <see cref="Poll"/> (tests wait longer, so what they see is a signal, not a poll).</summary>
    public TimeSpan PollEvery { get; } = poll ?? Poll;

    private readonly Dictionary<Guid, List<LaneWaiter>> waiters = [];

    /// <summary>A batch was stored in the campaign: the workers of its run on this node claim it now, or at their next wait.</summary>
    public void Appended(Guid campaignId)
    {
        lock (waiters)
        {
            if (waiters.TryGetValue(campaignId, out var joined))
            {
                joined.ForEach(w => w.Signal());
            }
        }
    }

    /// <summary>A worker of the campaign's run on this node, until it disposes what this answers: it is told of the batches appended here.</summary>
    public LaneWaiter Join(Guid campaignId)
    {
        var waiter = new LaneWaiter(this, campaignId);
        lock (waiters)
        {
            if (!waiters.TryGetValue(campaignId, out var joined))
            {
                waiters[campaignId] = joined = [];
            }

            joined.Add(waiter);
        }

        return waiter;
    }

    internal void Leave(LaneWaiter waiter)
    {
        lock (waiters)
        {
            if (waiters.TryGetValue(waiter.CampaignId, out var joined) && joined.Remove(waiter) && joined.Count == 0)
            {
                waiters.Remove(waiter.CampaignId);
            }
        }
    }
}

/// <summary>
/// One worker's wait for its lane campaign's next batch. A batch appended while the worker was claiming is not missed:
/// the signal stays set until the next wait takes it, so the worker claims once per batch instead of claiming again and
/// again to find out whether another came.
/// </summary>
internal sealed class LaneWaiter(LaneCampaigns lanes, Guid campaignId) : IDisposable
{
    private TaskCompletionSource signal = NewSignal();

    public Guid CampaignId { get; } = campaignId;

    internal void Signal() => Volatile.Read(ref signal).TrySetResult();

    /// <summary>
    /// Waits until a batch was appended on this node since the last wait that ended with one, <see cref="LaneCampaigns.Poll"/>
    /// passes (a batch stored on another node signals nothing here), or <paramref name="stop"/>; never throws.
    /// </summary>
    public async Task WaitAsync(CancellationToken stop)
    {
        var current = Volatile.Read(ref signal);
        try
        {
            await current.Task.WaitAsync(lanes.PollEvery, stop);
        }
        catch (Exception exception) when (exception is TimeoutException or OperationCanceledException)
        {
            return;
        }

        // Taken: the next wait waits for the next batch. A batch appended before this line is committed, so the claim that
        // follows this wait sees it.
        Interlocked.CompareExchange(ref signal, NewSignal(), current);
    }

    public void Dispose() => lanes.Leave(this);

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
