using System.Text;
using System.Text.Json;
using MediatR;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Modules.Billing.Features;
using Platform.Modules.Shared;
using Stripe;
using Stripe.Checkout;

namespace Platform.Modules.Billing.Payments;

/// <summary>
/// <c>POST /billing/stripe/webhook</c>: anonymous, verified and read by Stripe.net's <see cref="EventUtility.ConstructEvent(string, string, string, long, long, bool)"/>,
/// answered after the effect is committed. Anything refused gets a 400 with a message of ours (<see cref="StripeWebhookRefusals"/>),
/// never a 500, and changes nothing.
/// </summary>
internal static class StripeWebhook
{
    public const string Path = "/billing/stripe/webhook";

    public static void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost(Path, HandleAsync)
            .AllowAnonymous()
            .DisableAntiforgery()
            .RequireRateLimiting(RateLimitPolicies.Inbound);

    private static async Task<IResult> HandleAsync(
        HttpRequest request,
        IMediator mediator,
        StripeGateway stripe,
        IOptions<BillingOptions> options,
        TimeProvider clock,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger("Platform.Modules.Billing.StripeWebhook");
        var secret = options.Value.Stripe.WebhookSecret;
        if (string.IsNullOrEmpty(secret))
        {
            logger.LogError("A Stripe webhook arrived but Platform:Billing:Stripe:WebhookSecret is not set");
            return Results.Problem("Webhooks are not configured.", statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        string payload;
        using (var reader = new StreamReader(request.Body, Encoding.UTF8))
        {
            payload = await reader.ReadToEndAsync(cancellationToken);
        }

        var header = request.Headers["Stripe-Signature"].ToString();
        var problem = StripeWebhookRefusals.OfHeader(header);
        Event? stripeEvent = null;
        if (problem is null)
        {
            try
            {
                // The version check is ours, after the signature (below): Stripe.net's own throws a NullReferenceException
                // on an event without api_version and names its own parameters in its message.
                stripeEvent = EventUtility.ConstructEvent(
                    payload, header, secret, options.Value.Stripe.WebhookToleranceSeconds, clock.GetUtcNow().ToUnixTimeSeconds(),
                    throwOnApiVersionMismatch: false);
                problem = StripeWebhookRefusals.OfApiVersion(stripeEvent.ApiVersion);
            }
            catch (StripeException exception)
            {
                problem = StripeWebhookRefusals.OfSignature(exception, options.Value.Stripe.WebhookToleranceSeconds);
            }
            catch (Exception exception) when (exception is JsonException or ArgumentException or InvalidOperationException)
            {
                problem = StripeWebhookRefusals.NotAnEvent;
            }
        }

        if (problem is not null || stripeEvent is null || string.IsNullOrEmpty(stripeEvent.Id) || string.IsNullOrEmpty(stripeEvent.Type))
        {
            problem ??= StripeWebhookRefusals.NotAnEvent;
            logger.LogWarning("Refused a Stripe webhook: {Problem}", problem);
            return Results.Text(problem, statusCode: StatusCodes.Status400BadRequest);
        }

        var read = StripeEventPayload.From(stripeEvent);
        if (read is { Type: RefundRecorder.ChargeRefunded, Refunds: null, PaymentIntentId: { } paymentIntentId })
        {
            try
            {
                read = read with { Refunds = await stripe.ListRefundsAsync(paymentIntentId, cancellationToken) };
            }
            catch (Exception exception) when (PaymentProviderException.IsProviderFailure(exception))
            {
                // Not ours to refuse: Stripe retries an event answered with a 5xx, and the refunds are asked for again then.
                logger.LogWarning(exception, "Could not list the refunds of {PaymentIntent} for event {EventId}", paymentIntentId, stripeEvent.Id);
                return Results.Text("Stripe's refunds could not be read; send the event again later.", statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        }

        var outcome = await mediator.Send(new ProcessStripeEvent(read), cancellationToken);
        return Results.Text(outcome, statusCode: StatusCodes.Status200OK);
    }
}

/// <summary>
/// The 400 answers a refused webhook gets. Stripe.net's messages differ from ours (one tells a sender with no signature at all
/// to check its webhook secret), so the header's shape is checked here first and the SDK's refusals are put in our words.
/// </summary>
internal static class StripeWebhookRefusals
{
    public const string NotAnEvent = "The event is not valid JSON of a Stripe event.";

    /// <summary>Missing, or without a timestamp and a v1 signature: said plainly before Stripe.net is asked.</summary>
    public static string? OfHeader(string header)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return "Missing Stripe-Signature header.";
        }

        var keys = header.Split(',').Select(part => part.Split('=', 2)).ToList();
        return keys.Any(pair => pair.Length != 2)
            || !keys.Any(pair => pair[0].Trim() == "t" && long.TryParse(pair[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
            || !keys.Any(pair => pair[0].Trim() == "v1")
            ? "Malformed Stripe-Signature header: a timestamp (t) and at least one v1 signature are required."
            : null;
    }

    /// <summary>Stripe.net's refusal of the signature, in our words (by its message: it throws one exception type for all).</summary>
    public static string OfSignature(StripeException exception, int toleranceSeconds) =>
        exception.Message switch
        {
            var m when m.Contains("tolerance", StringComparison.OrdinalIgnoreCase) =>
                $"Stripe-Signature timestamp is outside the {toleranceSeconds}-second tolerance.",
            var m when m.Contains("signature was not found", StringComparison.OrdinalIgnoreCase) => "Stripe-Signature does not match the payload.",
            var m when m.Contains("format", StringComparison.OrdinalIgnoreCase) =>
                "Malformed Stripe-Signature header: a timestamp (t) and at least one v1 signature are required.",
            _ => $"Stripe-Signature could not be verified: {exception.Message}",
        };

    /// <summary>
    /// Stripe.net 53.1.0 reads events of its pinned API version only (objects of another version may be read wrongly). A verified
    /// event of another version is refused with what to change; the reconciliation job credits its purchase meanwhile.
    /// </summary>
    public static string? OfApiVersion(string? eventVersion) =>
        string.IsNullOrEmpty(eventVersion)
            ? $"The event has no api_version: this platform reads events of Stripe API version {StripeConfiguration.ApiVersion} only."
            : EventUtility.IsCompatibleApiVersion(StripeConfiguration.ApiVersion, eventVersion)
                ? null
                : $"The event's API version {eventVersion} is not {StripeConfiguration.ApiVersion}, the version this platform reads: "
                  + $"set the webhook endpoint's API version to {StripeConfiguration.ApiVersion} in Stripe's dashboard.";
}

/// <summary>
/// What Stripe returns about a paid session: the card's brand, last four digits and expiry (from the expanded
/// payment intent's payment method) and the billing contact (<c>customer_details</c>). Never a card number.
/// </summary>
internal sealed record PaymentDetails(
    string? CardBrand,
    string? CardLast4,
    short? CardExpMonth,
    short? CardExpYear,
    string? Name,
    string? Email,
    string? AddressLine1,
    string? AddressLine2,
    string? City,
    string? PostalCode,
    string? State,
    string? Country)
{
    public static PaymentDetails FromSession(Session session)
    {
        // Expanded only when asked for (the reconciliation job does; a webhook's session carries the payment intent's id only).
        var card = session.PaymentIntent?.PaymentMethod?.Card;
        var customer = session.CustomerDetails;
        var address = customer?.Address;
        return new PaymentDetails(
            Clip(card?.Brand, 20),
            card?.Last4 is { Length: 4 } last4 && last4.All(char.IsAsciiDigit) ? last4 : null,
            card?.ExpMonth is >= 1 and <= 12 ? (short)card.ExpMonth : null,
            card?.ExpYear is > 0 and <= short.MaxValue ? (short)card.ExpYear : null,
            Clip(customer?.Name, 200),
            Clip(customer?.Email, 320),
            Clip(address?.Line1, 200),
            Clip(address?.Line2, 200),
            Clip(address?.City, 100),
            Clip(address?.PostalCode, 20),
            Clip(address?.State, 100),
            address?.Country is { Length: 2 } country ? country.ToUpperInvariant() : null);
    }

    private static string? Clip(string? value, int length) =>
        string.IsNullOrWhiteSpace(value) ? null : value.Length > length ? value[..length] : value;
}

/// <summary>A Stripe refund as Billing reads it: its id, the payment it refunds, the amount, its status and our metadata.</summary>
internal sealed record StripeRefund(string Id, string? PaymentIntentId, long AmountMinor, string? Status, IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>Refunds Stripe gave up on (failed, canceled) returned nothing to the buyer and make no credit note.</summary>
    public bool Returned => Status is not ("failed" or "canceled");

    public static StripeRefund From(Refund refund) =>
        new(refund.Id, refund.PaymentIntentId, refund.Amount, refund.Status, refund.Metadata ?? new Dictionary<string, string>());
}

/// <summary>The parts of a Stripe event Billing reads, taken from Stripe.net's objects.</summary>
internal sealed record StripeEventPayload(
    string Id,
    string Type,
    string? SessionId,
    string? PaymentStatus,
    string? ClientReferenceId,
    string? PurchaseId,
    PaymentDetails? Payment = null,
    string? PaymentIntentId = null,
    IReadOnlyList<StripeRefund>? Refunds = null)
{
    /// <summary>A verified webhook event; a Checkout Session's events and a refunded charge's carry what Billing reads.</summary>
    public static StripeEventPayload From(Event stripeEvent) => stripeEvent.Data?.Object switch
    {
        Session session => FromSession(stripeEvent.Id, stripeEvent.Type, session),
        // Since API version 2022-11-15 a charge's refunds are not expanded in events; null here: Billing asks Stripe for them.
        Charge charge => new StripeEventPayload(stripeEvent.Id, stripeEvent.Type, null, null, null, null, null, charge.PaymentIntentId,
            charge.Refunds?.Data is { Count: > 0 } refunds ? refunds.Select(StripeRefund.From).ToList() : null),
        _ => new StripeEventPayload(stripeEvent.Id, stripeEvent.Type, null, null, null, null),
    };

    /// <summary>An event for a Checkout Session object (from a webhook, or fetched by the reconciliation job).</summary>
    public static StripeEventPayload FromSession(string eventId, string type, Session session) =>
        new(eventId, type, session.Id, session.PaymentStatus, session.ClientReferenceId,
            session.Metadata is { } metadata && metadata.TryGetValue("purchase_id", out var purchaseId) ? purchaseId : null,
            PaymentDetails.FromSession(session),
            session.PaymentIntentId);
}
