using System.ComponentModel.DataAnnotations;
using MediatR;
using Microsoft.AspNetCore.Identity;
using Platform.Modules.Accounts.Domain;
using Platform.Modules.Shared;

namespace Platform.Modules.Accounts.Features;

/// <summary>
/// "Forgot your password?": emails a reset link to the address if a business user has it. The caller answers the same
/// whether or not anyone has it (no enumeration), so this answers nothing.
/// </summary>
internal sealed class RequestPasswordReset : IRequest<Unit>
{
    [Required(ErrorMessage = "Enter your email address.")]
    [EmailAddress(ErrorMessage = "Enter a valid email address, like name@example.com.")]
    [StringLength(256, ErrorMessage = "The email address can have at most 256 characters.")]
    public string Email { get; set; } = string.Empty;
}

internal sealed class RequestPasswordResetHandler(UserManager<PlatformUser> users, IMediator mediator, PublicLinks links)
    : IRequestHandler<RequestPasswordReset, Unit>
{
    public async Task<Unit> Handle(RequestPasswordReset request, CancellationToken cancellationToken)
    {
        var user = await users.FindByEmailAsync(request.Email.Trim());
        if (user?.Email is not { } email)
        {
            return Unit.Value;
        }

        // Identity's token is signed with the cluster's data-protection keys and bound to the user's security stamp,
        // which a reset changes: a link works on any host, once, until PasswordResetLinks.Lifetime.
        var token = await users.GeneratePasswordResetTokenAsync(user);
        var link = links.To($"/Accounts/ResetPassword?user={user.Id}&token={Uri.EscapeDataString(token)}");
        await mediator.Send(new SendEmail(
            email,
            $"{user.FirstName} {user.Surname}",
            "Reset your Platform password",
            new EmailBody(
                "Reset your password",
                [
                    $"Hello {user.FirstName},",
                    $"Someone asked to reset the password of your Platform account. The link works once, for {PasswordResetLinks.LifetimeText}.",
                    "If it was not you, ignore this email: your password stays as it is.",
                ],
                new EmailAction("Choose a new password", link)),
            "accounts.password-reset",
            $"accounts.password-reset:{Guid.NewGuid()}"), cancellationToken);
        return Unit.Value;
    }
}

/// <summary>
/// How long a reset link works (Identity's data-protection token lifespan, set in <see cref="AccountsModule"/>), and what a
/// broken one is told. A link that no longer works is reported on the request's <c>Token</c>: the page shows this text then.
/// </summary>
internal static class PasswordResetLinks
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(2);

    public static string LifetimeText => $"{Lifetime.TotalHours:0} hours";

    public const string Expired = "This link has expired or was already used. Ask for a new one below.";
}

/// <summary>Whether a reset link still works, so the page can say so before the person types a new password.</summary>
internal sealed record CheckPasswordResetLink(Guid UserId, string Token) : IRequest<bool>;

internal sealed class CheckPasswordResetLinkHandler(UserManager<PlatformUser> users) : IRequestHandler<CheckPasswordResetLink, bool>
{
    public async Task<bool> Handle(CheckPasswordResetLink request, CancellationToken cancellationToken) =>
        await users.FindByIdAsync(request.UserId.ToString()) is { } user
        && await users.VerifyUserTokenAsync(user, users.Options.Tokens.PasswordResetTokenProvider, UserManager<PlatformUser>.ResetPasswordTokenPurpose, request.Token);
}

/// <summary>Sets a new password with a reset link's token; the link then stops working, the account is unlocked and every session of the user ends.</summary>
internal sealed class ResetPassword : IRequest<Unit>, INewPasswordInput
{
    public Guid UserId { get; set; }

    public string Token { get; set; } = string.Empty;

    public string Password { get; set; } = string.Empty;

    public string ConfirmPassword { get; set; } = string.Empty;
}

internal sealed class ResetPasswordValidator : IRequestValidator<ResetPassword>
{
    public IEnumerable<ValidationError> Validate(ResetPassword request) => NewPasswords.Problems(request, missing: true);
}

internal sealed class ResetPasswordHandler(UserManager<PlatformUser> users, IMediator mediator, PublicLinks links, IUserSessions sessions)
    : IRequestHandler<ResetPassword, Unit>
{
    public async Task<Unit> Handle(ResetPassword request, CancellationToken cancellationToken)
    {
        var user = await users.FindByIdAsync(request.UserId.ToString())
            ?? throw new RequestValidationException(nameof(request.Token), PasswordResetLinks.Expired);
        var result = await users.ResetPasswordAsync(user, request.Token, request.Password);
        if (!result.Succeeded)
        {
            throw new RequestValidationException(result.Errors
                .Select(e => e.Code == nameof(IdentityErrorDescriber.InvalidToken) ? new ValidationError(nameof(request.Token), PasswordResetLinks.Expired) : IdentityErrors.ToValidationError(e))
                .ToList());
        }

        // Whoever holds the mailbox holds the account: a reset also lifts a lockout (the person proved it is theirs).
        await users.SetLockoutEndDateAsync(user, null);
        await users.ResetAccessFailedCountAsync(user);

        // Whoever was signed in (maybe with the old password) is signed out everywhere: the reset is the account's new start.
        await sessions.EndAllAsync(user.Id, keepCurrent: false, cancellationToken);
        await mediator.Send(new SendEmail(
            user.Email!,
            $"{user.FirstName} {user.Surname}",
            "Your Platform password was changed",
            new EmailBody(
                "Your password was changed",
                [
                    $"Hello {user.FirstName},",
                    "The password of your Platform account was just changed with a reset link.",
                    "If it was not you, reset it again at once and tell us: someone may have access to your email.",
                ],
                new EmailAction("Log in", links.To("/Accounts/Login"))),
            "accounts.password-changed",
            $"accounts.password-changed:{user.Id}:{user.SecurityStamp}"), cancellationToken);
        return Unit.Value;
    }
}
