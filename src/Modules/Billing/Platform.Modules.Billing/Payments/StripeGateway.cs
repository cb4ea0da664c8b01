using System.Globalization;
using System.Net;
using Microsoft.Extensions.Options;
using Stripe;
using Stripe.Checkout;

namespace Platform.Modules.Billing.Payments;

/// <summary>What Stripe answered when a Checkout Session was created: its id and the page to send the buyer to.</summary>
internal sealed record CheckoutSession(string Id, string Url);

/// <summary>Stripe refused or could not answer a call; the message is ours and fit to show a company user.</summary>
internal sealed class PaymentProviderException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>What a call to Stripe can end in besides an answer: its refusal (this), no answer, or a timeout.</summary>
    public static bool IsProviderFailure(Exception exception) => exception is PaymentProviderException or HttpRequestException or TaskCanceledException;
}

/// <summary>
/// The few Stripe calls Billing makes, through Stripe.net (ADR 19): a <see cref="StripeClient"/> whose <c>ApiBase</c> comes
/// from <c>Platform:Billing:Stripe:ApiBase</c>, so the demo's fake (<see cref="DemoStripe"/>) and the tests' fake answer in
/// Stripe's place. No card data passes through here; the buyer pays on Stripe's Checkout page.
/// </summary>
internal sealed class StripeGateway(HttpClient http, IOptions<BillingOptions> options)
{
    private StripeOptions Settings => options.Value.Stripe;

    public async Task<CheckoutSession> CreateCheckoutSessionAsync(
        Guid purchaseId,
        Guid companyId,
        CreditPack pack,
        string successUrl,
        string cancelUrl,
        CancellationToken cancellationToken)
    {
        var create = new SessionCreateOptions
        {
            Mode = "payment",
            SuccessUrl = successUrl,
            CancelUrl = cancelUrl,
            ClientReferenceId = companyId.ToString(),
            LineItems =
            [
                new SessionLineItemOptions
                {
                    Quantity = 1,
                    PriceData = new SessionLineItemPriceDataOptions
                    {
                        Currency = Settings.Currency.ToLowerInvariant(),
                        UnitAmount = pack.AmountMinor,
                        ProductData = new SessionLineItemPriceDataProductDataOptions { Name = pack.Name },
                    },
                },
            ],
            Metadata = new Dictionary<string, string>
            {
                ["purchase_id"] = purchaseId.ToString(),
                ["pack"] = pack.Id,
                ["credits"] = pack.Credits.ToString(CultureInfo.InvariantCulture),
            },
        };
        // The purchase is stored before the call and its id is the idempotency key: a retry after a timeout (ours, or
        // Stripe.net's own network retries) gets the same session back, never a second one.
        var request = new RequestOptions { IdempotencyKey = purchaseId.ToString() };
        Session session;
        try
        {
            session = await new SessionService(Client()).CreateAsync(create, request, cancellationToken);
        }
        catch (StripeException exception)
        {
            throw new PaymentProviderException($"Stripe refused the checkout session ({Status(exception)}). Try again in a minute.", exception);
        }

        return session is { Id.Length: > 0, Url.Length: > 0 }
            ? new CheckoutSession(session.Id, session.Url)
            : throw new PaymentProviderException("Stripe's answer had no session id or url.");
    }

    /// <summary>
    /// The Checkout Session (with the payment intent's payment method expanded), as the event the reconciliation job feeds
    /// to the same once-only path as the webhook: its id is <c>reconcile_{session id}</c>. Null when Stripe has no such session.
    /// </summary>
    public async Task<StripeEventPayload?> GetCheckoutSessionAsync(string sessionId, CancellationToken cancellationToken)
    {
        var get = new SessionGetOptions { Expand = ["payment_intent.payment_method"] };
        try
        {
            var session = await new SessionService(Client()).GetAsync(sessionId, get, requestOptions: null, cancellationToken);
            return StripeEventPayload.FromSession($"reconcile_{sessionId}", "checkout.session.completed", session);
        }
        catch (StripeException exception) when (exception.HttpStatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (StripeException exception)
        {
            throw new PaymentProviderException($"Stripe refused to return checkout session {sessionId} ({Status(exception)}).", exception);
        }
    }

    /// <summary>
    /// Refunds <paramref name="amountMinor"/> of the payment through Stripe's Refund API. The key is the admin form's own
    /// (one per form shown), so a form sent twice gets the same refund back from Stripe, never a second one.
    /// </summary>
    public async Task<StripeRefund> CreateRefundAsync(
        string paymentIntentId, long amountMinor, string idempotencyKey, IDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var create = new RefundCreateOptions
        {
            PaymentIntent = paymentIntentId,
            Amount = amountMinor,
            Reason = "requested_by_customer",
            Metadata = new Dictionary<string, string>(metadata),
        };
        try
        {
            var refund = await new RefundService(Client()).CreateAsync(create, new RequestOptions { IdempotencyKey = idempotencyKey }, cancellationToken);
            return StripeRefund.From(refund);
        }
        catch (StripeException exception)
        {
            // Stripe's own message says why (e.g. "Refund amount (€50.00) is greater than unrefunded amount on charge (€45.00)").
            var why = string.IsNullOrEmpty(exception.StripeError?.Message) ? string.Empty : $": {exception.StripeError.Message}";
            throw new PaymentProviderException($"Stripe refused the refund ({Status(exception)}){why}", exception);
        }
    }

    /// <summary>Every refund of a payment, as Stripe lists them (for a charge.refunded event that did not carry them).</summary>
    public async Task<IReadOnlyList<StripeRefund>> ListRefundsAsync(string paymentIntentId, CancellationToken cancellationToken)
    {
        try
        {
            var refunds = new List<StripeRefund>();
            var options = new RefundListOptions { PaymentIntent = paymentIntentId, Limit = 100 };
            await foreach (var refund in new RefundService(Client()).ListAutoPagingAsync(options, requestOptions: null, cancellationToken))
            {
                refunds.Add(StripeRefund.From(refund));
            }

            return refunds;
        }
        catch (StripeException exception)
        {
            throw new PaymentProviderException($"Stripe refused to list the refunds of {paymentIntentId} ({Status(exception)}).", exception);
        }
    }

    /// <summary>A client for this call: the secret key and API base as configured now (refused when no key is set).</summary>
    private StripeClient Client()
    {
        if (string.IsNullOrEmpty(Settings.SecretKey))
        {
            throw new PaymentProviderException("Card payments are not configured (Platform:Billing:Stripe:SecretKey is not set).");
        }

        try
        {
            // The HttpClient comes from IHttpClientFactory (pooled handlers, DNS refresh); Stripe.net's telemetry header,
            // which reports our previous request's latency to Stripe, is off: nothing in it serves us.
            return new StripeClient(new StripeClientOptions
            {
                ApiKey = Settings.SecretKey,
                ApiBase = Settings.ApiBase.TrimEnd('/'),
                HttpClient = new SystemNetHttpClient(http, enableTelemetry: false),
            });
        }
        catch (ArgumentException exception)
        {
            // Stripe.net refuses a key with whitespace in it: a configuration mistake, said as such rather than a 500.
            throw new PaymentProviderException("Card payments are misconfigured (Platform:Billing:Stripe:SecretKey is not a valid key).", exception);
        }
    }

    private static string Status(StripeException exception) =>
        exception.HttpStatusCode == 0 ? "no answer" : ((int)exception.HttpStatusCode).ToString(CultureInfo.InvariantCulture);
}

/// <summary>Stripe, the payment provider, named in the privacy policy as a recipient when card payments are configured.</summary>
internal sealed class StripeDataRecipient(IOptions<BillingOptions> options) : Platform.Modules.Shared.IDataRecipientSource
{
    public Task<IReadOnlyList<Platform.Modules.Shared.DataRecipient>> RecipientsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Platform.Modules.Shared.DataRecipient>>(string.IsNullOrEmpty(options.Value.Stripe.SecretKey)
            ? []
            : [new Platform.Modules.Shared.DataRecipient("Stripe (card payments)",
                "The card details and billing contact you type on its checkout page, the amount, and the company the payment is for",
                "To take card payments and refunds; Stripe shares card details with the issuing bank to verify the payment", "Whoever pays for an account")]);
}
