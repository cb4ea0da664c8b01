using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using MediatR;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Shared;
using Platform.Modules.Shared.Passwords;

namespace Platform.Modules.OptIns.Features;

/// <summary>
/// A subscriber's reset link: the account id and a fingerprint of the current password hash, protected with the
/// cluster's data-protection keys for <see cref="Lifetime"/>. No table: the link works on any host, and only once,
/// because setting a password changes the hash its fingerprint was taken from.
/// </summary>
internal sealed class SubscriberResetLinks(IDataProtectionProvider protection, PublicLinks links)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(2);

    public static string LifetimeText => $"{Lifetime.TotalHours:0} hours";

    public const string Expired = "This link has expired or was already used. Ask for a new one below.";

    private readonly ITimeLimitedDataProtector protector = protection.CreateProtector("Platform.OptIns.SubscriberPasswordReset").ToTimeLimitedDataProtector();

    public Uri For(Guid subscriberId, string passwordHash) =>
        links.To($"/OptIns/Me/ResetPassword?token={Uri.EscapeDataString(protector.Protect($"{subscriberId:N}|{Fingerprint(passwordHash)}", Lifetime))}");

    /// <summary>The account the token names, if it is genuine, in time, and the password has not changed since.</summary>
    public async Task<Domain.SubscriberAccount?> FindAsync(OptInsDbContext db, string token, CancellationToken cancellationToken)
    {
        string payload;
        try
        {
            payload = protector.Unprotect(token);
        }
        catch (CryptographicException)
        {
            return null; // tampered, expired or from other keys: the same answer to the person
        }

        var parts = payload.Split('|');
        if (parts.Length != 2 || !Guid.TryParseExact(parts[0], "N", out var subscriberId))
        {
            return null;
        }

        var account = await db.SubscriberAccounts.SingleOrDefaultAsync(a => a.SubscriberId == subscriberId, cancellationToken);
        return account is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Fingerprint(account.PasswordHash)), Encoding.ASCII.GetBytes(parts[1]))
            ? account
            : null;
    }

    private static string Fingerprint(string passwordHash) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(passwordHash)))[..32];
}

/// <summary>"Forgot your password?" for a subscriber: emails a reset link if an account has the address; answers nothing either way.</summary>
internal sealed class RequestSubscriberPasswordReset : IRequest<Unit>
{
    [Required(ErrorMessage = "Enter your email address.")]
    [EmailAddress(ErrorMessage = "Enter a valid email address, like name@example.com.")]
    [StringLength(256, ErrorMessage = "The email address can have at most 256 characters.")]
    public string Email { get; set; } = string.Empty;
}

internal sealed class RequestSubscriberPasswordResetHandler(OptInsDbContext db, SubscriberResetLinks resetLinks, IMediator mediator)
    : IRequestHandler<RequestSubscriberPasswordReset, Unit>
{
    public async Task<Unit> Handle(RequestSubscriberPasswordReset request, CancellationToken cancellationToken)
    {
        var email = request.Email.Trim().ToLower();
        var account = await db.SubscriberAccounts.AsNoTracking().SingleOrDefaultAsync(a => a.Email.ToLower() == email, cancellationToken);
        if (account is null)
        {
            return Unit.Value;
        }

        await mediator.Send(new SendEmail(
            account.Email,
            $"{account.FirstName} {account.Surname}",
            "Reset the password of your opt-ins account",
            new EmailBody(
                "Reset your password",
                [
                    $"Hello {account.FirstName},",
                    $"Someone asked to reset the password of the account where you manage your opt-ins. The link works once, for {SubscriberResetLinks.LifetimeText}.",
                    "If it was not you, ignore this email: your password stays as it is.",
                ],
                new EmailAction("Choose a new password", resetLinks.For(account.SubscriberId, account.PasswordHash))),
            "optins.password-reset",
            $"optins.password-reset:{Guid.NewGuid()}"), cancellationToken);
        return Unit.Value;
    }
}

internal sealed record CheckSubscriberResetLink(string Token) : IRequest<bool>;

internal sealed class CheckSubscriberResetLinkHandler(OptInsDbContext db, SubscriberResetLinks resetLinks) : IRequestHandler<CheckSubscriberResetLink, bool>
{
    public async Task<bool> Handle(CheckSubscriberResetLink request, CancellationToken cancellationToken) =>
        await resetLinks.FindAsync(db, request.Token, cancellationToken) is not null;
}

/// <summary>Sets a subscriber's new password with a reset link; the link then stops working, the account is unlocked and every session of the subscriber ends.</summary>
internal sealed class ResetSubscriberPassword : IRequest<Unit>
{
    public string Token { get; set; } = string.Empty;

    [Required(ErrorMessage = "Choose a password.")]
    [DataType(DataType.Password)]
    public string Password { get; set; } = string.Empty;

    [Required(ErrorMessage = "Type the password again to confirm it.")]
    [DataType(DataType.Password)]
    [Display(Name = "Confirm password")]
    public string ConfirmPassword { get; set; } = string.Empty;
}

internal sealed class ResetSubscriberPasswordValidator : IRequestValidator<ResetSubscriberPassword>
{
    public IEnumerable<ValidationError> Validate(ResetSubscriberPassword request) => SubscriberPasswords.Problems(request.Password, request.ConfirmPassword);
}

internal sealed class ResetSubscriberPasswordHandler(
    OptInsDbContext db, SubscriberResetLinks resetLinks, IMediator mediator, PublicLinks links, IUserSessions sessions, TimeProvider clock)
    : IRequestHandler<ResetSubscriberPassword, Unit>
{
    public async Task<Unit> Handle(ResetSubscriberPassword request, CancellationToken cancellationToken)
    {
        var account = await resetLinks.FindAsync(db, request.Token, cancellationToken)
            ?? throw new RequestValidationException(nameof(request.Token), SubscriberResetLinks.Expired);
        if (GuessablePasswords.Problem(request.Password, account.Email, account.FirstName, account.Surname) is { } guessable)
        {
            throw new RequestValidationException(nameof(request.Password), guessable);
        }

        account.PasswordHash = SubscriberPasswords.Hasher.HashPassword(account, request.Password);
        account.FailedLogins = 0;
        account.LockedUntil = null;
        account.UpdatedAt = clock.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);

        // Whoever was signed in (maybe with the old password) is signed out everywhere.
        await sessions.EndAllAsync(OptInsModule.SubscriberScheme, account.SubscriberId.ToString(), keepCurrent: false, cancellationToken);
        await SubscriberPasswordChanged.TellAsync(mediator, links, account, "with a reset link", cancellationToken);
        return Unit.Value;
    }
}

/// <summary>The "your password was changed" email after a reset, by link or by text: if it was not them, they know at once.</summary>
internal static class SubscriberPasswordChanged
{
    public static Task TellAsync(IMediator mediator, PublicLinks links, Domain.SubscriberAccount account, string how, CancellationToken cancellationToken) =>
        mediator.Send(new SendEmail(
            account.Email,
            $"{account.FirstName} {account.Surname}",
            "The password of your opt-ins account was changed",
            new EmailBody(
                "Your password was changed",
                [
                    $"Hello {account.FirstName},",
                    $"The password of the account where you manage your opt-ins was just changed {how}.",
                    "If it was not you, reset it again at once: someone may have access to your email or your phone.",
                ],
                new EmailAction("Log in", links.To("/OptIns/Me/Login"))),
            "optins.password-changed",
            $"optins.password-changed:{account.SubscriberId}:{account.UpdatedAt.ToUnixTimeMilliseconds()}"), cancellationToken);
}
