using Platform.Modules.Shared;

namespace Platform.Modules.SenderIds.Domain;

internal static class ApplicationStatus
{
    public const string Draft = "Draft";
    public const string Submitted = "Submitted";
    public const string UnderReview = "UnderReview";
    public const string Approved = "Approved";
    public const string Rejected = "Rejected";
    public const string Revoked = "Revoked";

    public static readonly string[] All = [Draft, Submitted, UnderReview, Approved, Rejected, Revoked];

    public static string Display(string status) => status == UnderReview ? "Under review" : status;
}

internal static class SenderIdKind
{
    public const string Alphanumeric = "Alphanumeric";
    public const string Numeric = "Numeric";
}

internal static class DocumentKind
{
    public const string AuthorisationLetter = "AuthorisationLetter";
    public const string RegistrationCertificate = "RegistrationCertificate";

    public static string Display(string kind) => kind == AuthorisationLetter ? "Authorisation letter" : "Registration certificate";
}

/// <summary>A company's application for one Sender ID in a set of countries.</summary>
internal sealed class SenderIdApplication
{
    public Guid Id { get; set; }

    public Guid CompanyId { get; set; }

    /// <summary>As the company typed it (trimmed).</summary>
    public required string SenderId { get; set; }

    /// <summary>Upper case, E.164 for numbers: what uniqueness and checks compare.</summary>
    public required string SenderKey { get; set; }

    public required string Kind { get; set; }

    public required string[] Countries { get; set; }

    public required string UseCase { get; set; }

    public required string SampleMessages { get; set; }

    public required string RegistrationNumber { get; set; }

    public required string Status { get; set; }

    public string? DecisionReason { get; set; }

    public DateTimeOffset? DecidedAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? SubmittedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>A supporting document; the file lives under <see cref="Id"/> in the documents folder, never under its uploaded name.</summary>
internal sealed class SenderIdDocument
{
    public Guid Id { get; set; }

    public Guid ApplicationId { get; set; }

    public Guid CompanyId { get; set; }

    public required string Kind { get; set; }

    /// <summary>Detected from the content, never taken from the upload.</summary>
    public required string ContentType { get; set; }

    public long SizeBytes { get; set; }

    public DateTimeOffset UploadedAt { get; set; }

    public DateTimeOffset? PurgedAt { get; set; }
}

/// <summary>Who made a status change: someone of the applying company, or a platform reviewer.</summary>
internal static class TransitionActors
{
    public const string Company = "Company";
    public const string Admin = "Admin";
}

/// <summary>One status change of an application: who, when, why.</summary>
internal sealed class StatusTransition
{
    public long Id { get; set; }

    public Guid ApplicationId { get; set; }

    public string? FromStatus { get; set; }

    public required string ToStatus { get; set; }

    public Guid ActorId { get; set; }

    /// <summary><see cref="TransitionActors.Company"/> or <see cref="TransitionActors.Admin"/>.</summary>
    public required string ActorRole { get; set; }

    [PersonalData(PersonalDataCategory.Account, "Recording who made each change or decision on a Sender ID application", "As long as the application's decision record is kept")]
    public required string ActorEmail { get; set; }

    public string? Reason { get; set; }

    public DateTimeOffset At { get; set; }
}

/// <summary>Every time someone opened a supporting document.</summary>
internal sealed class DocumentAccess
{
    public long Id { get; set; }

    public Guid DocumentId { get; set; }

    public Guid ApplicationId { get; set; }

    public Guid UserId { get; set; }

    public bool AsAdmin { get; set; }

    public DateTimeOffset At { get; set; }
}

/// <summary>What the company is told in the app (a decision on one of its applications).</summary>
internal sealed class CompanyNotification
{
    public long Id { get; set; }

    public Guid CompanyId { get; set; }

    public Guid ApplicationId { get; set; }

    public required string Message { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
