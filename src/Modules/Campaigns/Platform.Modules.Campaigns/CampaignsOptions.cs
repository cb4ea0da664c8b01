using Microsoft.Extensions.Options;

namespace Platform.Modules.Campaigns;

/// <summary>Settings under <c>Platform:Campaigns</c>.</summary>
internal sealed class CampaignsOptions
{
    public const string Section = "Platform:Campaigns";

    /// <summary>How long a recipient's link clicks are kept (the campaign's click totals stay): 13 months by default.</summary>
    public TimeSpan ClickRetention { get; set; } = TimeSpan.FromDays(395);

    /// <summary>Messages claimed and submitted together (≥ 500: per-message work is set-based).</summary>
    public int BatchSize { get; set; } = 1000;

    /// <summary>Claim-submit-record pipelines one job run keeps going at once.</summary>
    // One pipeline per run (with Slots runs, Slots per campaign per node); each holds up to three batches (one being
    // claimed, one at the carriers, one being recorded), so the carrier is not idle while a batch is recorded. Before the
    // pipeline, 4 workers on the 2-core benchmark machine sent ~15% faster but kept the CPU saturated, so page loads
    // queued (docs/benchmarks.md).
    public int Workers { get; set; } = 1;

    /// <summary>Sending slots per campaign (each a chain of Hangfire runs), so several hosts share one campaign.</summary>
    public int Slots { get; set; } = 2;

    /// <summary>How long one job run sends before it hands over to its next trigger (lets nodes share and stop).</summary>
    public TimeSpan RunSlice { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a send-API lane campaign's run waits for the next batch of requests after its last claim before it
    /// completes and settles the campaign (ADR 40).
    /// </summary>
    public TimeSpan ApiLaneLinger { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A claimed message whose submit was not recorded within this time is Unknown (its node died).</summary>
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>A submitted message without a receipt after this long is Expired.</summary>
    public TimeSpan ReceiptTimeout { get; set; } = TimeSpan.FromHours(48);

    /// <summary>Transient carrier failures are retried this many times, with back-off.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The first retry's delay after a transient failure; each further retry waits twice as long.</summary>
    public TimeSpan RetryBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The secret in the hash that keeps an erased person's opt-out (see docs/privacy.md). Set a long random value in
    /// production (Platform__Campaigns__SuppressionKey); the default only keeps a development database working.
    /// </summary>
    public string SuppressionKey { get; set; } = "development-only-suppression-key";

    /// <summary>
    /// A bare STOP stops every company that messaged the handset from that platform number within this time (12 months
    /// by default): long enough to cover a seasonal sender, short enough not to stop a company the person never heard from.
    /// </summary>
    public TimeSpan StopLookback { get; set; } = TimeSpan.FromDays(365);

    /// <summary>How long inbox conversations are kept after their last message.</summary>
    public TimeSpan InboxRetention { get; set; } = TimeSpan.FromDays(365);

    /// <summary>How often the maintenance job runs (stale claims, receipt timeouts, stalled campaigns).</summary>
    public int MaintenanceSeconds { get; set; } = 30;

    /// <summary>
    /// The longest a message (recipient, text, state) is kept, in months: 13 by default, what the privacy policy promises
    /// for the message history. History leaves a partition at a time (ADR 37): a partition is dropped once its newest
    /// message is <c>MessageRetentionMonths − MessagePartitionMonths</c> months old, when its oldest is at most this old.
    /// </summary>
    public int MessageRetentionMonths { get; set; } = 13;

    /// <summary>How long one partition of the messages takes new messages before the next one does, in months.</summary>
    public int MessagePartitionMonths { get; set; } = 1;

    /// <summary>
    /// The ids one partition covers. Large enough that no partition fills before its month is up (10^10: 3,800 messages
    /// a second for a month); should one fill, ids go on into the next one, made ahead. Tests set a tiny value.
    /// </summary>
    public long MessagePartitionIds { get; set; } = 10_000_000_000;

    /// <summary>How often the partition job runs (opens the next partition, notes receipts, drops what is past retention).</summary>
    public int MessagePartitionSeconds { get; set; } = 60;

    /// <summary>What is wrong with these settings, for the host's start to stop on (ADR 37's settings).</summary>
    public IEnumerable<string> Problems()
    {
        if (MessagePartitionMonths is < 1 or > 12)
        {
            yield return $"{Section}:MessagePartitionMonths is {MessagePartitionMonths}; it must be a whole number of months from 1 to 12.";
        }

        if (MessageRetentionMonths <= MessagePartitionMonths || MessageRetentionMonths > 120)
        {
            yield return $"{Section}:MessageRetentionMonths is {MessageRetentionMonths}; it must be more than MessagePartitionMonths ({MessagePartitionMonths}) " +
                         "and at most 120 (history goes a whole partition at a time, so at least one partition's worth is always kept).";
        }

        if (MessagePartitionIds < 10)
        {
            yield return $"{Section}:MessagePartitionIds is {MessagePartitionIds}; it must be at least 10 (leave the default, 10000000000, in production).";
        }
    }
}

/// <summary>Stops the host's start with <see cref="CampaignsOptions.Problems"/>, each saying which setting and why.</summary>
internal sealed class CampaignsOptionsValidation : IValidateOptions<CampaignsOptions>
{
    public ValidateOptionsResult Validate(string? name, CampaignsOptions options) =>
        options.Problems().ToList() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
}
