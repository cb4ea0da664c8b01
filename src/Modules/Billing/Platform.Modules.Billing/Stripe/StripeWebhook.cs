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

namespace Platform.Modules.Billing.Stripe;

/// <summary><c>POST /billing/stripe/webhook</c>: anonymous, verified by its signature, answered after the effect is committed.</summary>
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

        var problem = StripeSignature.Verify(
            request.Headers["Stripe-Signature"].ToString(), payload, secret, clock.GetUtcNow(),
            TimeSpan.FromSeconds(options.Value.Stripe.WebhookToleranceSeconds));
        if (problem is not null)
        {
            logger.LogWarning("Refused a Stripe webhook: {Problem}", problem);
            return Results.Text(problem, statusCode: StatusCodes.Status400BadRequest);
        }

        StripeEventPayload stripeEvent;
        try
        {
            stripeEvent = StripeEventPayload.Parse(payload);
        }
        catch (Exception exception) when (exception is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return Results.Text("The event is not valid JSON of a Stripe event.", statusCode: StatusCodes.Status400BadRequest);
        }

        var outcome = await mediator.Send(new ProcessStripeEvent(stripeEvent), cancellationToken);
        return Results.Text(outcome, statusCode: StatusCodes.Status200OK);
    }
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
    public static PaymentDetails FromSession(JsonElement session)
    {
        string? brand = null, last4 = null;
        short? month = null, year = null;
        if (session.TryGetProperty("payment_intent", out var intent) && intent.ValueKind == JsonValueKind.Object
            && intent.TryGetProperty("payment_method", out var method) && method.ValueKind == JsonValueKind.Object
            && method.TryGetProperty("card", out var card) && card.ValueKind == JsonValueKind.Object)
        {
            brand = Clip(StripeEventPayload.String(card, "brand"), 20);
            last4 = StripeEventPayload.String(card, "last4") is { Length: 4 } l && l.All(char.IsAsciiDigit) ? l : null;
            month = Short(card, "exp_month") is { } m and >= 1 and <= 12 ? m : null;
            year = Short(card, "exp_year");
        }

        string? name = null, email = null, line1 = null, line2 = null, city = null, postal = null, state = null, country = null;
        if (session.TryGetProperty("customer_details", out var customer) && customer.ValueKind == JsonValueKind.Object)
        {
            name = Clip(StripeEventPayload.String(customer, "name"), 200);
            email = Clip(StripeEventPayload.String(customer, "email"), 320);
            if (customer.TryGetProperty("address", out var address) && address.ValueKind == JsonValueKind.Object)
            {
                line1 = Clip(StripeEventPayload.String(address, "line1"), 200);
                line2 = Clip(StripeEventPayload.String(address, "line2"), 200);
                city = Clip(StripeEventPayload.String(address, "city"), 100);
                postal = Clip(StripeEventPayload.String(address, "postal_code"), 20);
                state = Clip(StripeEventPayload.String(address, "state"), 100);
                country = StripeEventPayload.String(address, "country") is { Length: 2 } c ? c.ToUpperInvariant() : null;
            }
        }

        return new PaymentDetails(brand, last4, month, year, name, email, line1, line2, city, postal, state, country);
    }

    private static string? Clip(string? value, int length) =>
        string.IsNullOrWhiteSpace(value) ? null : value.Length > length ? value[..length] : value;

    private static short? Short(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt16(out var number) ? number : null;
}

/// <summary>The parts of a Stripe event Billing reads.</summary>
internal sealed record StripeEventPayload(
    string Id,
    string Type,
    string? SessionId,
    string? PaymentStatus,
    string? ClientReferenceId,
    string? PurchaseId,
    PaymentDetails? Payment = null)
{
    public static StripeEventPayload Parse(string payload)
    {
        using var json = JsonDocument.Parse(payload);
        var root = json.RootElement;
        var id = root.GetProperty("id").GetString() ?? throw new InvalidOperationException("no id");
        var type = root.GetProperty("type").GetString() ?? throw new InvalidOperationException("no type");
        if (root.TryGetProperty("data", out var data) && data.TryGetProperty("object", out var obj) && obj.ValueKind == JsonValueKind.Object)
        {
            return FromSession(id, type, obj);
        }

        return new StripeEventPayload(id, type, null, null, null, null);
    }

    /// <summary>An event for a Checkout Session object (from a webhook, or fetched by the reconciliation job).</summary>
    public static StripeEventPayload FromSession(string eventId, string type, JsonElement session)
    {
        string? purchaseId = null;
        if (session.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object)
        {
            purchaseId = String(metadata, "purchase_id");
        }

        return new StripeEventPayload(eventId, type, String(session, "id"), String(session, "payment_status"),
            String(session, "client_reference_id"), purchaseId, PaymentDetails.FromSession(session));
    }

    public static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
