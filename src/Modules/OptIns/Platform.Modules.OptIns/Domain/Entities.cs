using Platform.Modules.Shared;

namespace Platform.Modules.OptIns.Domain;

/// <summary>A company's keyword ("code") on one platform number; people text it to opt in.</summary>
internal sealed class Keyword
{
    public Guid Id { get; set; }

    public Guid CompanyId { get; set; }

    public required string PlatformNumber { get; set; }

    /// <summary>Upper case, so the unique index is case-insensitive.</summary>
    public required string Word { get; set; }

    public required string Description { get; set; }

    public required string AutoReply { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset? DeletedAt { get; set; }
}

/// <summary>One shard of a keyword's counters; the keyword's numbers are the sum of its shards.</summary>
internal sealed class KeywordCounter
{
    public Guid KeywordId { get; set; }

    public short Shard { get; set; }

    public int OptedIn { get; set; }

    public int OptedOut { get; set; }

    public long Requests { get; set; }
}

/// <summary>A person, known by their mobile number from their first text, and their pseudonymous user code.</summary>
internal sealed class Subscriber
{
    public Guid Id { get; set; }

    [PersonalData(PersonalDataCategory.Contact, "Receiving the opt-in confirmations and messages the person asked for", "Until the subscriber asks for erasure")]
    public required string Phone { get; set; }

    /// <summary>The 6-character pseudonym companies see instead of the phone number.</summary>
    public required string UserCode { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset LastSeenAt { get; set; }
}

/// <summary>A subscriber's web account: optional, created when they register with their code and number.</summary>
internal sealed class SubscriberAccount
{
    public Guid SubscriberId { get; set; }

    [PersonalData(PersonalDataCategory.Contact, "Signing in and account notices", "Until the account is deleted")]
    public required string Email { get; set; }

    [PersonalData(PersonalDataCategory.Identity, "Addressing the subscriber in their account", "Until the account is deleted")]
    public required string FirstName { get; set; }

    [PersonalData(PersonalDataCategory.Identity, "Addressing the subscriber in their account", "Until the account is deleted")]
    public required string Surname { get; set; }

    [PersonalData(PersonalDataCategory.Contact, "Anonymous regional statistics", "Until the account is deleted")]
    public required string PostalCode { get; set; }

    public required string PasswordHash { get; set; }

    [PersonalData(PersonalDataCategory.Device, "Optional: identifying the handset, given by the subscriber", "Until the account is deleted or the subscriber removes it")]
    public string? Imei { get; set; }

    [PersonalData(PersonalDataCategory.Demographic, "Optional: anonymous statistics", "Until the account is deleted or the subscriber removes it")]
    public string? AgeBand { get; set; }

    [PersonalData(PersonalDataCategory.Demographic, "Optional: anonymous statistics", "Until the account is deleted or the subscriber removes it")]
    public string? Country { get; set; }

    [PersonalData(PersonalDataCategory.Demographic, "Optional: anonymous statistics", "Until the account is deleted or the subscriber removes it")]
    public string? Gender { get; set; }

    public int FailedLogins { get; set; }

    public DateTimeOffset? LockedUntil { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>The current consent of one subscriber with one company: the projection of the consent records.</summary>
internal sealed class Subscription
{
    public Guid CompanyId { get; set; }

    public Guid SubscriberId { get; set; }

    [PersonalData(PersonalDataCategory.Contact, "Sending the company's messages to opted-in subscribers (copy of the subscriber's number)", "Until the subscriber asks for erasure")]
    public required string Phone { get; set; }

    public required string PlatformNumber { get; set; }

    public Guid KeywordId { get; set; }

    public bool OptedIn { get; set; }

    public DateTimeOffset ChangedAt { get; set; }

    public DateTimeOffset LastContactAt { get; set; }
}

/// <summary>Append-only: one opt-in or opt-out (the database refuses updates and deletes outside an erasure).</summary>
internal sealed class ConsentRecord
{
    public long Id { get; set; }

    public Guid SubscriberId { get; set; }

    public Guid CompanyId { get; set; }

    public Guid? KeywordId { get; set; }

    public bool OptedIn { get; set; }

    /// <summary><see cref="ConsentVia.Sms"/> or <see cref="ConsentVia.Web"/>.</summary>
    public required string Via { get; set; }

    [PersonalData(PersonalDataCategory.Communication, "Proof of consent: the message that gave or withdrew it", "As long as the consent record must be kept")]
    public string? MessageText { get; set; }

    public DateTimeOffset RecordedAt { get; set; }

    /// <summary>Random, set by the insert trigger: what makes the record's leaf unguessable; erased with the record.</summary>
    public byte[] Salt { get; set; } = [];

    /// <summary>The keyword's word when the record was written (a keyword can be renamed later), set by the insert trigger.</summary>
    public string? Keyword { get; set; }
}

/// <summary>
/// A consent record's fingerprint and its place in the company's sealed batches (ADR 32). Kept after the record is erased,
/// so the record stays provably present; without its salt the fingerprint cannot be turned back into the number or text.
/// </summary>
internal sealed class ConsentLeaf
{
    public long RecordId { get; set; }

    public Guid CompanyId { get; set; }

    public required byte[] LeafHash { get; set; }

    public byte[]? PrevHash { get; set; }

    public DateTimeOffset RecordedAt { get; set; }

    public long? BatchSeq { get; set; }

    public int? LeafIndex { get; set; }

    [PersonalData(PersonalDataCategory.Contact, "Proving to a carrier or regulator which consent records the company held for your number, also after you erased your account: a keyed one-way hash of your number beside each record's time and fingerprint, which cannot be turned back into them", "As long as the company uses the platform",
        SeenBy = "The company, only when it asks for the proof of a number it already knows")]
    public string? SubjectHash { get; set; }
}

/// <summary>A company's sealed batch of consent leaves: its Merkle root and the chain link over it (written by SealConsentJob).</summary>
internal sealed class ConsentBatch
{
    public Guid CompanyId { get; set; }

    public long Seq { get; set; }

    public int LeafCount { get; set; }

    public required byte[] Root { get; set; }

    public required byte[] Chain { get; set; }

    public DateTimeOffset SealedAt { get; set; }
}

/// <summary>A signed daily checkpoint of the companies' chain heads (written by ConsentCheckpointJob).</summary>
internal sealed class ConsentCheckpoint
{
    public long Id { get; set; }

    public DateTimeOffset IssuedAt { get; set; }

    public required string Body { get; set; }

    public required byte[] Signature { get; set; }

    public required string KeyId { get; set; }
}

/// <summary>Which batch of which company a checkpoint signed as its chain head.</summary>
internal sealed class ConsentCheckpointHead
{
    public long CheckpointId { get; set; }

    public Guid CompanyId { get; set; }

    public long Seq { get; set; }
}

internal static class ConsentVia
{
    public const string Sms = "sms";
    public const string Web = "web";
}

/// <summary>How many times a subscriber requested one keyword.</summary>
internal sealed class RequestTotal
{
    public Guid KeywordId { get; set; }

    public Guid SubscriberId { get; set; }

    public Guid CompanyId { get; set; }

    public int Times { get; set; }

    public DateTimeOffset FirstAt { get; set; }

    public DateTimeOffset LastAt { get; set; }
}

/// <summary>One request in a company's history: user code, keyword, nth time, when. Never the phone number.</summary>
internal sealed class KeywordRequest
{
    public long Id { get; set; }

    public Guid CompanyId { get; set; }

    public Guid KeywordId { get; set; }

    public Guid SubscriberId { get; set; }

    public required string UserCode { get; set; }

    public required string Keyword { get; set; }

    public int RequestNumber { get; set; }

    public DateTimeOffset ReceivedAt { get; set; }
}

/// <summary>When a number last got a courtesy reply of a kind (unknown word, help, nothing to change).</summary>
internal sealed class CourtesyReply
{
    [PersonalData(PersonalDataCategory.Contact, "Limiting automatic replies so two machines cannot loop", "Replaced at each reply; deleted with the subscriber")]
    public required string Phone { get; set; }

    public required string Kind { get; set; }

    public DateTimeOffset LastRepliedAt { get; set; }
}

/// <summary>
/// A number that must not be messaged by a company although its subscriber was erased: only a keyed hash of the number
/// (see <see cref="Features.PhoneHashes"/>), kept so the person's STOP keeps being honoured.
/// </summary>
internal sealed class SuppressedNumber
{
    public Guid CompanyId { get; set; }

    [PersonalData(PersonalDataCategory.Contact, "Keeping your STOP in force after you erased your account: a keyed one-way hash of your number, which cannot be turned back into it", "As long as the company uses the platform",
        SeenBy = "No one: it is only compared with the numbers a company is about to message")]
    public required string PhoneHash { get; set; }

    public DateTimeOffset SuppressedAt { get; set; }
}

/// <summary>A subscriber's live password-reset code sent by text: only its hash, its expiry and the wrong tries so far.</summary>
internal sealed class SmsResetCode
{
    public Guid SubscriberId { get; set; }

    public required string CodeHash { get; set; }

    public DateTimeOffset SentAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public int Attempts { get; set; }
}
