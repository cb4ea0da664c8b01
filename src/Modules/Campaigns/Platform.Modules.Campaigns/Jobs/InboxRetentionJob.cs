using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Modules.Campaigns.Features.TwoWay;
using Platform.Modules.Shared.Jobs;

namespace Platform.Modules.Campaigns.Jobs;

/// <summary>
/// Keeps the inbox's promise on retention (docs/campaigns.md, /privacy): conversations without a message for
/// <see cref="CampaignsOptions.InboxRetention"/> are deleted with their entries, and who-messaged-whom rows past the STOP
/// look-back go too (nothing is attributed by them any more). Set-based, in batches; safe to run twice or on two nodes
/// at once (rows are locked with SKIP LOCKED and the age re-checked under the lock).
/// </summary>
internal sealed class InboxRetentionJob(InboxStore inbox, RecipientContacts recipientContacts, CampaignsDataSource data, IOptions<CampaignsOptions> options,
    TimeProvider clock, ILogger<InboxRetentionJob> logger) : IRecurringJob
{
    public const string Id = "campaigns.inbox-retention";

    /// <summary>Threads deleted per statement: big enough to be set-based, small enough to keep each transaction short.</summary>
    public const int Batch = 1000;

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var cutoff = now - options.Value.InboxRetention;
        var threads = 0;
        int deleted;
        do
        {
            deleted = await inbox.DeleteThreadsBeforeAsync(cutoff, Batch, cancellationToken);
            threads += deleted;
        }
        while (deleted == Batch && !cancellationToken.IsCancellationRequested);

        var contacts = await recipientContacts.DeleteBeforeAsync(now - options.Value.StopLookback, cancellationToken);
        var clicks = 0;
        do
        {
            // Per-recipient clicks are personal data with a retention of their own; the per-link totals stay.
            deleted = await data.Source.ExecuteAsync(
                """
                DELETE FROM campaigns.link_clicks WHERE ctid = ANY (ARRAY(
                    SELECT ctid FROM campaigns.link_clicks WHERE last_clicked_at < @cutoff LIMIT @batch))
                """, cancellationToken, ("cutoff", now - options.Value.ClickRetention), ("batch", Batch));
            clicks += deleted;
        }
        while (deleted == Batch && !cancellationToken.IsCancellationRequested);

        var activity = 0;
        do
        {
            // A number's activity (segments' last sent/delivered/failed/clicked) goes once all of it is that old.
            deleted = await data.Source.ExecuteAsync(
                """
                DELETE FROM campaigns.contact_activity WHERE ctid = ANY (ARRAY(
                    SELECT ctid FROM campaigns.contact_activity
                    WHERE COALESCE(GREATEST(last_sent_at, last_delivered_at, last_failed_at, last_clicked_at), '-infinity') < @cutoff LIMIT @batch))
                """, cancellationToken, ("cutoff", now - options.Value.ClickRetention), ("batch", Batch));
            activity += deleted;
        }
        while (deleted == Batch && !cancellationToken.IsCancellationRequested);

        if (threads + contacts + clicks + activity > 0)
        {
            logger.LogInformation("Inbox retention: {Threads} conversations older than {Cutoff:u} deleted with their messages, {Contacts} who-messaged-whom rows past the look-back deleted, {Clicks} link clicks and {Activity} numbers' activity past their retention deleted",
                threads, cutoff, contacts, clicks, activity);
        }

        return $"{threads} conversations, {contacts} recipient contacts, {clicks} link clicks, {activity} contact activity rows deleted";
    }
}
