using MediatR;
using Platform.Modules.Shared;

namespace Platform.Modules.Billing.Contracts;

/// <summary>
/// The price of sending: credits per segment to a country. One credit is the smallest unit the ledger
/// counts; amounts are whole numbers of credits (no floating point money).
/// </summary>
public sealed record QuotePrice(Guid CompanyId, string CountryCode, int SegmentsPerMessage, long Messages) : IRequest<PriceQuote>;

public sealed record PriceQuote(long CreditsPerSegment, long TotalCredits, long AvailableCredits);

/// <summary>
/// Holds credits for a campaign (or an API batch) when it is scheduled. Idempotent by ReservationId: reserving
/// again with the same id answers the existing reservation. Fails with a reason when the balance is short.
/// </summary>
public sealed record ReserveCredits(Guid CompanyId, Guid ReservationId, long Credits, string Purpose) : IRequest<CreditReservation>;

public sealed record CreditReservation(bool Reserved, long ReservedCredits, long AvailableCredits, string? Reason);

/// <summary>
/// Holds more credits under a reservation that goes on taking work (a send-API lane's campaign takes each batch of
/// requests as it arrives, ADR 40), or opens it with these credits. Not idempotent: each call adds. A call whose effect
/// the caller then rolls back only over-reserves, and the reservation's release gives that back. Refused with a reason
/// when the balance is short or the reservation was already released (settled). ReservedCredits is the new total.
/// </summary>
public sealed record AddToReservation(Guid CompanyId, Guid ReservationId, long Credits, string Purpose) : IRequest<CreditReservation>;

/// <summary>Turns part of a reservation into spending, for messages actually sent. Idempotent per (ReservationId, CaptureKey).</summary>
public sealed record CaptureCredits(Guid CompanyId, Guid ReservationId, long Credits, string CaptureKey) : IRequest<long>;

/// <summary>Gives back what is left of a reservation (messages not sent, a cancelled campaign). Idempotent.</summary>
public sealed record ReleaseCredits(Guid CompanyId, Guid ReservationId) : IRequest<long>;

/// <summary>The company's balance: available and reserved credits.</summary>
public sealed record GetCreditBalance(Guid CompanyId) : IRequest<CreditBalance>;

public sealed record CreditBalance(long Available, long Reserved);

/// <summary>
/// A company's plan and the limits an administrator set for it: Free (trial credits, limits such as the most
/// recipients one campaign may have) or Paid (pay as you go). A null limit means no limit.
/// </summary>
public sealed record GetPlanLimits(Guid CompanyId) : IRequest<PlanLimits>;

public sealed record PlanLimits(string Plan, int? MaxRecipientsPerCampaign);

/// <summary>A paid purchase's invoice as a PDF, for the company that made it (null otherwise): the receipt email attaches it.</summary>
public sealed record GetInvoicePdf(Guid CompanyId, Guid PurchaseId) : IRequest<InvoicePdfFile?>;

/// <summary>The invoice PDF's file name ("invoice-2026-000001.pdf") and bytes.</summary>
public sealed record InvoicePdfFile(string FileName, byte[] Content);

/// <summary>
/// Grants a newly registered company its trial credits now, so its first page already shows them and a first
/// campaign can be scheduled at once. Idempotent (once per company): CompanyRegistered from Accounts' outbox grants
/// them too if this request never ran. Answers whether this call granted them.
/// </summary>
public sealed record GrantTrial(Guid CompanyId) : IRequest<bool>;
