using Microsoft.EntityFrameworkCore;
using Platform.Modules.Accounts.Domain;
using Platform.Modules.Accounts.Features;
using Platform.Modules.Shared.Jobs;

namespace Platform.Modules.Accounts.Jobs;

/// <summary>
/// A closed support ticket holds a person's name, address, messages and files: it is deleted with them
/// <see cref="HelpdeskRules.Retention"/> after it closed, in one statement (messages and attachments follow by cascade).
/// </summary>
internal sealed class PurgeClosedTicketsJob(AccountsDbContext db, TimeProvider clock) : IRecurringJob
{
    public const string Id = "accounts.purge-closed-tickets";

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow() - HelpdeskRules.Retention;
        var deleted = await db.SupportTickets.Where(t => t.Status == TicketStatus.Closed && t.ClosedAt < cutoff).ExecuteDeleteAsync(cancellationToken);
        return $"Deleted {deleted} support ticket(s) closed before {cutoff:u}";
    }
}
