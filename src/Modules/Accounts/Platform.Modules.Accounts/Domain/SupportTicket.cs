using Platform.Modules.Shared;

namespace Platform.Modules.Accounts.Domain;

internal static class TicketStatus
{
    /// <summary>Waiting for the platform's staff.</summary>
    public const string Open = "Open";

    /// <summary>Staff answered; waiting for the person.</summary>
    public const string Answered = "Answered";

    public const string Closed = "Closed";
}

/// <summary>A support request (Migrations/0011_helpdesk.sql): from the Contact page (a visitor) or a signed-in business user.</summary>
internal sealed class SupportTicket
{
    public Guid Id { get; set; }

    /// <summary>What the person and staff call it ("#1042"); from a sequence, so it says nothing about other tickets' owners.</summary>
    public long Number { get; set; }

    public Guid? CompanyId { get; set; }

    public Guid? UserId { get; set; }

    [PersonalData(PersonalDataCategory.Identity, "Answering your support request", "2 years after the ticket is closed, and at once when you erase your account",
        SeenBy = "Platform support staff")]
    public required string Name { get; set; }

    [PersonalData(PersonalDataCategory.Contact, "Answering your support request by email", "2 years after the ticket is closed, and at once when you erase your account",
        SeenBy = "Platform support staff")]
    public required string Email { get; set; }

    public required string Subject { get; set; }

    public string Status { get; set; } = TicketStatus.Open;

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset? ClosedAt { get; set; }
}

/// <summary>One message of a ticket's thread, from the person or from staff.</summary>
internal sealed class SupportMessage
{
    public Guid Id { get; set; }

    public Guid TicketId { get; set; }

    public bool FromStaff { get; set; }

    public Guid? AuthorId { get; set; }

    [PersonalData(PersonalDataCategory.Communication, "Answering your support request", "2 years after the ticket is closed, and at once when you erase your account",
        SeenBy = "Platform support staff")]
    public required string Body { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A file attached to a message: its content type comes from its first bytes (UploadedDocuments).</summary>
internal sealed class SupportAttachment
{
    public Guid Id { get; set; }

    public Guid MessageId { get; set; }

    public required string FileName { get; set; }

    public required string ContentType { get; set; }

    [PersonalData(PersonalDataCategory.Communication, "Answering your support request (a file you attached)", "2 years after the ticket is closed, and at once when you erase your account",
        SeenBy = "Platform support staff")]
    public required byte[] Content { get; set; }
}
