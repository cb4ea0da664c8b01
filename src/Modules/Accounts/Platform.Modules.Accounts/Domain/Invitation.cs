using Platform.Modules.Shared;

namespace Platform.Modules.Accounts.Domain;

/// <summary>
/// An Owner's invitation for someone to join their company. Only a SHA-256 of the token is stored, so a
/// database leak does not leak usable links.
/// </summary>
internal sealed class Invitation
{
    public Guid Id { get; set; }

    public Guid CompanyId { get; set; }

    [PersonalData(PersonalDataCategory.Contact, "Inviting a team member", "Deleted 30 days after it expires or is used")]
    public required string Email { get; set; }

    public required string Role { get; set; }

    public required string TokenHash { get; set; }

    public Guid InvitedByUserId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public DateTimeOffset? AcceptedAt { get; set; }
}
