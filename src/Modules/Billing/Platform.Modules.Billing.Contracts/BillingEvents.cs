using Platform.Modules.Shared;

namespace Platform.Modules.Billing.Contracts;

/// <summary>
/// A company's card payment was confirmed by Stripe and its credits added: the receipt. Published through Billing's
/// outbox (at least once) in the transaction that credits the purchase, so a receipt exists exactly for what was credited.
/// </summary>
public sealed record PaymentReceived(
    Guid CompanyId,
    Guid PurchaseId,
    string InvoiceNumber,
    string Pack,
    long Credits,
    long AmountMinor,
    string Currency,
    DateTimeOffset PaidAt,
    long AvailableAfter) : IntegrationEvent;

/// <summary>
/// A company's available credits fell below the threshold it chose on its billing page. Published once per crossing,
/// in the transaction that took the balance below it; the next one comes only after the balance rose to the threshold again.
/// </summary>
public sealed record LowCreditBalance(Guid CompanyId, long Available, long Threshold) : IntegrationEvent;

/// <summary>
/// A price per SMS segment for a country ("*": every country without its own) applies from <paramref name="ValidFrom"/>
/// on; <paramref name="PreviousCreditsPerSegment"/> is the one it replaces (null: the country had none of its own).
/// Published through Billing's outbox for the announcement to every company.
/// </summary>
public sealed record PriceScheduled(string CountryCode, long CreditsPerSegment, long? PreviousCreditsPerSegment, DateTimeOffset ValidFrom) : IntegrationEvent;
