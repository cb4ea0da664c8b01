using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Domain;

/// <summary>An <c>Idempotency-Key</c> a company used on the send API, the hash of its body and the response it got.</summary>
internal sealed class ApiRequest
{
    public Guid CompanyId { get; set; }

    public required string IdempotencyKey { get; set; }

    public required byte[] RequestHash { get; set; }

    public Guid? CampaignId { get; set; }

    public int? ResponseStatus { get; set; }

    [PersonalData(PersonalDataCategory.Contact, "Replaying the answer to a retried send-API request (it lists the recipients' numbers)", "24 hours")]
    public string? ResponseBody { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>Where a company's send-API receipts are posted, and the secret they are signed with.</summary>
internal sealed class Webhook
{
    public Guid CompanyId { get; set; }

    public required string Url { get; set; }

    public required string Secret { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>One final message state waiting to be (or already) posted to the company's webhook.</summary>
internal sealed class WebhookDelivery
{
    public long Id { get; set; }

    public Guid CompanyId { get; set; }

    public long MessageId { get; set; }

    public short Attempts { get; set; }

    public DateTimeOffset NextAttemptAt { get; set; }

    public DateTimeOffset? DeliveredAt { get; set; }

    public DateTimeOffset? FailedAt { get; set; }

    public string? LastError { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
