using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Modules.Accounts.Features;
using Platform.Modules.Shared;
using Platform.Modules.Shared.Jobs;

namespace Platform.Modules.Accounts.Jobs;

/// <summary>
/// When a new version of the terms and privacy policy is in force (<see cref="AccountsOptions.TermsVersion"/>), every
/// business user who has not accepted it is emailed once that it changed and that they will be asked to accept it at
/// their next sign-in. Not optional: it changes what they agreed to. Each email's dedup key names the version and the
/// user, and the user row remembers the version announced, so a crash between the two sends nothing twice.
/// </summary>
internal sealed class AnnouncePolicyJob(AccountsDbContext db, IMediator mediator, IOptions<AccountsOptions> options, PublicLinks links, ILogger<AnnouncePolicyJob> logger) : IRecurringJob
{
    public const string Id = "accounts.announce-policy";

    private const int BatchSize = 500;

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var version = options.Value.TermsVersion;
        var announced = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var batch = await db.Users.AsNoTracking()
                .Where(u => u.CompanyId != null && u.Email != null && u.TermsVersion != version && u.PolicyAnnounced != version)
                .OrderBy(u => u.Id)
                .Take(BatchSize)
                .Select(u => new { u.Id, u.Email, u.FirstName, u.Surname })
                .ToListAsync(cancellationToken);
            if (batch.Count == 0)
            {
                break;
            }

            foreach (var user in batch)
            {
                await mediator.Send(new SendEmail(
                    user.Email!,
                    $"{user.FirstName} {user.Surname}",
                    "Our terms and privacy policy changed",
                    new EmailBody(
                        "Our terms and privacy policy changed",
                        [
                            $"Hello {user.FirstName},",
                            $"Version {version} of our terms and privacy policy is now in force. Please read it: {links.To("/privacy")} and {links.To("/Legal/Terms")}.",
                            "The next time you sign in we ask you to accept it before you go on; your acceptance is recorded with the date.",
                        ],
                        new EmailAction("Read and accept", links.To(PolicyAcceptance.PagePath))),
                    "accounts.policy-changed",
                    $"accounts.policy-changed:{version}:{user.Id}"), cancellationToken);
            }

            var ids = batch.Select(u => u.Id).ToList();
            await db.Users.Where(u => ids.Contains(u.Id)).ExecuteUpdateAsync(s => s.SetProperty(u => u.PolicyAnnounced, version), cancellationToken);
            announced += batch.Count;
        }

        if (announced > 0)
        {
            logger.LogInformation("Policy version {Version} announced to {Count} users", version, announced);
        }

        return $"Version {version} announced to {announced} user(s)";
    }
}
