using System.ComponentModel.DataAnnotations;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Modules.Accounts.Contracts;
using Platform.Modules.Billing.Contracts;
using Platform.Modules.Billing.Domain;
using Platform.Modules.Billing.Payments;
using Platform.Modules.Shared;
using Platform.Modules.Shared.Events;

namespace Platform.Modules.Billing.Features;

/// <summary>The company buying a pack: a pending purchase, then a Stripe Checkout Session; answers the page to redirect to.</summary>
internal sealed class StartCheckout : IRequest<string>
{
    [Required(ErrorMessage = "Choose a pack.")]
    public string Pack { get; set; } = string.Empty;
}

internal sealed class StartCheckoutValidator(IOptions<BillingOptions> options) : IRequestValidator<StartCheckout>
{
    public IEnumerable<ValidationError> Validate(StartCheckout request)
    {
        if (!string.IsNullOrEmpty(request.Pack) && options.Value.Stripe.EffectivePacks.All(p => p.Id != request.Pack))
        {
            yield return new ValidationError(nameof(request.Pack), "Choose one of the packs on offer.");
        }
    }
}

internal sealed class StartCheckoutHandler(
    BillingDbContext db,
    ITenantContext tenant,
    StripeGateway stripe,
    IOptions<BillingOptions> options,
    PublicLinks links,
    IMediator mediator,
    TimeProvider clock) : IRequestHandler<StartCheckout, string>
{
    public async Task<string> Handle(StartCheckout request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        if (await mediator.Send(new CheckCompanyMaySpend(companyId), cancellationToken) is { } mayNot)
        {
            throw new RequestValidationException(string.Empty, mayNot);
        }

        var pack = options.Value.Stripe.EffectivePacks.Single(p => p.Id == request.Pack);
        // The tax is fixed now, with the price: the invoice shows it whatever the settings or the company's country say later.
        var company = await mediator.Send(new GetCompany(companyId), cancellationToken);
        var tax = TaxRates.For(options.Value, company?.Country);
        var purchase = new Purchase
        {
            Id = Guid.NewGuid(),
            CompanyId = companyId,
            Pack = pack.Id,
            Credits = pack.Credits,
            AmountMinor = pack.AmountMinor,
            Currency = options.Value.Stripe.Currency.ToLowerInvariant(),
            Status = PurchaseStatus.Pending,
            CreatedAt = clock.GetUtcNow(),
            TaxCountry = tax.Country,
            TaxRatePercent = tax.RatePercent,
            TaxLabel = tax.Label,
            BuyerTaxId = company?.TaxId,
        };
        // Stored before the call: its id is the idempotency key, and the webhook finds it by metadata or session id.
        db.Purchases.Add(purchase);
        await db.SaveChangesAsync(cancellationToken);

        CheckoutSession session;
        try
        {
            // Where Stripe sends the buyer back: the configured public address, never the request's Host header.
            session = await stripe.CreateCheckoutSessionAsync(purchase.Id, companyId, pack,
                links.To("/Billing?checkout=success").AbsoluteUri, links.To("/Billing?checkout=cancelled").AbsoluteUri, cancellationToken);
        }
        catch (Exception exception) when (PaymentProviderException.IsProviderFailure(exception))
        {
            throw new RequestValidationException(string.Empty,
                exception is PaymentProviderException ? exception.Message : "The payment provider could not be reached. Try again in a minute.");
        }

        purchase.StripeSessionId = session.Id;
        await db.SaveChangesAsync(cancellationToken);
        return session.Url;
    }
}

/// <summary>A verified Stripe event: recorded once with its effect, in one transaction. Answers a short outcome.</summary>
internal sealed record ProcessStripeEvent(StripeEventPayload Event) : IRequest<string>;

internal sealed class ProcessStripeEventHandler(BillingDbContext db, TimeProvider clock, ILogger<ProcessStripeEventHandler> logger)
    : IRequestHandler<ProcessStripeEvent, string>
{
    public async Task<string> Handle(ProcessStripeEvent request, CancellationToken cancellationToken)
    {
        var stripeEvent = request.Event;
        var now = clock.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // A concurrent delivery of the same event waits here on the primary key until the first one commits.
        var inserted = await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO billing.stripe_events (event_id, type, received_at) VALUES ({stripeEvent.Id}, {stripeEvent.Type}, {now})
            ON CONFLICT (event_id) DO NOTHING
            """,
            cancellationToken);
        if (inserted == 0)
        {
            await transaction.CommitAsync(cancellationToken);
            return "already processed";
        }

        var outcome = stripeEvent.Type switch
        {
            "checkout.session.completed" or "checkout.session.async_payment_succeeded" => await CreditAsync(stripeEvent, now, cancellationToken),
            RefundRecorder.ChargeRefunded => await RefundedAsync(stripeEvent, now, cancellationToken),
            _ => "ignored",
        };
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return outcome;
    }

    private async Task<string> CreditAsync(StripeEventPayload stripeEvent, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (stripeEvent.PaymentStatus != "paid")
        {
            return "not paid yet";
        }

        Guid.TryParse(stripeEvent.PurchaseId, out var purchaseId);
        var sessionId = stripeEvent.SessionId;
        var rows = await db.Purchases
            .FromSql($"SELECT * FROM billing.purchases WHERE id = {purchaseId} OR stripe_session_id = {sessionId} FOR UPDATE")
            .ToListAsync(cancellationToken);
        var purchase = rows.FirstOrDefault(p => p.StripeSessionId == sessionId) ?? rows.FirstOrDefault();
        if (purchase is null)
        {
            logger.LogWarning("Stripe session {SessionId} (event {EventId}) matches no purchase", sessionId, stripeEvent.Id);
            return "unknown session";
        }

        await db.Entry(purchase).ReloadAsync(cancellationToken);
        if (purchase.Status == PurchaseStatus.Paid)
        {
            return "already credited";
        }

        if (stripeEvent.ClientReferenceId is { } reference && reference != purchase.CompanyId.ToString())
        {
            logger.LogWarning("Stripe session {SessionId} names company {Reference}, the purchase belongs to another", sessionId, reference);
            return "company mismatch";
        }

        var account = await Ledger.LockAsync(db, purchase.CompanyId, now, cancellationToken);
        purchase.Status = PurchaseStatus.Paid;
        purchase.PaidAt = now;
        purchase.StripeSessionId ??= sessionId;
        purchase.StripePaymentIntentId ??= stripeEvent.PaymentIntentId;
        if (stripeEvent.Payment is { } payment)
        {
            purchase.CardBrand = payment.CardBrand;
            purchase.CardLast4 = payment.CardLast4;
            purchase.CardExpMonth = payment.CardExpMonth;
            purchase.CardExpYear = payment.CardExpYear;
            purchase.BillingName = payment.Name;
            purchase.BillingEmail = payment.Email;
            purchase.BillingAddressLine1 = payment.AddressLine1;
            purchase.BillingAddressLine2 = payment.AddressLine2;
            purchase.BillingAddressCity = payment.City;
            purchase.BillingAddressPostalCode = payment.PostalCode;
            purchase.BillingAddressState = payment.State;
            purchase.BillingAddressCountry = payment.Country;
        }

        purchase.InvoiceNumber = await NextInvoiceNumberAsync(now.Year, cancellationToken);
        if (account.Plan == Plans.Free)
        {
            account.Plan = Plans.Paid;
        }

        await Ledger.AppendAsync(db, account, LedgerKinds.Purchase, purchase.Credits, 0, now, reference: purchase.InvoiceNumber,
            reason: $"Card payment, pack {purchase.Pack}", cancellationToken: cancellationToken);
        await Outbox.AddAsync(db, new PaymentReceived(purchase.CompanyId, purchase.Id, purchase.InvoiceNumber, purchase.Pack, purchase.Credits,
            purchase.AmountMinor, purchase.Currency, now, account.Available) { OccurredAt = now }, cancellationToken);
        logger.LogInformation("Credited {Credits} credits to company {CompanyId} for Stripe session {SessionId}", purchase.Credits, purchase.CompanyId, sessionId);
        return "credited";
    }

    /// <summary>
    /// A refunded charge: each of its refunds not yet recorded becomes a credit note and a reversal (the admin's own refund
    /// usually is recorded already, by the page that made it). Refunds made in Stripe's dashboard arrive only this way.
    /// </summary>
    private async Task<string> RefundedAsync(StripeEventPayload stripeEvent, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (stripeEvent.PaymentIntentId is not { } paymentIntentId
            || await RefundRecorder.LockPurchaseAsync(db, null, paymentIntentId, cancellationToken) is not { } purchase)
        {
            logger.LogWarning("Refunded charge of payment {PaymentIntent} (event {EventId}) matches no paid purchase", stripeEvent.PaymentIntentId, stripeEvent.Id);
            return "unknown payment";
        }

        var recorded = 0;
        foreach (var refund in (stripeEvent.Refunds ?? []).Where(r => r.PaymentIntentId is null || r.PaymentIntentId == paymentIntentId))
        {
            if (await RefundRecorder.RecordAsync(db, purchase, refund, null, null, now, logger, cancellationToken) is { Recorded: true })
            {
                recorded++;
            }
        }

        return recorded == 0 ? "refunds already recorded" : $"{recorded} refund(s) recorded";
    }

    /// <summary>Per year, no gaps: the counter row is locked by the same transaction that credits the purchase.</summary>
    private async Task<string> NextInvoiceNumberAsync(int year, CancellationToken cancellationToken)
    {
        var numbers = await db.Database.SqlQuery<int>(
            $"""
            INSERT INTO billing.invoice_counters AS c (year, last_number) VALUES ({year}, 1)
            ON CONFLICT (year) DO UPDATE SET last_number = c.last_number + 1
            RETURNING last_number AS "Value"
            """).ToListAsync(cancellationToken);
        return $"{year}-{numbers.Single():D6}";
    }
}
