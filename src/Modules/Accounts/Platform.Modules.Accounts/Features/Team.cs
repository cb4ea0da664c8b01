using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using MediatR;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Modules.Accounts.Contracts;
using Platform.Modules.Accounts.Domain;
using Platform.Modules.Shared;

namespace Platform.Modules.Accounts.Features;

internal sealed record TeamMember(Guid Id, string Name, string Email, string Role, bool IsLockedOut);

internal sealed record PendingInvitation(Guid Id, string Email, string Role, DateTimeOffset ExpiresAt);

internal sealed record TeamView(IReadOnlyList<TeamMember> Members, IReadOnlyList<PendingInvitation> Invitations);

/// <summary>The signed-in user's company's members and open invitations.</summary>
internal sealed record GetTeam : IRequest<TeamView>;

internal sealed class GetTeamHandler(AccountsDbContext db, ITenantContext tenant, TimeProvider clock) : IRequestHandler<GetTeam, TeamView>
{
    public async Task<TeamView> Handle(GetTeam request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        var now = clock.GetUtcNow();
        var members = await db.Users.AsNoTracking()
            .Where(u => u.CompanyId == companyId)
            .OrderBy(u => u.Surname).ThenBy(u => u.FirstName)
            .Select(u => new TeamMember(u.Id, u.FirstName + " " + u.Surname, u.Email ?? string.Empty, u.CompanyRole ?? CompanyRoles.Member, u.LockoutEnd != null && u.LockoutEnd > now))
            .ToListAsync(cancellationToken);
        var invitations = await db.Invitations.AsNoTracking()
            .Where(i => i.CompanyId == companyId && i.AcceptedAt == null && i.ExpiresAt > now)
            .OrderBy(i => i.CreatedAt)
            .Select(i => new PendingInvitation(i.Id, i.Email, i.Role, i.ExpiresAt))
            .ToListAsync(cancellationToken);
        return new TeamView(members, invitations);
    }
}

/// <summary>
/// An Owner invites someone: the invitation is emailed to them, and the answer is its link (shown once to the Owner as
/// well, to pass on another way; the token in it is stored hashed).
/// </summary>
internal sealed class InviteMember : IRequest<string>
{
    [Required(ErrorMessage = "Enter the email address to invite.")]
    [EmailAddress(ErrorMessage = "Enter a valid email address, like name@example.com.")]
    [StringLength(256, ErrorMessage = "The email address can have at most 256 characters.")]
    public string Email { get; set; } = string.Empty;

    [Required(ErrorMessage = "Choose a role.")]
    public string Role { get; set; } = CompanyRoles.Member;
}

internal sealed class InviteMemberValidator : IRequestValidator<InviteMember>
{
    public IEnumerable<ValidationError> Validate(InviteMember request)
    {
        if (!CompanyRoles.All.Contains(request.Role))
        {
            yield return new ValidationError(nameof(request.Role), "Choose Owner or Member.");
        }
    }
}

internal sealed class InviteMemberHandler(
    AccountsDbContext db,
    ITenantContext tenant,
    IOptions<AccountsOptions> options,
    TimeProvider clock,
    IMediator mediator,
    PublicLinks links) : IRequestHandler<InviteMember, string>
{
    public async Task<string> Handle(InviteMember request, CancellationToken cancellationToken)
    {
        if (!tenant.IsOwner)
        {
            throw new UnauthorizedAccessException("Only an Owner can invite team members.");
        }

        var companyId = tenant.RequireCompanyId();
        var email = request.Email.Trim();
        var normalized = email.ToUpperInvariant();
        // No "already has an account" answer (that would tell any Owner who is on the platform): the invitation is made
        // and the page answers the same; the address's holder is told by email instead, and the link cannot make a second account.
        var hasAccount = await db.Users.AnyAsync(u => u.NormalizedEmail == normalized, cancellationToken);

        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).Replace('+', '-').Replace('/', '_').TrimEnd('=');
        var now = clock.GetUtcNow();
        var invitation = new Invitation
        {
            Id = Guid.NewGuid(),
            CompanyId = companyId,
            Email = email,
            Role = request.Role,
            TokenHash = InvitationTokens.Hash(token),
            InvitedByUserId = tenant.UserId ?? Guid.Empty,
            CreatedAt = now,
            ExpiresAt = now + options.Value.InvitationLifetime,
        };
        db.Invitations.Add(invitation);
        await db.SaveChangesAsync(cancellationToken);

        var company = await db.Companies.AsNoTracking().Where(c => c.Id == companyId).Select(c => c.Name).SingleAsync(cancellationToken);
        var inviter = await db.Users.AsNoTracking().Where(u => u.Id == invitation.InvitedByUserId).Select(u => u.FirstName + " " + u.Surname).SingleOrDefaultAsync(cancellationToken);
        var link = links.To($"/Accounts/AcceptInvitation?token={Uri.EscapeDataString(token)}");
        var role = request.Role == CompanyRoles.Owner ? "an Owner" : "a Member";
        await mediator.Send(hasAccount
            ? new SendEmail(
                email,
                null,
                $"{inviter ?? company} tried to add you to {company} on Platform",
                new EmailBody(
                    $"An invitation to {company}",
                    [
                        $"{inviter ?? "The owner of " + company} invited this address to join {company} on Platform as {role}.",
                        "This address already has a Platform account, and an address belongs to one company, so nothing changed. If you want to join, ask them to invite another address of yours.",
                    ],
                    new EmailAction("Log in", links.To("/Accounts/Login"))),
                "accounts.invitation-existing",
                $"accounts.invitation:{invitation.Id}")
            : new SendEmail(
                email,
                null,
                $"{inviter ?? company} invited you to {company} on Platform",
                new EmailBody(
                    $"Join {company} on Platform",
                    [
                        $"{inviter ?? "The owner of " + company} invited you to join {company} on Platform as {role}.",
                        $"The invitation works until {invitation.ExpiresAt:yyyy-MM-dd HH:mm} UTC. If you did not expect it, ignore this email.",
                    ],
                    new EmailAction("Accept the invitation", link)),
                "accounts.invitation",
                $"accounts.invitation:{invitation.Id}"), cancellationToken);
        return link.AbsoluteUri;
    }
}

internal static class InvitationTokens
{
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}

/// <summary>What the invitation page shows before the person accepts.</summary>
internal sealed record InvitationView(string CompanyName, string Email, string Role, string CompanyCountry);

internal sealed record GetInvitation(string Token) : IRequest<InvitationView?>;

internal sealed class GetInvitationHandler(AccountsDbContext db, TimeProvider clock) : IRequestHandler<GetInvitation, InvitationView?>
{
    public async Task<InvitationView?> Handle(GetInvitation request, CancellationToken cancellationToken)
    {
        var hash = InvitationTokens.Hash(request.Token);
        var now = clock.GetUtcNow();
        return await (from i in db.Invitations.AsNoTracking()
                      join c in db.Companies.AsNoTracking() on i.CompanyId equals c.Id
                      where i.TokenHash == hash && i.AcceptedAt == null && i.ExpiresAt > now
                      select new InvitationView(c.Name, i.Email, i.Role, c.Country)).SingleOrDefaultAsync(cancellationToken);
    }
}

/// <summary>The invited person sets up their account; the email is the invitation's.</summary>
internal sealed class AcceptInvitation : NewUserInput, IRequest<Guid>
{
    public string Token { get; set; } = string.Empty;

    [Range(typeof(bool), "true", "true", ErrorMessage = "Accept the terms and the privacy policy to join.")]
    [Display(Name = "I accept the terms and the privacy policy")]
    public bool AcceptTerms { get; set; }
}

internal sealed class AcceptInvitationValidator : IRequestValidator<AcceptInvitation>
{
    public IEnumerable<ValidationError> Validate(AcceptInvitation request) => request.NewUserProblems();
}

internal sealed class AcceptInvitationHandler(
    AccountsDbContext db, UserManager<PlatformUser> users, TimeProvider clock, IOptions<AccountsOptions> options, IMediator mediator, PublicLinks links)
    : IRequestHandler<AcceptInvitation, Guid>
{
    private const string InvalidLink = "This invitation link is not valid any more. Ask the company's Owner for a new one.";

    public async Task<Guid> Handle(AcceptInvitation request, CancellationToken cancellationToken)
    {
        var hash = InvitationTokens.Hash(request.Token);
        var now = clock.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

        // Row lock: two tabs accepting the same link must not create two users.
        var invitation = await db.Invitations
            .FromSqlInterpolated($"SELECT * FROM accounts.invitations WHERE token_hash = {hash} FOR UPDATE")
            .SingleOrDefaultAsync(cancellationToken);
        if (invitation is null || invitation.AcceptedAt is not null || invitation.ExpiresAt <= now)
        {
            throw new RequestValidationException(string.Empty, InvalidLink);
        }

        var user = new PlatformUser
        {
            Id = Guid.NewGuid(),
            UserName = invitation.Email,
            Email = invitation.Email,
            EmailConfirmed = true,
            CompanyId = invitation.CompanyId,
            CompanyRole = invitation.Role,
            CreatedAt = now,
            TermsVersion = options.Value.TermsVersion,
            TermsAcceptedAt = now,
        };
        request.CopyTo(user);
        var created = await users.CreateAsync(user, request.Password);
        if (!created.Succeeded)
        {
            await transaction.RollbackAsync(cancellationToken);
            // An address that has an account meanwhile (or had one when invited) gets the broken-link answer: the link is
            // the Owner's too, and "already has an account" would tell them who is on the platform.
            throw new RequestValidationException(created.Errors
                .Select(e => e.Code is nameof(IdentityErrorDescriber.DuplicateEmail) or nameof(IdentityErrorDescriber.DuplicateUserName)
                    ? new ValidationError(string.Empty, InvalidLink)
                    : IdentityErrors.ToValidationError(e))
                .DistinctBy(e => e.Message)
                .ToList());
        }

        invitation.AcceptedAt = now;
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        await mediator.Send(new NotifyCompany(
            invitation.CompanyId,
            CompanyNotices.InvitationAccepted,
            $"{user.FirstName} {user.Surname} joined your team",
            new EmailBody(
                "A new team member",
                [$"{user.FirstName} {user.Surname} ({user.Email}) accepted the invitation and joined your company as {invitation.Role}."],
                new EmailAction("See your team", links.To("/Accounts/Team"))),
            $"notice.invitation-accepted:{invitation.Id}",
            ExceptUserId: user.Id), cancellationToken);
        return user.Id;
    }
}
