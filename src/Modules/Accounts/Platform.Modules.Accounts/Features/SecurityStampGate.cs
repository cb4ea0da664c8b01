using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Platform.Modules.Accounts.Features;

/// <summary>
/// Identity re-checks a session's security stamp once per <see cref="SecurityStampValidatorOptions.ValidationInterval"/>
/// (30 minutes), but its cookie event builds the whole validator first on every request — a SignInManager, a UserManager
/// with its validators and hasher, the user store and an AccountsDbContext — only to find the check is not due. That showed
/// in a profile of the campaign page on an idle host (issue 13; the page's before/after is in docs/benchmarks.md). This gate asks the same question first, with the
/// same clock and interval, and calls Identity's validator only when it would act: a ticket without an issue time, or
/// one issued longer ago than the interval. So the check runs exactly as often as before, and costs nothing in between.
/// </summary>
internal static class SecurityStampGate
{
    public static Func<CookieValidatePrincipalContext, Task> Around(Func<CookieValidatePrincipalContext, Task> validate) => context =>
    {
        var options = context.HttpContext.RequestServices.GetRequiredService<IOptions<SecurityStampValidatorOptions>>().Value;
        return IsDue(context.Properties.IssuedUtc, (options.TimeProvider ?? TimeProvider.System).GetUtcNow(), options.ValidationInterval)
            ? validate(context)
            : Task.CompletedTask;
    };

    /// <summary>Identity's own rule (SecurityStampValidator.ValidateAsync): validate when the issue time is unknown or older than the interval.</summary>
    public static bool IsDue(DateTimeOffset? issuedUtc, DateTimeOffset now, TimeSpan interval) =>
        issuedUtc is not { } issued || now - issued > interval;
}
