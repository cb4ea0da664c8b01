using System.Collections.Concurrent;
using MediatR;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Modules.Accounts.Contracts;
using Platform.Modules.Accounts.Domain;
using Platform.Modules.Shared;

namespace Platform.Modules.Accounts.Features;

/// <summary>
/// How long a confirmation link works, and Identity's token provider for it: its own, because the default provider's
/// lifespan is the password reset's two hours, too short for a link a person may open the next morning.
/// </summary>
internal static class AddressConfirmationLinks
{
    public const string ProviderName = "AddressConfirmation";

    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(3);

    public static string LifetimeText => $"{Lifetime.TotalDays:0} days";
}

internal sealed class AddressConfirmationTokenProviderOptions : DataProtectionTokenProviderOptions
{
    public AddressConfirmationTokenProviderOptions()
    {
        Name = AddressConfirmationLinks.ProviderName;
        TokenLifespan = AddressConfirmationLinks.Lifetime;
    }
}

/// <summary>Identity's data-protection tokens (signed with the cluster's keys, any host accepts them) with the confirmation's lifespan.</summary>
internal sealed class AddressConfirmationTokenProvider(
    IDataProtectionProvider dataProtection,
    IOptions<AddressConfirmationTokenProviderOptions> options,
    ILogger<DataProtectorTokenProvider<PlatformUser>> logger)
    : DataProtectorTokenProvider<PlatformUser>(dataProtection, options, logger);

/// <summary>Why a confirmation link is sent: the email's words differ, the link is the same.</summary>
internal enum AddressConfirmationReason
{
    Registration,
    Resend,
}

/// <summary>Emails a business user a link that confirms their address (<c>accounts.confirm-email</c>).</summary>
internal sealed record SendAddressConfirmation(Guid UserId, AddressConfirmationReason Reason) : IRequest<Unit>;

internal sealed class SendAddressConfirmationHandler(UserManager<PlatformUser> users, IMediator mediator, PublicLinks links, TimeProvider clock)
    : IRequestHandler<SendAddressConfirmation, Unit>
{
    public async Task<Unit> Handle(SendAddressConfirmation request, CancellationToken cancellationToken)
    {
        if (await users.FindByIdAsync(request.UserId.ToString()) is not { Email: { } email, EmailConfirmed: false } user)
        {
            return Unit.Value;
        }

        var token = await users.GenerateEmailConfirmationTokenAsync(user);
        var link = links.To($"/Accounts/ConfirmEmail?user={user.Id}&token={Uri.EscapeDataString(token)}");
        var opening = request.Reason == AddressConfirmationReason.Registration
            ? "Thank you for registering your company on Platform. Confirm that this is your email address, and your company can send campaigns and buy credits."
            : "Here is a new link to confirm your email address on Platform. Until you do, your company cannot send campaigns or buy credits.";

        // A resend button pressed again and again sends one email a minute: the dedup key is the minute's.
        var dedupKey = request.Reason == AddressConfirmationReason.Registration
            ? $"accounts.confirm-email:{user.Id}:registration"
            : $"accounts.confirm-email:{user.Id}:{clock.GetUtcNow():yyyyMMddHHmm}";
        await mediator.Send(new SendEmail(
            email,
            $"{user.FirstName} {user.Surname}",
            "Confirm your email address",
            new EmailBody(
                "Confirm your email address",
                [
                    $"Hello {user.FirstName},",
                    opening,
                    $"The link works for {AddressConfirmationLinks.LifetimeText}. If you did not register, ignore this email: nothing is sent in your name.",
                ],
                new EmailAction("Confirm my address", link)),
            "accounts.confirm-email",
            dedupKey), cancellationToken);
        return Unit.Value;
    }
}

/// <summary>
/// Opens a confirmation link: the user's address is confirmed, and an owner's confirmation is the company's (it may send
/// and buy from now). Answers whether the link worked; opening it again is harmless.
/// </summary>
internal sealed record ConfirmAddress(Guid UserId, string Token) : IRequest<bool>;

internal sealed class ConfirmAddressHandler(UserManager<PlatformUser> users, AccountsDbContext db, TimeProvider clock) : IRequestHandler<ConfirmAddress, bool>
{
    public async Task<bool> Handle(ConfirmAddress request, CancellationToken cancellationToken)
    {
        if (request.Token.Length is 0 or > 2000 || await users.FindByIdAsync(request.UserId.ToString()) is not { } user)
        {
            return false;
        }

        if (!user.EmailConfirmed && !(await users.ConfirmEmailAsync(user, request.Token)).Succeeded)
        {
            return false;
        }

        if (user.CompanyRole == CompanyRoles.Owner && user.CompanyId is { } companyId)
        {
            var now = clock.GetUtcNow();
            await db.Companies.Where(c => c.Id == companyId && c.ConfirmedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.ConfirmedAt, now), cancellationToken);
        }

        return true;
    }
}

/// <summary>
/// The rule "a company may spend" (<see cref="CheckCompanyMaySpend"/>): confirmed and not suspended. A company that may is
/// remembered for a short while, because the send API asks on every request (a suspension counts at once on the node
/// that made it, on the others within <see cref="CompanyStandingCache.For"/>); a company that may not is asked about
/// every time, so a confirmation or a lifted suspension counts at once.
/// </summary>
internal sealed class CompanyStanding(AccountsDbContext db, CompanyStandingCache cache, TimeProvider clock) : IRequestHandler<CheckCompanyMaySpend, string?>
{
    public const string Unconfirmed =
        "Confirm your company's email address first: the owner was emailed a link when registering (log in and choose \"Send the link again\" if it is lost).";

    public async Task<string?> Handle(CheckCompanyMaySpend request, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (cache.MaySpend(request.CompanyId, now))
        {
            return null;
        }

        var standing = await db.Companies.AsNoTracking().Where(c => c.Id == request.CompanyId)
            .Select(c => new { Confirmed = c.ConfirmedAt != null, Suspended = c.SuspendedAt != null, c.SuspensionReason })
            .SingleOrDefaultAsync(cancellationToken);
        if (standing is null)
        {
            return "That company does not exist.";
        }

        if (standing.Suspended)
        {
            return Suspended(standing.SuspensionReason);
        }

        if (!standing.Confirmed)
        {
            return Unconfirmed;
        }

        cache.Remember(request.CompanyId, now);
        return null;
    }

    public static string Suspended(string? reason) =>
        $"Your company's account is suspended ({reason ?? "no reason given"}). Reply to the email we sent your company's owners, or write to support.";
}

/// <summary>The companies known to be allowed to spend, each for <see cref="For"/> (a later suspension takes that long to count).</summary>
internal sealed class CompanyStandingCache
{
    public static readonly TimeSpan For = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<Guid, DateTimeOffset> maySpendUntil = new();

    public bool MaySpend(Guid companyId, DateTimeOffset now) => maySpendUntil.TryGetValue(companyId, out var until) && until > now;

    public void Remember(Guid companyId, DateTimeOffset now) => maySpendUntil[companyId] = now + For;

    public void Forget(Guid companyId) => maySpendUntil.TryRemove(companyId, out _);
}

/// <summary>
/// The companies known to be confirmed. Confirmation only ever moves one way (<c>confirmed_at</c> is set once, by the
/// owner's link or at registration, and never cleared), so a yes read once stays true on every node and needs no expiry:
/// the layout's banner check on every page of a confirmed company costs no query. A no is never remembered, so the
/// banner goes at the first page after the link is opened, on any node. One entry per confirmed company seen by this host.
/// </summary>
internal sealed class ConfirmedCompanies
{
    private readonly ConcurrentDictionary<Guid, byte> confirmed = new();

    public bool Contains(Guid companyId) => confirmed.ContainsKey(companyId);

    public void Add(Guid companyId) => confirmed.TryAdd(companyId, 0);
}

internal sealed class IsCompanyConfirmedHandler(AccountsDbContext db, ConfirmedCompanies cache) : IRequestHandler<IsCompanyConfirmed, bool?>
{
    public async Task<bool?> Handle(IsCompanyConfirmed request, CancellationToken cancellationToken)
    {
        if (cache.Contains(request.CompanyId))
        {
            return true;
        }

        var company = await db.Companies.AsNoTracking().Where(c => c.Id == request.CompanyId)
            .Select(c => new { Confirmed = c.ConfirmedAt != null }).SingleOrDefaultAsync(cancellationToken);
        if (company is { Confirmed: true })
        {
            cache.Add(request.CompanyId);
        }

        return company?.Confirmed;
    }
}
