using System.ComponentModel.DataAnnotations;
using MediatR;
using Microsoft.AspNetCore.Identity;
using Platform.Modules.Accounts.Domain;
using Platform.Modules.Shared;

namespace Platform.Modules.Accounts.Features;

/// <summary>A business user's sessions (ADR 21): on the Identity cookie's scheme, by user id.</summary>
internal static class AccountSessions
{
    /// <summary>How long a sign-in lasts without a request (sliding): the cookie's lifetime, and what the Security page says.</summary>
    public static readonly TimeSpan IdleLifetime = PlatformCookies.BusinessSessionIdle;

    public static string Scheme => IdentityConstants.ApplicationScheme;

    public static Task<IReadOnlyList<UserSession>> ListAsync(this IUserSessions sessions, Guid userId, CancellationToken cancellationToken) =>
        sessions.ListAsync(Scheme, userId.ToString(), cancellationToken);

    public static Task<int> EndAllAsync(this IUserSessions sessions, Guid userId, bool keepCurrent, CancellationToken cancellationToken) =>
        sessions.EndAllAsync(Scheme, userId.ToString(), keepCurrent, cancellationToken);
}

/// <summary>
/// The signed-in user changes their password: the current one proves it is them. Their other sessions end (whoever
/// else held one may have known the old password); this browser gets a fresh session.
/// </summary>
internal sealed class ChangePassword : IRequest<Unit>, INewPasswordInput
{
    [Required(ErrorMessage = "Enter your current password.")]
    [DataType(DataType.Password)]
    [Display(Name = "Current password")]
    public string CurrentPassword { get; set; } = string.Empty;

    [DataType(DataType.Password)]
    [Display(Name = "New password")]
    public string Password { get; set; } = string.Empty;

    [DataType(DataType.Password)]
    [Display(Name = "Confirm the new password")]
    public string ConfirmPassword { get; set; } = string.Empty;
}

internal sealed class ChangePasswordValidator : IRequestValidator<ChangePassword>
{
    public IEnumerable<ValidationError> Validate(ChangePassword request) => NewPasswords.Problems(request, missing: true);
}

internal sealed class ChangePasswordHandler(UserManager<PlatformUser> users, SignInManager<PlatformUser> signIn, IUserSessions sessions, ITenantContext tenant)
    : IRequestHandler<ChangePassword, Unit>
{
    public async Task<Unit> Handle(ChangePassword request, CancellationToken cancellationToken)
    {
        var userId = tenant.UserId ?? throw new UnauthorizedAccessException("Sign in first.");
        var user = await users.FindByIdAsync(userId.ToString()) ?? throw new UnauthorizedAccessException("Sign in first.");
        var result = await users.ChangePasswordAsync(user, request.CurrentPassword, request.Password);
        if (!result.Succeeded)
        {
            throw new RequestValidationException(result.Errors
                .Select(e => e.Code == nameof(IdentityErrorDescriber.PasswordMismatch)
                    ? new ValidationError(nameof(request.CurrentPassword), "The current password is not right.")
                    : IdentityErrors.ToValidationError(e))
                .ToList());
        }

        // A new ticket for this browser (the security stamp changed), then every other session of the user ends.
        await signIn.RefreshSignInAsync(user);
        await sessions.EndAllAsync(userId, keepCurrent: true, cancellationToken);
        return Unit.Value;
    }
}
