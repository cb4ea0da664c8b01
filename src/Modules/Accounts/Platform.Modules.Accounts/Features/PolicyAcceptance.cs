using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace Platform.Modules.Accounts.Features;

/// <summary>
/// A new version of the terms and privacy policy (<see cref="AccountsOptions.TermsVersion"/>) is accepted by each
/// business user before they use the company's pages again: the version a user accepted rides on their session as a
/// claim, so the check costs no query; a session signed in before the claim existed passes until its next sign-in.
/// </summary>
internal static class PolicyAcceptance
{
    public const string Claim = "platform:terms_version";

    public const string PagePath = "/Accounts/AcceptPolicy";

    /// <summary>The claim's value for a user: the version they accepted, empty when none is recorded (older members).</summary>
    public static Claim For(string? acceptedVersion) => new(Claim, acceptedVersion ?? string.Empty);

    /// <summary>True unless the session names an accepted version that is not the current one.</summary>
    public static bool IsCurrent(ClaimsPrincipal user, string currentVersion) =>
        user.FindFirst(Claim) is not { } accepted || string.Equals(accepted.Value, currentVersion, StringComparison.Ordinal);
}

/// <summary>Part of the company-user policy: the session's user has accepted the current terms and privacy policy.</summary>
internal sealed class PolicyAcceptedRequirement : IAuthorizationRequirement;

internal sealed class PolicyAcceptedHandler(IOptions<AccountsOptions> options) : AuthorizationHandler<PolicyAcceptedRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, PolicyAcceptedRequirement requirement)
    {
        if (PolicyAcceptance.IsCurrent(context.User, options.Value.TermsVersion))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
