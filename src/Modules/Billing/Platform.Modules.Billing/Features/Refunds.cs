using System.ComponentModel.DataAnnotations;
using System.Globalization;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Platform.Modules.Billing.Domain;
using Platform.Modules.Billing.Payments;
using Platform.Modules.Shared;

namespace Platform.Modules.Billing.Features;

/// <summary>
/// Which of a company's credits are still unspent, by where they came from (ADR 28). Credits arrive in lots — the trial
/// grant, each purchase, each positive admin adjustment — and spending takes the oldest first; reserved credits count as
/// taken, because a campaign or an API send holds them. So the available credits are the newest ones: a lot's unspent part
/// is its overlap with the last <c>available</c> credits of all lots. A lot's size is less what refunds already took back.
/// </summary>
internal static class CreditLots
{
    /// <summary>Unspent credits of each paid purchase of the company, by invoice number (absent: none unspent).</summary>
    public static async Task<Dictionary<string, long>> UnspentByInvoiceAsync(BillingDbContext db, Guid companyId, long available, CancellationToken cancellationToken)
    {
        // Lots are a handful of rows per company (one per purchase, grant or positive adjustment): never the per-message entries.
        var lots = await db.LedgerEntries.AsNoTracking()
            .Where(e => e.CompanyId == companyId && e.AvailableChange > 0
                        && (e.Kind == LedgerKinds.Grant || e.Kind == LedgerKinds.Purchase || e.Kind == LedgerKinds.Adjustment))
            .OrderBy(e => e.Id)
            .Select(e => new { e.Kind, e.Reference, e.AvailableChange })
            .ToListAsync(cancellationToken);
        var reversed = await db.Purchases.AsNoTracking()
            .Where(p => p.CompanyId == companyId && p.ReversedCredits > 0 && p.InvoiceNumber != null)
            .ToDictionaryAsync(p => p.InvoiceNumber!, p => p.ReversedCredits, cancellationToken);
        var sizes = lots.Select(lot => (Invoice: lot.Kind == LedgerKinds.Purchase ? lot.Reference : null,
                Size: lot.AvailableChange - (lot.Kind == LedgerKinds.Purchase && lot.Reference is { } number && reversed.TryGetValue(number, out var back) ? back : 0)))
            .ToList();
        var taken = sizes.Sum(l => l.Size) - available; // spent or reserved: the oldest credits
        var unspent = new Dictionary<string, long>();
        long end = 0;
        foreach (var (invoice, size) in sizes)
        {
            var start = end;
            end += size;
            var left = end - Math.Max(start, taken);
            if (invoice is not null && left > 0)
            {
                unspent[invoice] = Math.Min(left, size);
            }
        }

        return unspent;
    }
}

/// <summary>What recording a refund did: the refund (new, or found recorded by whoever brought it first) and whether this call recorded it.</summary>
internal sealed record RefundRecord(Refund Refund, bool Recorded);

/// <summary>
/// The one place a Stripe refund becomes a credit note and a ledger reversal, once per Stripe refund id whoever brings it:
/// the admin's refund call, the <c>charge.refunded</c> webhook it triggers, or one for a refund made in Stripe's dashboard.
/// Runs in the caller's transaction with the purchase row locked (FOR UPDATE), so two bringers of one refund queue on it.
/// </summary>
internal static class RefundRecorder
{
    public const string ChargeRefunded = "charge.refunded";

    /// <summary>The purchase, locked for the rest of the caller's transaction, with its current values.</summary>
    public static async Task<Purchase?> LockPurchaseAsync(BillingDbContext db, Guid? purchaseId, string? paymentIntentId, CancellationToken cancellationToken)
    {
        var rows = await db.Purchases
            .FromSql($"SELECT * FROM billing.purchases WHERE (id = {purchaseId} OR stripe_payment_intent_id = {paymentIntentId}) AND status = {PurchaseStatus.Paid} FOR UPDATE")
            .ToListAsync(cancellationToken);
        var purchase = rows.FirstOrDefault(p => p.Id == purchaseId) ?? rows.FirstOrDefault();
        if (purchase is not null)
        {
            await db.Entry(purchase).ReloadAsync(cancellationToken);
        }

        return purchase;
    }

    public static async Task<RefundRecord?> RecordAsync(
        BillingDbContext db,
        Purchase purchase,
        StripeRefund stripeRefund,
        Guid? refundedBy,
        string? reason,
        DateTimeOffset now,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        if (await db.Refunds.AsNoTracking().SingleOrDefaultAsync(r => r.StripeRefundId == stripeRefund.Id, cancellationToken) is { } known)
        {
            return new RefundRecord(known, false);
        }

        var refundable = purchase.AmountMinor - purchase.RefundedMinor;
        var amount = Math.Min(stripeRefund.AmountMinor, refundable);
        if (!stripeRefund.Returned || amount <= 0)
        {
            logger.LogWarning("Stripe refund {RefundId} of purchase {PurchaseId} ({Status}, {Amount}) returns nothing more; no credit note",
                stripeRefund.Id, purchase.Id, stripeRefund.Status, stripeRefund.AmountMinor);
            return null;
        }

        var account = await Ledger.LockAsync(db, purchase.CompanyId, now, cancellationToken);
        // The refunded share of the pack, so that refunds adding up to the whole amount take back exactly the whole pack.
        var due = Share(purchase.Credits, purchase.AmountMinor, purchase.RefundedMinor + amount) - Share(purchase.Credits, purchase.AmountMinor, purchase.RefundedMinor);
        var unspent = purchase.InvoiceNumber is { } invoice
                      && (await CreditLots.UnspentByInvoiceAsync(db, purchase.CompanyId, account.Available, cancellationToken)).TryGetValue(invoice, out var left)
            ? left
            : 0;
        var reversed = Math.Min(due, unspent);
        var number = await NextCreditNoteNumberAsync(db, now.Year, cancellationToken);
        var metadata = stripeRefund.Metadata;
        var refund = new Refund
        {
            Id = Guid.NewGuid(),
            StripeRefundId = stripeRefund.Id,
            PurchaseId = purchase.Id,
            CompanyId = purchase.CompanyId,
            AmountMinor = amount,
            Currency = purchase.Currency,
            CreditsDue = due,
            CreditsReversed = reversed,
            CreditNoteNumber = number,
            // The admin's reason and name travel in the refund's metadata too, for when Stripe's webhook is recorded first.
            Reason = Clip(reason ?? (metadata.TryGetValue("reason", out var why) ? why : null), 500),
            RefundedBy = refundedBy ?? (metadata.TryGetValue("refunded_by", out var by) && Guid.TryParse(by, out var admin) ? admin : null),
            CreatedAt = now,
        };
        db.Refunds.Add(refund);
        purchase.RefundedMinor += amount;
        purchase.ReversedCredits += reversed;
        var money = MoneyText.Of(amount, purchase.Currency);
        await Ledger.AppendAsync(db, account, LedgerKinds.Refund, -reversed, 0, now, reference: number,
            reason: $"Refund of {money} on invoice {purchase.InvoiceNumber}" + (reversed < due ? $": {due - reversed} of the {due} credits it covers were already spent or reserved" : string.Empty),
            cancellationToken: cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Refund {RefundId}: credit note {Number}, {Reversed} of {Due} credits taken back from company {CompanyId}",
            stripeRefund.Id, number, reversed, due, purchase.CompanyId);
        return new RefundRecord(refund, true);
    }

    /// <summary>The credits <paramref name="paid"/> of <paramref name="total"/> buys of a pack of <paramref name="credits"/>, rounded half up.</summary>
    public static long Share(long credits, long total, long paid) =>
        total <= 0 ? 0 : ((credits * paid * 2) + total) / (2 * total);

    /// <summary>Per year, no gaps, a series of its own: the counter row is locked by the transaction that records the refund.</summary>
    private static async Task<string> NextCreditNoteNumberAsync(BillingDbContext db, int year, CancellationToken cancellationToken)
    {
        var numbers = await db.Database.SqlQuery<int>(
            $"""
            INSERT INTO billing.credit_note_counters AS c (year, last_number) VALUES ({year}, 1)
            ON CONFLICT (year) DO UPDATE SET last_number = c.last_number + 1
            RETURNING last_number AS "Value"
            """).ToListAsync(cancellationToken);
        return $"CN-{year}-{numbers.Single():D6}";
    }

    private static string? Clip(string? value, int length) =>
        string.IsNullOrWhiteSpace(value) ? null : value.Length > length ? value[..length] : value.Trim();
}

/// <summary>The payment intent of purchases from before it was kept (Migrations/0007_refunds.sql), asked of Stripe.</summary>
internal static class PaymentIntents
{
    /// <summary>The Checkout Session's payment intent, kept on the purchase (if it has none yet); null when Stripe has none.</summary>
    public static async Task<string?> AskStripeAsync(BillingDbContext db, StripeGateway stripe, Guid purchaseId, string sessionId, CancellationToken cancellationToken)
    {
        var paymentIntent = (await stripe.GetCheckoutSessionAsync(sessionId, cancellationToken))?.PaymentIntentId;
        if (paymentIntent is not null)
        {
            await db.Purchases.Where(p => p.Id == purchaseId && p.StripePaymentIntentId == null)
                .ExecuteUpdateAsync(set => set.SetProperty(p => p.StripePaymentIntentId, paymentIntent), cancellationToken);
        }

        return paymentIntent;
    }
}

/// <summary>Platform admin: refunds all or part of a paid purchase through Stripe, with a reason.</summary>
internal sealed class RefundPurchase : IRequest<RefundRecord>
{
    [Required(ErrorMessage = "Choose the company.")]
    public Guid? CompanyId { get; set; }

    [Required(ErrorMessage = "Choose the purchase to refund.")]
    public Guid? PurchaseId { get; set; }

    /// <summary>Money, as typed ("22.50"); read by <see cref="RefundPurchaseValidator"/>, so "abc" gets our message, not the binder's.</summary>
    [Required(ErrorMessage = "Enter the amount to refund, e.g. 22.50.")]
    public string Amount { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter the reason for the refund; it is kept with the credit note.")]
    [StringLength(500, MinimumLength = 5, ErrorMessage = "The reason must have 5 to 500 characters.")]
    public string Reason { get; set; } = string.Empty;

    /// <summary>One per form shown: Stripe's idempotency key, so the same form sent twice refunds once.</summary>
    [Required(ErrorMessage = "Open the company's billing page again and refund from there.")]
    public Guid? Key { get; set; }

    /// <summary>The amount in minor units, or null when it is not money with at most two decimals.</summary>
    public long? AmountMinor =>
        decimal.TryParse(Amount.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value <= 1_000_000_000m && decimal.Round(value, 2) == value
            ? (long)(value * 100)
            : null;
}

internal sealed class RefundPurchaseValidator : IRequestValidator<RefundPurchase>
{
    public IEnumerable<ValidationError> Validate(RefundPurchase request)
    {
        if (request.Amount.Length > 0 && request.AmountMinor is not > 0)
        {
            yield return new ValidationError(nameof(request.Amount), "Enter the amount as money with at most two decimals, e.g. 22.50, more than 0.");
        }
    }
}

internal sealed class RefundPurchaseHandler(
    BillingDbContext db,
    StripeGateway stripe,
    ITenantContext tenant,
    TimeProvider clock,
    ILogger<RefundPurchaseHandler> logger) : IRequestHandler<RefundPurchase, RefundRecord>
{
    public async Task<RefundRecord> Handle(RefundPurchase request, CancellationToken cancellationToken)
    {
        var purchase = await db.Purchases.AsNoTracking()
            .SingleOrDefaultAsync(p => p.Id == request.PurchaseId && p.CompanyId == request.CompanyId && p.Status == PurchaseStatus.Paid, cancellationToken)
            ?? throw new RequestValidationException(nameof(request.PurchaseId), "There is no such paid purchase of this company.");
        var amount = request.AmountMinor!.Value;
        var refundable = purchase.AmountMinor - purchase.RefundedMinor;
        if (amount > refundable)
        {
            throw new RequestValidationException(nameof(request.Amount), refundable == 0
                ? $"Invoice {purchase.InvoiceNumber} is refunded in full already."
                : $"At most {MoneyText.Of(refundable, purchase.Currency)} of invoice {purchase.InvoiceNumber} can still be refunded ({MoneyText.Of(purchase.RefundedMinor, purchase.Currency)} refunded already).");
        }

        var paymentIntent = purchase.StripePaymentIntentId ?? await AskPaymentIntentAsync(purchase, cancellationToken)
            ?? throw new RequestValidationException(string.Empty, "Stripe does not say which payment paid this purchase, so it cannot be refunded here; refund it in Stripe's dashboard.");
        StripeRefund refund;
        try
        {
            refund = await stripe.CreateRefundAsync(paymentIntent, amount, request.Key!.Value.ToString(), new Dictionary<string, string>
            {
                ["purchase_id"] = purchase.Id.ToString(),
                ["refunded_by"] = tenant.UserId?.ToString() ?? string.Empty,
                ["reason"] = request.Reason.Trim(),
            }, cancellationToken);
        }
        catch (Exception exception) when (PaymentProviderException.IsProviderFailure(exception))
        {
            throw new RequestValidationException(string.Empty,
                exception is PaymentProviderException ? exception.Message : "Stripe could not be reached; nothing was refunded. Try again in a minute.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var locked = await RefundRecorder.LockPurchaseAsync(db, purchase.Id, null, cancellationToken);
        var record = await RefundRecorder.RecordAsync(db, locked!, refund, tenant.UserId, request.Reason.Trim(), clock.GetUtcNow(), logger, cancellationToken)
                     ?? throw new RequestValidationException(string.Empty, $"Stripe answered the refund as {refund.Status}: nothing was refunded.");
        await transaction.CommitAsync(cancellationToken);
        return record;
    }

    /// <summary>For purchases from before the payment intent was kept: Stripe's Checkout Session says it; kept for next time.</summary>
    private async Task<string?> AskPaymentIntentAsync(Purchase purchase, CancellationToken cancellationToken)
    {
        if (purchase.StripeSessionId is null)
        {
            return null;
        }

        try
        {
            return await PaymentIntents.AskStripeAsync(db, stripe, purchase.Id, purchase.StripeSessionId, cancellationToken);
        }
        catch (Exception exception) when (PaymentProviderException.IsProviderFailure(exception))
        {
            throw new RequestValidationException(string.Empty, "Stripe could not be asked which payment paid this purchase; nothing was refunded. Try again in a minute.");
        }
    }
}
