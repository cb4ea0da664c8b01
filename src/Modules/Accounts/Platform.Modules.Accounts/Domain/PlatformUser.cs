using Platform.Modules.Shared;

namespace Platform.Modules.Accounts.Domain;

/// <summary>
/// A person who signs in to the business side: a company's Owner or Member, or a platform admin (no company).
/// The Identity base properties that hold personal data are overridden only to declare them.
/// </summary>
internal sealed class PlatformUser : Microsoft.AspNetCore.Identity.IdentityUser<Guid>
{
    public Guid? CompanyId { get; set; }

    public string? CompanyRole { get; set; }

    [PersonalData(PersonalDataCategory.Identity, "Addressing the user in the app", "Until the account is deleted")]
    public string FirstName { get; set; } = string.Empty;

    [PersonalData(PersonalDataCategory.Identity, "Addressing the user in the app", "Until the account is deleted")]
    public string Surname { get; set; } = string.Empty;

    [PersonalData(PersonalDataCategory.Contact, "Billing address and fraud checks", "Until the account is deleted")]
    public string PostalCode { get; set; } = string.Empty;

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The optional notices (<c>CompanyNotices</c>) the user turned off; empty: they get them all.</summary>
    public string[] MutedNotices { get; set; } = [];

    /// <summary>The privacy policy version this user accepted (at registration or when accepting an invitation); null for platform staff.</summary>
    [PersonalData(PersonalDataCategory.Account, "Showing which privacy policy version the user accepted, and when", "Until the account is deleted")]
    public string? TermsVersion { get; set; }

    public DateTimeOffset? TermsAcceptedAt { get; set; }

    /// <summary>The policy version this user was last emailed about (<c>AnnouncePolicyJob</c>); null: none yet.</summary>
    public string? PolicyAnnounced { get; set; }

    [PersonalData(PersonalDataCategory.Contact, "Signing in and account notices", "Until the account is deleted")]
    public override string? UserName { get => base.UserName; set => base.UserName = value; }

    [PersonalData(PersonalDataCategory.Contact, "Signing in (normalised for lookup)", "Until the account is deleted")]
    public override string? NormalizedUserName { get => base.NormalizedUserName; set => base.NormalizedUserName = value; }

    [PersonalData(PersonalDataCategory.Contact, "Signing in and account notices", "Until the account is deleted")]
    public override string? Email { get => base.Email; set => base.Email = value; }

    [PersonalData(PersonalDataCategory.Contact, "Signing in (normalised for lookup)", "Until the account is deleted")]
    public override string? NormalizedEmail { get => base.NormalizedEmail; set => base.NormalizedEmail = value; }

    [PersonalData(PersonalDataCategory.Contact, "Account security notices by SMS", "Until the account is deleted")]
    public override string? PhoneNumber { get => base.PhoneNumber; set => base.PhoneNumber = value; }
}
