using System.ComponentModel.DataAnnotations;
using MediatR;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Modules.Accounts.Contracts;
using Platform.Modules.Accounts.Domain;
using Platform.Modules.Shared;
using Platform.Modules.Shared.Events;

namespace Platform.Modules.Accounts.Features;

/// <summary>
/// An admin suspends a company (the Terms' promise, issue #17): its users' sessions end and they cannot sign in, Campaigns
/// pauses its sending (<see cref="CompanySuspended"/> from the outbox), and <see cref="CheckCompanyMaySpend"/> answers the
/// reason, so its API keys get a 403 that says why. STOP and HELP from its recipients keep working: inbound is not gated.
/// </summary>
internal sealed class SuspendCompany : IRequest<Unit>
{
    public Guid CompanyId { get; set; }

    [Required(ErrorMessage = "Say why the company is suspended: its users read it.")]
    [StringLength(500, ErrorMessage = "The reason can have at most 500 characters.")]
    public string Reason { get; set; } = string.Empty;
}

/// <summary>An admin lifts a suspension: its users may sign in again, API sends go on; its campaigns stay paused until an owner resumes them.</summary>
internal sealed record ReinstateCompany(Guid CompanyId) : IRequest<Unit>;

internal sealed class CompanyStandingHandlers(
    AccountsDbContext db,
    ITenantContext tenant,
    IUserSessions sessions,
    CompanyStandingCache cache,
    IMediator mediator,
    PublicLinks links,
    TimeProvider clock) : IRequestHandler<SuspendCompany, Unit>, IRequestHandler<ReinstateCompany, Unit>
{
    public async Task<Unit> Handle(SuspendCompany request, CancellationToken cancellationToken)
    {
        var reason = request.Reason.Trim();
        var company = await FindAsync(request.CompanyId, cancellationToken);
        if (company.SuspendedAt is not null)
        {
            throw new RequestValidationException(string.Empty, $"{company.Name} is already suspended.");
        }

        var now = clock.GetUtcNow();
        company.SuspendedAt = now;
        company.SuspensionReason = reason;
        await RecordAsync(company.Id, CompanyStandingChange.Suspended, reason, new CompanySuspended(company.Id, reason), now, cancellationToken);

        // This node stops answering "may spend" at once; the others within CompanyStandingCache.For.
        cache.Forget(company.Id);
        var users = await db.Users.Where(u => u.CompanyId == company.Id).Select(u => new { u.Id, u.Email, u.FirstName, u.Surname, u.CompanyRole }).ToListAsync(cancellationToken);
        foreach (var user in users)
        {
            await sessions.EndAllAsync(user.Id, keepCurrent: false, cancellationToken);
        }

        foreach (var owner in users.Where(u => u.CompanyRole == CompanyRoles.Owner && u.Email is not null))
        {
            await mediator.Send(new SendEmail(
                owner.Email!,
                $"{owner.FirstName} {owner.Surname}",
                $"{company.Name}'s Platform account is suspended",
                new EmailBody(
                    "Your company's account is suspended",
                    [
                        $"Hello {owner.FirstName},",
                        $"We have suspended {company.Name}'s account on Platform. The reason: {reason}",
                        "While it is suspended nobody in your company can sign in, your campaigns are paused and your API keys are refused. People who text STOP or HELP to your messages are still answered and opted out.",
                        "Reply to this email if you think this is a mistake or once the reason is resolved.",
                    ]),
                "accounts.company-suspended",
                $"accounts.company-suspended:{company.Id}:{owner.Id}:{now:O}"), cancellationToken);
        }

        return Unit.Value;
    }

    public async Task<Unit> Handle(ReinstateCompany request, CancellationToken cancellationToken)
    {
        var company = await FindAsync(request.CompanyId, cancellationToken);
        if (company.SuspendedAt is null)
        {
            throw new RequestValidationException(string.Empty, $"{company.Name} is not suspended.");
        }

        var now = clock.GetUtcNow();
        company.SuspendedAt = null;
        company.SuspensionReason = null;
        await RecordAsync(company.Id, CompanyStandingChange.Lifted, null, new CompanyReinstated(company.Id), now, cancellationToken);

        var owners = await db.Users.Where(u => u.CompanyId == company.Id && u.CompanyRole == CompanyRoles.Owner && u.Email != null)
            .Select(u => new { u.Id, u.Email, u.FirstName, u.Surname }).ToListAsync(cancellationToken);
        foreach (var owner in owners)
        {
            await mediator.Send(new SendEmail(
                owner.Email!,
                $"{owner.FirstName} {owner.Surname}",
                $"{company.Name}'s Platform account is active again",
                new EmailBody(
                    "Your company's account is active again",
                    [
                        $"Hello {owner.FirstName},",
                        $"We have lifted the suspension of {company.Name}'s account: you and your team can sign in, and your API keys work again.",
                        "Your campaigns stay paused until you resume them, so nothing is sent before you have looked.",
                    ],
                    new EmailAction("Open your campaigns", links.To("/Campaigns"))),
                "accounts.company-reinstated",
                $"accounts.company-reinstated:{company.Id}:{owner.Id}:{now:O}"), cancellationToken);
        }

        return Unit.Value;
    }

    private async Task<Company> FindAsync(Guid companyId, CancellationToken cancellationToken) =>
        await db.Companies.SingleOrDefaultAsync(c => c.Id == companyId, cancellationToken)
        ?? throw new RequestValidationException(string.Empty, "That company does not exist.");

    /// <summary>The company's change, its audit row and its event for the other modules: one transaction, so none is without the others.</summary>
    private async Task RecordAsync(Guid companyId, string action, string? reason, IntegrationEvent announcement, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.CompanyStandingChanges.Add(new CompanyStandingChange
        {
            Id = Guid.CreateVersion7(at),
            CompanyId = companyId,
            Action = action,
            Reason = reason,
            AdminUserId = tenant.UserId,
            At = at,
        });
        await db.SaveChangesAsync(cancellationToken);
        await Outbox.AddAsync(db, announcement, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}

/// <summary>What the admin page lists: companies by name, with their standing.</summary>
internal sealed record CompanyListItem(Guid Id, string Name, string Country, DateTimeOffset CreatedAt, bool Confirmed, DateTimeOffset? SuspendedAt, string? SuspensionReason);

/// <summary>Companies whose name contains the text (all when empty), by name, at most <see cref="Limit"/>.</summary>
internal sealed record FindCompanies(string? Name) : IRequest<IReadOnlyList<CompanyListItem>>
{
    public const int Limit = 100;
}

internal sealed class FindCompaniesHandler(AccountsDbContext db) : IRequestHandler<FindCompanies, IReadOnlyList<CompanyListItem>>
{
    public async Task<IReadOnlyList<CompanyListItem>> Handle(FindCompanies request, CancellationToken cancellationToken)
    {
        return await CompanyNameSearch.Matching(db.Companies.AsNoTracking(), request.Name).OrderBy(c => c.Name).Take(FindCompanies.Limit)
            .Select(c => new CompanyListItem(c.Id, c.Name, c.Country, c.CreatedAt, c.ConfirmedAt != null, c.SuspendedAt, c.SuspensionReason))
            .ToListAsync(cancellationToken);
    }
}

/// <summary>One company as the admin page lists it; null when there is none.</summary>
internal sealed record GetCompanyListItem(Guid CompanyId) : IRequest<CompanyListItem?>;

internal sealed class GetCompanyListItemHandler(AccountsDbContext db) : IRequestHandler<GetCompanyListItem, CompanyListItem?>
{
    public Task<CompanyListItem?> Handle(GetCompanyListItem request, CancellationToken cancellationToken) =>
        db.Companies.AsNoTracking().Where(c => c.Id == request.CompanyId)
            .Select(c => new CompanyListItem(c.Id, c.Name, c.Country, c.CreatedAt, c.ConfirmedAt != null, c.SuspendedAt, c.SuspensionReason))
            .SingleOrDefaultAsync(cancellationToken);
}

/// <summary>A company's suspensions and lifts, newest first, with the admin's email.</summary>
internal sealed record GetStandingHistory(Guid CompanyId) : IRequest<IReadOnlyList<StandingHistoryItem>>;

internal sealed record StandingHistoryItem(string Action, string? Reason, string? AdminEmail, DateTimeOffset At);

internal sealed class GetStandingHistoryHandler(AccountsDbContext db) : IRequestHandler<GetStandingHistory, IReadOnlyList<StandingHistoryItem>>
{
    public async Task<IReadOnlyList<StandingHistoryItem>> Handle(GetStandingHistory request, CancellationToken cancellationToken) =>
        await (from change in db.CompanyStandingChanges.AsNoTracking()
               where change.CompanyId == request.CompanyId
               join admin in db.Users.AsNoTracking() on change.AdminUserId equals admin.Id into admins
               from admin in admins.DefaultIfEmpty()
               orderby change.At descending
               select new StandingHistoryItem(change.Action, change.Reason, admin == null ? null : admin.Email, change.At))
            .Take(50).ToListAsync(cancellationToken);
}

/// <summary>
/// Identity's sign-in with the suspension rule: a user of a suspended company is "not allowed" (also at the second step
/// of a two-factor sign-in and when a session is refreshed). The login page then says why, once the password was right.
/// </summary>
internal sealed class CompanySignInManager(
    UserManager<PlatformUser> users,
    IHttpContextAccessor contextAccessor,
    IUserClaimsPrincipalFactory<PlatformUser> claimsFactory,
    IOptions<IdentityOptions> options,
    ILogger<SignInManager<PlatformUser>> logger,
    IAuthenticationSchemeProvider schemes,
    IUserConfirmation<PlatformUser> confirmation,
    AccountsDbContext db)
    : SignInManager<PlatformUser>(users, contextAccessor, claimsFactory, options, logger, schemes, confirmation)
{
    public override async Task<bool> CanSignInAsync(PlatformUser user) =>
        await base.CanSignInAsync(user)
        && (user.CompanyId is not { } companyId || !await db.Companies.AnyAsync(c => c.Id == companyId && c.SuspendedAt != null));

    /// <summary>The suspension's reason for the user's company, or null when it is not suspended.</summary>
    public async Task<string?> SuspensionOfAsync(PlatformUser user) =>
        user.CompanyId is { } companyId
            ? await db.Companies.Where(c => c.Id == companyId && c.SuspendedAt != null).Select(c => CompanyStanding.Suspended(c.SuspensionReason)).SingleOrDefaultAsync()
            : null;
}
