using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;

namespace Platform.Modules.Accounts.Features;

/// <summary>
/// Platform admins must sign in with two factors (ADR 22). The admin policy asks for this requirement next to the role,
/// so every endpoint that policy guards — the Admin area's pages of every module and the Hangfire Dashboard — is gated in
/// one place, whatever its path. It is met by a session signed in with a second factor, not by the account's setting, so
/// a session from before 2FA was turned on does not count.
/// </summary>
internal sealed class AdminTwoFactorRequirement : AuthorizationHandler<AdminTwoFactorRequirement>, IAuthorizationRequirement
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, AdminTwoFactorRequirement requirement)
    {
        if (TwoFactor.SignedInWithTwoFactors(context.User))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// An admin refused only for the missing second factor is sent to set it up, and a company user refused only for terms
/// they have not accepted yet is sent to accept them (not to "access denied"); every other outcome is the framework's own answer.
/// </summary>
internal sealed class AdminTwoFactorRedirect : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler framework = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden
            && authorizeResult.AuthorizationFailure?.FailedRequirements.ToList() is { Count: > 0 } failed
            && failed.All(r => r is AdminTwoFactorRequirement))
        {
            context.Response.Redirect(TwoFactor.AdminRequiredPath);
            return Task.CompletedTask;
        }

        // A user refused only because the terms changed since they accepted them is asked to accept the new version.
        if (authorizeResult.Forbidden
            && authorizeResult.AuthorizationFailure?.FailedRequirements.ToList() is { Count: > 0 } unaccepted
            && unaccepted.All(r => r is PolicyAcceptedRequirement))
        {
            context.Response.Redirect($"{PolicyAcceptance.PagePath}?returnUrl={Uri.EscapeDataString(context.Request.Path + context.Request.QueryString)}");
            return Task.CompletedTask;
        }

        return framework.HandleAsync(next, context, policy, authorizeResult);
    }
}
