using Platform.Modules.Shared;

namespace Platform.Modules.Billing.Domain;

internal static class Plans
{
    public const string Free = "Free";
    public const string Paid = "Paid";

    public static readonly string[] All = [Free, Paid];
}

internal static class LedgerKinds
{
    public const string Grant = "grant";
    public const string Purchase = "purchase";
    public const string Reserve = "reserve";
    public const string Capture = "capture";
    public const string Release = "release";
    public const string Adjustment = "adjustment";
    public const string Refund = "refund";
}

internal sealed class Price
{
    public Guid Id { get; set; }

    public string CountryCode { get; set; } = "*";

    public long CreditsPerSegment { get; set; }

    public DateTimeOffset ValidFrom { get; set; }
}

internal sealed class CreditAccount
{
    public Guid CompanyId { get; set; }

    public string Plan { get; set; } = Plans.Free;

    public long Available { get; set; }

    public long Reserved { get; set; }

    public int? MaxRecipientsPerCampaign { get; set; }

    public bool TrialGranted { get; set; }

    /// <summary>The warning level every account starts with: the column's default in <c>Migrations/0006_notices.sql</c>.</summary>
    public const long DefaultLowBalanceThreshold = 100;

    /// <summary>Warn the company when its available credits fall below this many; null: never (Migrations/0006_notices.sql).</summary>
    public long? LowBalanceThreshold { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

internal sealed class LedgerEntry
{
    public long Id { get; set; }

    public Guid CompanyId { get; set; }

    public string Kind { get; set; } = string.Empty;

    public long AvailableChange { get; set; }

    public long ReservedChange { get; set; }

    public long AvailableAfter { get; set; }

    public long ReservedAfter { get; set; }

    public Guid? ReservationId { get; set; }

    public string? Reference { get; set; }

    public string? Reason { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class Reservation
{
    public Guid Id { get; set; }

    public Guid CompanyId { get; set; }

    public long Credits { get; set; }

    public long Captured { get; set; }

    public long Released { get; set; }

    public string Purpose { get; set; } = string.Empty;

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? ReleasedAt { get; set; }

    public long Outstanding => Credits - Captured - Released;
}

internal sealed class Capture
{
    public Guid ReservationId { get; set; }

    public string CaptureKey { get; set; } = string.Empty;

    public long Credits { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

internal static class PurchaseStatus
{
    public const string Pending = "Pending";
    public const string Paid = "Paid";
}

internal sealed class Purchase
{
    public Guid Id { get; set; }

    public Guid CompanyId { get; set; }

    public string Pack { get; set; } = string.Empty;

    public long Credits { get; set; }

    public long AmountMinor { get; set; }

    public string Currency { get; set; } = "eur";

    public string Status { get; set; } = PurchaseStatus.Pending;

    public string? StripeSessionId { get; set; }

    /// <summary>What a refund names (Migrations/0007_refunds.sql); null until the purchase is paid, or for old ones until asked of Stripe.</summary>
    public string? StripePaymentIntentId { get; set; }

    public string? InvoiceNumber { get; set; }

    /// <summary>Refunded so far, in minor units; never more than <see cref="AmountMinor"/>.</summary>
    public long RefundedMinor { get; set; }

    /// <summary>Credits the ledger took back for its refunds so far; never more than <see cref="Credits"/>.</summary>
    public long ReversedCredits { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? PaidAt { get; set; }

    // The tax included in AmountMinor, fixed at checkout from the company's country then (ADR 24): its invoice shows these,
    // whatever the settings or the company's country say later. Null on purchases made before they were stored.
    public string? TaxCountry { get; set; }

    public decimal? TaxRatePercent { get; set; }

    public string? TaxLabel { get; set; }

    /// <summary>The company's tax ID when the purchase was started (Migrations/0008_buyer_tax_id.sql), printed on its invoice.</summary>
    public string? BuyerTaxId { get; set; }

    // What Stripe returns about the card (never its number) and about who paid: the billing contact, who may
    // not be one of the company's users. Written once, from the paid session.
    public string? CardBrand { get; set; }

    public string? CardLast4 { get; set; }

    public short? CardExpMonth { get; set; }

    public short? CardExpYear { get; set; }

    [PersonalData(PersonalDataCategory.Identity, "Named on the invoice as who paid", Retention, Person = PersonKind.BillingContact)]
    public string? BillingName { get; set; }

    [PersonalData(PersonalDataCategory.Contact, "On the invoice; to reach who paid about the payment", Retention, Person = PersonKind.BillingContact)]
    public string? BillingEmail { get; set; }

    [PersonalData(PersonalDataCategory.Contact, "Billing address on the invoice (tax law)", Retention, Person = PersonKind.BillingContact)]
    public string? BillingAddressLine1 { get; set; }

    [PersonalData(PersonalDataCategory.Contact, "Billing address on the invoice (tax law)", Retention, Person = PersonKind.BillingContact)]
    public string? BillingAddressLine2 { get; set; }

    [PersonalData(PersonalDataCategory.Contact, "Billing address on the invoice (tax law)", Retention, Person = PersonKind.BillingContact)]
    public string? BillingAddressCity { get; set; }

    [PersonalData(PersonalDataCategory.Contact, "Billing address on the invoice (tax law)", Retention, Person = PersonKind.BillingContact)]
    public string? BillingAddressPostalCode { get; set; }

    [PersonalData(PersonalDataCategory.Contact, "Billing address on the invoice (tax law)", Retention, Person = PersonKind.BillingContact)]
    public string? BillingAddressState { get; set; }

    [PersonalData(PersonalDataCategory.Contact, "Billing address on the invoice (tax law)", Retention, Person = PersonKind.BillingContact)]
    public string? BillingAddressCountry { get; set; }

    private const string Retention = "10 years after the invoice (tax law)";
}

/// <summary>One Stripe refund of a purchase and its credit note (Migrations/0007_refunds.sql, ADR 28).</summary>
internal sealed class Refund
{
    public Guid Id { get; set; }

    public string StripeRefundId { get; set; } = string.Empty;

    public Guid PurchaseId { get; set; }

    public Guid CompanyId { get; set; }

    public long AmountMinor { get; set; }

    public string Currency { get; set; } = "eur";

    /// <summary>The refunded share of the pack's credits.</summary>
    public long CreditsDue { get; set; }

    /// <summary>What the ledger took back: <see cref="CreditsDue"/>, or fewer when the company had spent or reserved them.</summary>
    public long CreditsReversed { get; set; }

    public string CreditNoteNumber { get; set; } = string.Empty;

    public string? Reason { get; set; }

    /// <summary>The admin who refunded on the company's billing page; null when the refund was made at Stripe.</summary>
    public Guid? RefundedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class CreditNoteCounter
{
    public int Year { get; set; }

    public int LastNumber { get; set; }
}

internal sealed class InvoiceCounter
{
    public int Year { get; set; }

    public int LastNumber { get; set; }
}

internal sealed class StripeEvent
{
    public string EventId { get; set; } = string.Empty;

    public string Type { get; set; } = string.Empty;

    public DateTimeOffset ReceivedAt { get; set; }
}
