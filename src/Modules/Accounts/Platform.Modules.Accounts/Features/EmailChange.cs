using System.ComponentModel.DataAnnotations;
using MediatR;
using Microsoft.AspNetCore.Identity;
using Platform.Modules.Accounts.Domain;
using Platform.Modules.Shared;

namespace Platform.Modules.Accounts.Features;

/// <summary>
/// A business user changes their email address (issue #17): the current password proves it is them, a link to the new
/// address proves they hold it, and nothing changes until it is opened. The old address is told at once, so a stolen
/// session cannot move the account away quietly.
/// </summary>
internal sealed class RequestEmailChange : IRequest<Unit>
{
    [Required(ErrorMessage = "Enter the new email address.")]
    [EmailAddress(ErrorMessage = "Enter a valid email address, like name@example.com.")]
    [StringLength(256, ErrorMessage = "The email address can have at most 256 characters.")]
    [Display(Name = "New email address")]
    public string NewEmail { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter your current password.")]
    [DataType(DataType.Password)]
    [Display(Name = "Current password")]
    public string CurrentPassword { get; set; } = string.Empty;
}

internal sealed class RequestEmailChangeHandler(UserManager<PlatformUser> users, ITenantContext tenant, IMediator mediator, PublicLinks links, TimeProvider clock)
    : IRequestHandler<RequestEmailChange, Unit>
{
    public async Task<Unit> Handle(RequestEmailChange request, CancellationToken cancellationToken)
    {
        var user = await users.FindByIdAsync((tenant.UserId ?? throw new UnauthorizedAccessException("Sign in first.")).ToString())
            ?? throw new UnauthorizedAccessException("Sign in first.");
        if (!await users.CheckPasswordAsync(user, request.CurrentPassword))
        {
            throw new RequestValidationException(nameof(request.CurrentPassword), "That is not your current password.");
        }

        var newEmail = request.NewEmail.Trim();
        if (string.Equals(newEmail, user.Email, StringComparison.OrdinalIgnoreCase))
        {
            throw new RequestValidationException(nameof(request.NewEmail), "That is already your email address.");
        }

        // An address another account has gets no link and no "taken" on the page (that would tell who is a customer): the
        // answer is the same, and the link, had it been sent, could not have changed anything.
        if (await users.FindByEmailAsync(newEmail) is null)
        {
            var token = await users.GenerateChangeEmailTokenAsync(user, newEmail);
            var link = links.To($"/Accounts/ConfirmEmailChange?user={user.Id}&email={Uri.EscapeDataString(newEmail)}&token={Uri.EscapeDataString(token)}");
            await mediator.Send(new SendEmail(
                newEmail,
                $"{user.FirstName} {user.Surname}",
                "Confirm your new email address",
                new EmailBody(
                    "Confirm your new email address",
                    [
                        $"Hello {user.FirstName},",
                        $"You asked to sign in to Platform with this address from now on. The link works once, for {PasswordResetLinks.LifetimeText}.",
                        "If it was not you, ignore this email: nothing changes.",
                    ],
                    new EmailAction("Use this address", link)),
                "accounts.change-email",
                $"accounts.change-email:{user.Id}:{Guid.NewGuid()}"), cancellationToken);
        }

        await mediator.Send(new SendEmail(
            user.Email!,
            $"{user.FirstName} {user.Surname}",
            "Someone asked to change your email address",
            new EmailBody(
                "A change of email address was asked for",
                [
                    $"Hello {user.FirstName},",
                    $"Someone signed in to your Platform account asked to change its email address to {newEmail}. Nothing changes until that address confirms it.",
                    "If it was not you, change your password and sign out everywhere at once.",
                ],
                new EmailAction("Password and sessions", links.To("/Accounts/Security"))),
            "accounts.change-email-asked",
            $"accounts.change-email-asked:{user.Id}:{clock.GetUtcNow():yyyyMMddHHmm}"), cancellationToken);
        return Unit.Value;
    }
}

/// <summary>Opens the link sent to the new address: the address (and the sign-in name) change, the user's sessions end. Answers whether it worked.</summary>
internal sealed record ConfirmEmailChange(Guid UserId, string NewEmail, string Token) : IRequest<bool>;

internal sealed class ConfirmEmailChangeHandler(UserManager<PlatformUser> users, IUserSessions sessions, IMediator mediator) : IRequestHandler<ConfirmEmailChange, bool>
{
    public async Task<bool> Handle(ConfirmEmailChange request, CancellationToken cancellationToken)
    {
        if (request.Token.Length is 0 or > 2000 || request.NewEmail.Length is 0 or > 256
            || await users.FindByIdAsync(request.UserId.ToString()) is not { Email: { } oldEmail } user)
        {
            return false;
        }

        // The token is bound to the user, the new address and the security stamp (which the change renews): it works once.
        var changed = await users.ChangeEmailAsync(user, request.NewEmail, request.Token);
        if (!changed.Succeeded)
        {
            return false;
        }

        // The sign-in name is the address.
        await users.SetUserNameAsync(user, request.NewEmail);
        await sessions.EndAllAsync(user.Id, keepCurrent: false, cancellationToken);
        await mediator.Send(new SendEmail(
            oldEmail,
            $"{user.FirstName} {user.Surname}",
            "Your email address was changed",
            new EmailBody(
                "Your email address was changed",
                [
                    $"Hello {user.FirstName},",
                    $"Your Platform account now signs in with {request.NewEmail}; this address gets no more email from it.",
                    "If it was not you, write to support at once.",
                ]),
            "accounts.email-changed",
            $"accounts.email-changed:{user.Id}:{request.NewEmail.ToLowerInvariant()}"), cancellationToken);
        return true;
    }
}
