using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Platform.Modules.Shared;
using Platform.Modules.Accounts.Features;

namespace Platform.Modules.Accounts.Areas.Accounts.Pages;

/// <summary>
/// The public Security page (issue #17): what the platform really does to keep accounts safe. Every number on it comes
/// from the setting or constant the code uses, so the page cannot drift from the behaviour.
/// </summary>
[AllowAnonymous]
internal sealed class SecurityPracticesModel(IOptions<AccountsOptions> options, IConfiguration configuration) : PageModel
{
    public int MaxFailedAttempts => options.Value.MaxFailedAccessAttempts;

    public double LockoutMinutes => options.Value.LockoutDuration.TotalMinutes;

    public double InvitationRetentionDays => options.Value.InvitationRetention.TotalDays;

    public int PasswordMinimumLength => AccountPasswords.MinimumLength;

    public double SessionIdleHours => AccountSessions.IdleLifetime.TotalHours;

    /// <summary>How long another of our servers may still accept a session that was ended (ADR 39); zero: none.</summary>
    public double SessionMemorySeconds => configuration.SessionMemory().TotalSeconds;

    public string ConfirmationLinkLifetime => AddressConfirmationLinks.LifetimeText;

    public string ResetLinkLifetime => PasswordResetLinks.LifetimeText;

    public void OnGet()
    {
    }
}
