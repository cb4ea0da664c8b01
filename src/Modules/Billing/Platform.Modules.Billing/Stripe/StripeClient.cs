using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Platform.Modules.Billing.Stripe;

/// <summary>What Stripe answered when a Checkout Session was created: its id and the page to send the buyer to.</summary>
internal sealed record CheckoutSession(string Id, string Url);

internal sealed class StripeException(string message) : Exception(message);

/// <summary>
/// The few Stripe REST calls Billing makes (ADR 5): form-encoded requests with the secret key from
/// configuration. No card data passes through here; the buyer pays on Stripe's Checkout page.
/// </summary>
internal sealed class StripeClient(HttpClient http, IOptions<BillingOptions> options)
{
    private StripeOptions Stripe => options.Value.Stripe;

    public async Task<CheckoutSession> CreateCheckoutSessionAsync(
        Guid purchaseId,
        Guid companyId,
        CreditPack pack,
        string successUrl,
        string cancelUrl,
        CancellationToken cancellationToken)
    {
        var form = new List<KeyValuePair<string, string>>
        {
            new("mode", "payment"),
            new("success_url", successUrl),
            new("cancel_url", cancelUrl),
            new("client_reference_id", companyId.ToString()),
            new("line_items[0][quantity]", "1"),
            new("line_items[0][price_data][currency]", Stripe.Currency.ToLowerInvariant()),
            new("line_items[0][price_data][unit_amount]", pack.AmountMinor.ToString(CultureInfo.InvariantCulture)),
            new("line_items[0][price_data][product_data][name]", pack.Name),
            new("metadata[purchase_id]", purchaseId.ToString()),
            new("metadata[pack]", pack.Id),
            new("metadata[credits]", pack.Credits.ToString(CultureInfo.InvariantCulture)),
        };
        using var request = NewRequest(HttpMethod.Post, "v1/checkout/sessions");
        request.Content = new FormUrlEncodedContent(form);
        // Stored before the call (the purchase id): a retry after a timeout gets the same session, not a second one.
        request.Headers.Add("Idempotency-Key", purchaseId.ToString());

        using var response = await http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new StripeException($"Stripe refused the checkout session ({(int)response.StatusCode}).");
        }

        using var json = JsonDocument.Parse(body);
        var id = json.RootElement.GetProperty("id").GetString();
        var url = json.RootElement.GetProperty("url").GetString();
        return id is { Length: > 0 } && url is { Length: > 0 }
            ? new CheckoutSession(id, url)
            : throw new StripeException("Stripe's answer had no session id or url.");
    }

    /// <summary>A request to Stripe's API at <paramref name="path"/>, authenticated with the secret key (refused when none is set).</summary>
    private HttpRequestMessage NewRequest(HttpMethod method, string path)
    {
        if (string.IsNullOrEmpty(Stripe.SecretKey))
        {
            throw new StripeException("Card payments are not configured (Platform:Billing:Stripe:SecretKey is not set).");
        }

        var request = new HttpRequestMessage(method, new Uri(new Uri(Stripe.ApiBase.TrimEnd('/') + "/"), path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Stripe.SecretKey);
        return request;
    }

    /// <summary>
    /// <c>GET /v1/checkout/sessions/{id}</c> (with the payment intent's payment method expanded), as the event the reconciliation
    /// job feeds to the same once-only path as the webhook: its id is <c>reconcile_{session id}</c>. Null when Stripe has no such session.
    /// </summary>
    public async Task<StripeEventPayload?> GetCheckoutSessionAsync(string sessionId, CancellationToken cancellationToken)
    {
        using var request = NewRequest(HttpMethod.Get, $"v1/checkout/sessions/{Uri.EscapeDataString(sessionId)}?expand[]=payment_intent.payment_method");
        using var response = await http.SendAsync(request, cancellationToken);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new StripeException($"Stripe refused to return checkout session {sessionId} ({(int)response.StatusCode}).");
        }

        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return StripeEventPayload.FromSession($"reconcile_{sessionId}", "checkout.session.completed", json.RootElement);
    }
}
