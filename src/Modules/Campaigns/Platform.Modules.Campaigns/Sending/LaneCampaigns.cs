using System.Collections.Concurrent;

namespace Platform.Modules.Campaigns.Sending;

/// <summary>
/// A send-API lane's campaign (ADR 40): one hidden campaign of kind 'api' per company, Sender ID and kind of message that
/// goes on taking the batches of requests gathered for it (<see cref="Features.Api.SendApiService"/>) while its run
/// sends them, instead of a campaign, a preparation, a reservation, a Hangfire job and a settlement per batch. Its run
/// waits a little for the next batch when it has sent everything (<see cref="CampaignsOptions.ApiLaneLinger"/>), woken at once by
/// <see cref="Appended"/> when the batch was stored on this node.
/// </summary>
internal sealed class LaneCampaigns
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

    private readonly ConcurrentDictionary<Guid, TaskCompletionSource> waiting = new();

    /// <summary>A batch was stored in the campaign: its run, if lingering on this node, claims it now.</summary>
    public void Appended(Guid campaignId)
    {
        if (waiting.TryRemove(campaignId, out var signal))
        {
            signal.TrySetResult();
        }
    }

    /// <summary>Waits until a batch is appended on this node, <see cref="Poll"/> passes, or <paramref name="stop"/>; never throws.</summary>
    public async Task WaitAsync(Guid campaignId, CancellationToken stop)
    {
        var signal = waiting.GetOrAdd(campaignId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        try
        {
            await signal.Task.WaitAsync(Poll, stop);
        }
        catch (Exception exception) when (exception is TimeoutException or OperationCanceledException)
        {
            // Polled: a batch stored on another node signals nothing here. The signal goes unless another waiter took a new one.
            waiting.TryRemove(new KeyValuePair<Guid, TaskCompletionSource>(campaignId, signal));
        }
    }
}
