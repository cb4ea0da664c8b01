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

/// <summary>The parts of a Stripe event Billing reads.</summary>
internal sealed record StripeEventPayload(
    string Id,
    string Type,
    string? SessionId,
    string? PaymentStatus,
    string? ClientReferenceId,
    string? PurchaseId)
{
    public static StripeEventPayload Parse(string payload)
    {
        using var json = JsonDocument.Parse(payload);
        var root = json.RootElement;
        var id = root.GetProperty("id").GetString() ?? throw new InvalidOperationException("no id");
        var type = root.GetProperty("type").GetString() ?? throw new InvalidOperationException("no type");
        return root.TryGetProperty("data", out var data) && data.TryGetProperty("object", out var obj) && obj.ValueKind == JsonValueKind.Object
            ? FromSession(id, type, obj)
            : new StripeEventPayload(id, type, null, null, null, null);
    }

    /// <summary>An event about a Checkout Session object: from a webhook, or one the reconciliation job fetched.</summary>
    public static StripeEventPayload FromSession(string eventId, string type, JsonElement session)
    {
        string? purchaseId = null;
        if (session.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object)
        {
            purchaseId = String(metadata, "purchase_id");
        }

        return new StripeEventPayload(eventId, type, String(session, "id"), String(session, "payment_status"), String(session, "client_reference_id"), purchaseId);
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
