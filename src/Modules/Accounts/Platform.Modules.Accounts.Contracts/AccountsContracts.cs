using MediatR;
using Platform.Modules.Shared;

namespace Platform.Modules.Accounts.Contracts;

/// <summary>What other modules may know about a company.</summary>
/// <param name="Country">
/// Where the company is, ISO 3166-1 alpha-2 ("GB", "US"): the default country for reading the numbers its people type
/// (<c>PhoneNumbers.Parse</c>) and showing them (<c>PhoneNumbers.Display</c>), and for tax and time-zone defaults.
/// </param>
/// <param name="Confirmed">Whether the owner has confirmed the registration's email address (until then the company may not send or buy).</param>
/// <param name="TaxId">Its VAT or other tax number as an Owner entered it on the profile (invoices print it); null: none.</param>
public sealed record CompanyDto(Guid Id, string Name, string MarketSector, DateTimeOffset CreatedAt, string Country, bool Confirmed, string? TaxId = null);

/// <summary>
/// Whether a company may spend now: send campaigns or API messages, buy credits. Answers null when it may, else the
/// reason to show the person or API caller (today: the owner has not confirmed the email address yet). The one home of
/// that rule; Campaigns and Billing ask it before they start anything that costs.
/// </summary>
public sealed record CheckCompanyMaySpend(Guid CompanyId) : IRequest<string?>;

/// <summary>Looks a company up by id; null when there is none.</summary>
public sealed record GetCompany(Guid CompanyId) : IRequest<CompanyDto?>;

/// <summary>
/// Whether the company's owner has confirmed the email address (the layout's banner asks on every page). A company, once
/// confirmed, stays confirmed, so Accounts answers from memory after the first yes. Null when there is no such company.
/// </summary>
public sealed record IsCompanyConfirmed(Guid CompanyId) : IRequest<bool?>;

/// <summary>The companies with these ids that exist, in one query (a page of names for a list of ids).</summary>
public sealed record GetCompanies(IReadOnlyCollection<Guid> CompanyIds) : IRequest<IReadOnlyList<CompanyDto>>;

/// <summary>Companies whose name contains <paramref name="NameContains"/> (any case), by name, at most <paramref name="Limit"/>: how admin pages find one.</summary>
public sealed record SearchCompanies(string NameContains, int Limit = 50) : IRequest<IReadOnlyList<CompanyDto>>;

/// <summary>
/// An admin suspended the company (from Accounts' outbox): Campaigns pauses its campaigns and API sends. Its users are
/// signed out and cannot sign in, and <see cref="CheckCompanyMaySpend"/> answers the reason; STOP and HELP from its
/// recipients keep working.
/// </summary>
public sealed record CompanySuspended(Guid CompanyId, string Reason) : IntegrationEvent;

/// <summary>An admin lifted the company's suspension: API sends go on; its campaigns stay paused until an owner resumes them.</summary>
public sealed record CompanyReinstated(Guid CompanyId) : IntegrationEvent;

/// <summary>Published once a company and its owner have been created (Billing grants trial credits on it).</summary>
public sealed record CompanyRegistered(Guid CompanyId, string CompanyName, Guid OwnerUserId) : IntegrationEvent;

/// <summary>
/// Creates the platform administrator if no user has that email yet; used by the demo seeder and by
/// operators bootstrapping a new installation. Returns the user id.
/// </summary>
/// <param name="AuthenticatorKey">
/// A base32 secret (at least 16 characters) the admin's authenticator is set up with, two-factor then on: the demo and
/// the tests sign in with codes computed from it. Without it the admin sets two-factor up at the first sign-in, before
/// any admin page opens (ADR 22).
/// </param>
public sealed record EnsurePlatformAdmin(string Email, string Password, string? AuthenticatorKey = null) : IRequest<Guid>;

/// <summary>
/// Creates a company with an owner if no user has the owner's email yet. Returns the company id. Without a
/// <paramref name="Country"/> the company is in the main country of the owner's mobile number's calling code
/// ("+1…": US), else GB.
/// </summary>
public sealed record EnsureCompanyWithOwner(
    string CompanyName,
    string MarketSector,
    string OwnerEmail,
    string OwnerPassword,
    string OwnerFirstName,
    string OwnerSurname,
    string OwnerMobile,
    string OwnerPostalCode,
    string? Country = null) : IRequest<Guid>;

/// <summary>
/// The optional email notices a company's users get, each of which a user may turn off on /Accounts/Notices. The module
/// where the thing happened words the notice and sends <see cref="NotifyCompany"/>; Accounts knows who wants it.
/// </summary>
public static class CompanyNotices
{
    public const string SenderIdSubmitted = "sender-id-submitted";
    public const string SenderIdDecided = "sender-id-decided";
    public const string CampaignNeedsAttention = "campaign-needs-attention";
    public const string InvitationAccepted = "invitation-accepted";
    public const string CampaignFinished = "campaign-finished";
    public const string PaymentReceived = "payment-received";
    public const string LowBalance = "low-balance";
    public const string PriceChange = "price-change";

    /// <summary>Every optional notice with what the preferences page calls it.</summary>
    public static readonly IReadOnlyList<(string Kind, string Label)> All =
    [
        (SenderIdSubmitted, "A Sender ID application was submitted for review"),
        (SenderIdDecided, "A Sender ID application is approved, rejected or revoked"),
        (CampaignNeedsAttention, "A campaign needs attention (it stopped: credits, Sender ID)"),
        (InvitationAccepted, "Someone accepted an invitation to the team"),
        (CampaignFinished, "A campaign finished sending (a summary of what was sent)"),
        (PaymentReceived, "A card payment was received (the receipt, with a link to the invoice)"),
        (LowBalance, "Available credits fell below the warning level set on the Billing page"),
        (PriceChange, "A price per SMS segment changes (announced before it applies)"),
    ];
}

/// <summary>
/// Emails a notice to the company's users who have not turned it off (<paramref name="Notice"/> is one of
/// <see cref="CompanyNotices"/>); the dedup key (per user) makes a repeated request harmless. Answers how many were emailed.
/// </summary>
/// <param name="ExceptUserId">A user the notice is about, who needs no email about it (the person who just joined).</param>
public sealed record NotifyCompany(
    Guid CompanyId, string Notice, string Subject, EmailBody Body, string DedupKey, Guid? ExceptUserId = null, IReadOnlyList<EmailAttachment>? Attachments = null) : IRequest<int>;

/// <summary>
/// A business user's own mobile number once they proved it is theirs with a code sent to it (Profile → Verify mobile), and
/// their first name; null when it is not verified (or they changed it since). Campaigns sends test messages only there.
/// </summary>
public sealed record GetVerifiedMobile(Guid UserId) : IRequest<VerifiedMobile?>;

public sealed record VerifiedMobile(string Phone, string FirstName);
