using Platform.Modules.Shared;

namespace Platform.Modules.Accounts;

/// <summary>Settings under <c>Platform:Accounts</c>.</summary>
internal sealed class AccountsOptions
{
    public const string Section = "Platform:Accounts";

    /// <summary>The version of the terms and privacy policy a registering company accepts (recorded with it).</summary>
    public string TermsVersion { get; set; } = PrivacyPolicyVersion.Current;

    /// <summary>How long an invitation link works.</summary>
    public TimeSpan InvitationLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How long an expired or used invitation (it holds an email address) is kept before it is purged.</summary>
    public TimeSpan InvitationRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Failed sign-ins before the account is locked.</summary>
    public int MaxFailedAccessAttempts { get; set; } = 5;

    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);
}
