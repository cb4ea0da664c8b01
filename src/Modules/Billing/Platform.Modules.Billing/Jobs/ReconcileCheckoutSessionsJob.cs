using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Modules.Billing.Domain;
using Platform.Modules.Billing.Features;
using Platform.Modules.Billing.Payments;
using Platform.Modules.Shared.Jobs;

namespace Platform.Modules.Billing.Jobs;

/// <summary>
/// For purchases whose webhook never came: every few minutes, asks Stripe about Checkout Sessions still pending
/// <see cref="ReconciliationOptions.AfterMinutes"/> after they were created, and credits those Stripe says are paid
/// through <see cref="ProcessStripeEvent"/> — the webhook's once-only path, so a webhook arriving later (or a second
/// run) credits nothing more. A session Stripe cannot answer for is skipped and asked about again next run.
/// </summary>
internal sealed class ReconcileCheckoutSessionsJob(
    BillingDbContext db,
    StripeGateway stripe,
    IMediator mediator,
    IOptions<BillingOptions> options,
    TimeProvider clock,
    ILogger<ReconcileCheckoutSessionsJob> logger) : IRecurringJob
{
    public const string Id = "billing.reconcile-checkout-sessions";

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value.Reconciliation;
        if (string.IsNullOrEmpty(options.Value.Stripe.SecretKey))
        {
            return "Card payments are not configured";
        }

        var now = clock.GetUtcNow();
        var before = now.AddMinutes(-settings.AfterMinutes);
        var after = now.AddHours(-settings.MaxAgeHours);
        var pending = await db.Purchases.AsNoTracking()
            .Where(p => p.Status == PurchaseStatus.Pending && p.StripeSessionId != null && p.CreatedAt < before && p.CreatedAt > after)
            .OrderBy(p => p.CreatedAt)
            .Take(settings.BatchSize)
            .Select(p => p.StripeSessionId!)
            .ToListAsync(cancellationToken);
        int credited = 0, failed = 0;
        foreach (var sessionId in pending)
        {
            try
            {
                var session = await stripe.GetCheckoutSessionAsync(sessionId, cancellationToken);
                if (session?.PaymentStatus == "paid" && await mediator.Send(new ProcessStripeEvent(session), cancellationToken) == "credited")
                {
                    credited++;
                }
            }
            catch (Exception exception) when (PaymentProviderException.IsProviderFailure(exception))
            {
                failed++;
                logger.LogWarning(exception, "Could not reconcile Stripe session {SessionId}", sessionId);
            }
        }

        var backfilled = await BackfillPaymentIntentsAsync(settings.BatchSize, cancellationToken);
        logger.LogInformation("Reconciled {Checked} pending Stripe sessions: {Credited} credited, {Failed} not answered", pending.Count, credited, failed);
        return $"Checked {pending.Count} session(s), credited {credited}, {failed} not answered; {backfilled} payment id(s) filled in";
    }

    /// <summary>
    /// Paid purchases from before the payment intent was kept (Migrations/0007_refunds.sql) get it from their Checkout
    /// Session, a batch per run, so that refunds and charge.refunded events find them. A session Stripe cannot answer for
    /// is asked about again next run.
    /// </summary>
    private async Task<int> BackfillPaymentIntentsAsync(int batchSize, CancellationToken cancellationToken)
    {
        var missing = await db.Purchases.AsNoTracking()
            .Where(p => p.Status == PurchaseStatus.Paid && p.StripePaymentIntentId == null && p.StripeSessionId != null)
            .OrderBy(p => p.PaidAt)
            .Take(batchSize)
            .Select(p => new { p.Id, SessionId = p.StripeSessionId! })
            .ToListAsync(cancellationToken);
        var filled = 0;
        foreach (var purchase in missing)
        {
            try
            {
                if (await PaymentIntents.AskStripeAsync(db, stripe, purchase.Id, purchase.SessionId, cancellationToken) is not null)
                {
                    filled++;
                }
            }
            catch (Exception exception) when (PaymentProviderException.IsProviderFailure(exception))
            {
                logger.LogWarning(exception, "Could not ask Stripe for the payment of purchase {PurchaseId}", purchase.Id);
            }
        }

        return filled;
    }
}
