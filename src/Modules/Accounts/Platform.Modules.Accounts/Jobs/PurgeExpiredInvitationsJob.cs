using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Modules.Shared.Jobs;

namespace Platform.Modules.Accounts.Jobs;

/// <summary>
/// Recurring maintenance: an invitation holds an email address, so once it is used or expired it is
/// kept only for <see cref="AccountsOptions.InvitationRetention"/> and then deleted, in one statement.
/// Safe to run twice (it is a DELETE by date), as a clustered job must be.
/// </summary>
internal sealed class PurgeExpiredInvitationsJob(
    AccountsDbContext db,
    IOptions<AccountsOptions> options,
    TimeProvider clock,
    ILogger<PurgeExpiredInvitationsJob> logger) : IRecurringJob
{
    public const string Id = "accounts.purge-expired-invitations";

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow() - options.Value.InvitationRetention;
        var deleted = await db.Invitations
            .Where(i => (i.AcceptedAt != null && i.AcceptedAt < cutoff) || i.ExpiresAt < cutoff)
            .ExecuteDeleteAsync(cancellationToken);
        logger.LogInformation("Purged {Count} invitations older than {Cutoff}", deleted, cutoff);
        return $"Purged {deleted} invitation(s)";
    }
}
