using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Platform.Carriers.Abstractions;

namespace Platform.Carriers.Http;

/// <summary>Maps the HTTP carrier's webhook: <c>POST /carriers/http/{instance}/webhook</c>.</summary>
internal static class HttpCarrierEndpoints
{
    public const string Route = "/carriers/http/{instance}/webhook";

    /// <summary>The host's rate-limit policy for traffic from carriers.</summary>
    public const string RateLimitPolicy = "inbound";

    /// <summary>
    /// Maps the webhook of every HTTP carrier instance. Anonymous (the signature authenticates the sender), without
    /// antiforgery, under the host's <c>inbound</c> rate limit. The handler is the <see cref="HttpCarrierWebhooks"/>
    /// registered in the container, or else the one of the registered <see cref="HttpCarrierFactory"/>.
    /// </summary>
    public static IEndpointConventionBuilder MapHttpCarrierWebhooks(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.MapPost(Route, HandleAsync)
            .WithName("HttpCarrierWebhook")
            .AllowAnonymous()
            .DisableAntiforgery()
            .RequireRateLimiting(RateLimitPolicy);
    }

    private static async Task<IResult> HandleAsync(string instance, HttpContext http)
    {
        var services = http.RequestServices;
        var webhooks = services.GetService<HttpCarrierWebhooks>()
            ?? services.GetServices<ICarrierFactory>().OfType<HttpCarrierFactory>().FirstOrDefault()?.Webhooks;
        if (webhooks is null)
        {
            return Answer(new WebhookOutcome(404, "The HTTP carrier is not installed on this host."));
        }
        if (http.Request.ContentLength > HttpCarrierWebhooks.MaxBodyBytes)
        {
            return Answer(new WebhookOutcome(413, $"The body may be at most {HttpCarrierWebhooks.MaxBodyBytes} bytes."));
        }
        var body = await ReadBodyAsync(http.Request, http.RequestAborted);
        if (body is null)
        {
            return Answer(new WebhookOutcome(413, $"The body may be at most {HttpCarrierWebhooks.MaxBodyBytes} bytes."));
        }
        var outcome = await webhooks.HandleAsync(instance, http.Request.Headers[WebhookSignature.HeaderName].ToString(), body, http.RequestAborted);
        return Answer(outcome);
    }

    private static IResult Answer(WebhookOutcome outcome) => outcome.Succeeded
        ? Results.Json(new { status = "ok", message = outcome.Message }, statusCode: outcome.StatusCode)
        : Results.Problem(detail: outcome.Message, statusCode: outcome.StatusCode);

    // The raw bytes, exactly as sent: the signature covers them, so nothing may re-encode the body first.
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > HttpCarrierWebhooks.MaxBodyBytes)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
