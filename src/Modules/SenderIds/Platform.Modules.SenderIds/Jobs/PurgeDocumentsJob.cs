using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Modules.SenderIds.Domain;
using Platform.Modules.SenderIds.Features;
using Platform.Modules.Shared.Jobs;

namespace Platform.Modules.SenderIds.Jobs;

/// <summary>
/// Supporting documents are used only to decide an application: <see cref="SenderIdsOptions.DocumentRetentionDays"/>
/// after the decision the files are deleted and the rows marked purged; the application and its history stay.
/// Reentrant: a file already gone is skipped, a row already marked is not selected again.
/// </summary>
internal sealed class PurgeDocumentsJob(
    SenderIdsDbContext db,
    DocumentStore store,
    IOptions<SenderIdsOptions> options,
    TimeProvider clock,
    ILogger<PurgeDocumentsJob> logger) : IRecurringJob
{
    public const string Id = "senderids.purge-documents";

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var cutoff = now.AddDays(-options.Value.DocumentRetentionDays);
        var decided = new[] { ApplicationStatus.Approved, ApplicationStatus.Rejected, ApplicationStatus.Revoked };
        var due = await (
                from d in db.Documents
                join a in db.Applications on d.ApplicationId equals a.Id
                where d.PurgedAt == null && a.DecidedAt != null && a.DecidedAt < cutoff && decided.Contains(a.Status)
                select d)
            .Take(1000)
            .ToListAsync(cancellationToken);
        foreach (var document in due)
        {
            store.Delete(document.Id);
            document.PurgedAt = now;
        }

        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Purged {Count} Sender ID documents decided before {Cutoff}", due.Count, cutoff);
        return $"Purged {due.Count} document(s)";
    }
}
