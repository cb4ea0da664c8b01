using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Stripe;

namespace Platform.Modules.Billing.Payments;

/// <summary>Settings under <c>Platform:Billing:FakeStripe</c>: the demo's stand-in for Stripe (Development only).</summary>
internal sealed class DemoStripeOptions
{
    public const string Section = "Platform:Billing:FakeStripe";

    /// <summary>Maps the fake under <see cref="DemoStripe.PathBase"/>; true in appsettings.Development.json only.</summary>
    public bool Enabled { get; set; }

    /// <summary>Where the signed webhook goes; by default this host's own <see cref="StripeWebhook.Path"/>, as the buyer reached the pay page.</summary>
    public string? WebhookUrl { get; set; }
}

/// <summary>One Checkout Session the fake holds in memory (a demo restart forgets them).</summary>
internal sealed class DemoSession
{
    public required string Id { get; init; }

    public required Dictionary<string, string> Form { get; init; }

    public required string Url { get; init; }

    public bool Paid { get; set; }

    public string? PaymentIntentId { get; set; }

    public int ExpMonth { get; set; }

    public int ExpYear { get; set; }

    public Dictionary<string, string> Customer { get; set; } = [];

    /// <summary>The amount asked for, in minor units, as the checkout form gave it (0 when it did not).</summary>
    public long AmountMinor => long.TryParse(Field("line_items[0][price_data][unit_amount]"), NumberStyles.None, CultureInfo.InvariantCulture, out var amount) ? amount : 0;

    public string Field(string name) => Form.TryGetValue(name, out var value) ? value : string.Empty;
}

/// <summary>One refund the fake made, of a paid session's payment intent.</summary>
internal sealed record DemoRefund(string Id, string PaymentIntentId, long AmountMinor, string Currency, Dictionary<string, string> Metadata, long Created);

/// <summary>The fake's sessions, by id and by idempotency key, and its refunds.</summary>
internal sealed class DemoStripeSessions
{
    public ConcurrentDictionary<string, DemoSession> ById { get; } = new();

    public ConcurrentDictionary<string, string> ByIdempotencyKey { get; } = new();

    public ConcurrentDictionary<string, DemoRefund> RefundsByIdempotencyKey { get; } = new();

    public ConcurrentQueue<DemoRefund> Refunds { get; } = new();
}

/// <summary>
/// A local fake of Stripe for the <c>./run</c> demo (ADR 19), mapped only when <c>Platform:Billing:FakeStripe:Enabled</c>:
/// the REST calls <see cref="StripeGateway"/> makes through Stripe.net (create and retrieve a Checkout Session, create and list
/// refunds), a hosted pay page that accepts the test card 4242 4242 4242 4242, and signed <c>checkout.session.completed</c>
/// and <c>charge.refunded</c> webhooks to the platform. The card
/// number is checked and dropped: only the brand, last four digits and expiry go into the event, as Stripe sends them.
/// </summary>
internal static class DemoStripe
{
    public const string PathBase = "/fake-stripe";
    public const string TestCard = "4242424242424242";

    private static readonly string[] AddressFields = ["line1", "line2", "city", "postal_code", "state", "country"];

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup(PathBase).AllowAnonymous().DisableAntiforgery();
        group.MapPost("/v1/checkout/sessions", CreateSessionAsync);
        group.MapGet("/v1/checkout/sessions/{id}", (string id, HttpRequest request, DemoStripeSessions sessions, IOptions<BillingOptions> billing) =>
            !Authorized(request, billing.Value) ? Unauthorized()
            : sessions.ById.TryGetValue(id, out var session) ? Results.Json(SessionObject(session), statusCode: 200)
            : Results.Json(new { error = new { type = "invalid_request_error", code = "resource_missing", message = $"No such checkout.session: '{id}'" } }, statusCode: 404));
        group.MapPost("/v1/refunds", CreateRefundAsync);
        group.MapGet("/v1/refunds", (HttpRequest request, DemoStripeSessions sessions, IOptions<BillingOptions> billing) =>
            !Authorized(request, billing.Value) ? Unauthorized()
            : Results.Json(new Dictionary<string, object?>
            {
                ["object"] = "list",
                ["url"] = "/v1/refunds",
                ["has_more"] = false,
                ["data"] = sessions.Refunds.Where(r => r.PaymentIntentId == request.Query["payment_intent"].ToString()).Reverse().Select(RefundObject).ToList(),
            }));
        group.MapGet("/pay/{id}", (string id, DemoStripeSessions sessions) =>
            sessions.ById.TryGetValue(id, out var session) ? Page(session, null, new Dictionary<string, string>()) : Results.NotFound());
        group.MapPost("/pay/{id}", PayAsync);
    }

    private static bool Authorized(HttpRequest request, BillingOptions billing) =>
        !string.IsNullOrEmpty(billing.Stripe.SecretKey) && request.Headers.Authorization.ToString() == $"Bearer {billing.Stripe.SecretKey}";

    private static IResult Unauthorized() =>
        Results.Json(new { error = new { type = "invalid_request_error", message = "Invalid API Key provided." } }, statusCode: 401);

    private static async Task<IResult> CreateSessionAsync(HttpRequest request, DemoStripeSessions sessions, IOptions<BillingOptions> billing)
    {
        if (!Authorized(request, billing.Value))
        {
            return Unauthorized();
        }

        var form = (await request.ReadFormAsync()).ToDictionary(f => f.Key, f => f.Value.ToString());
        var key = request.Headers["Idempotency-Key"].ToString();
        if (key.Length > 0 && sessions.ByIdempotencyKey.TryGetValue(key, out var existingId) && sessions.ById.TryGetValue(existingId, out var existing))
        {
            return Results.Json(SessionObject(existing));
        }

        var id = $"cs_test_{Guid.NewGuid():N}";
        var session = new DemoSession { Id = id, Form = form, Url = $"{request.Scheme}://{request.Host}{PathBase}/pay/{id}" };
        sessions.ById[id] = session;
        if (key.Length > 0)
        {
            sessions.ByIdempotencyKey[key] = id;
        }

        return Results.Json(SessionObject(session));
    }

    /// <summary>
    /// A refund of a paid session's payment, at most what is left of it (Stripe's own rule and message), idempotent by key;
    /// then the signed <c>charge.refunded</c> webhook Stripe sends, with the charge's refunds not expanded, as Stripe's API
    /// versions since 2022-11-15 send it (Billing lists them).
    /// </summary>
    private static async Task<IResult> CreateRefundAsync(
        HttpRequest request,
        DemoStripeSessions sessions,
        IOptions<BillingOptions> billing,
        IOptions<DemoStripeOptions> demo,
        IHttpClientFactory clients,
        TimeProvider clock,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        if (!Authorized(request, billing.Value))
        {
            return Unauthorized();
        }

        var form = (await request.ReadFormAsync(cancellationToken)).ToDictionary(f => f.Key, f => f.Value.ToString());
        var key = request.Headers["Idempotency-Key"].ToString();
        if (key.Length > 0 && sessions.RefundsByIdempotencyKey.TryGetValue(key, out var again))
        {
            return Results.Json(RefundObject(again));
        }

        var paymentIntent = form.GetValueOrDefault("payment_intent") ?? string.Empty;
        var session = sessions.ById.Values.FirstOrDefault(s => s.Paid && s.PaymentIntentId == paymentIntent);
        if (session is null)
        {
            return Results.Json(new { error = new { type = "invalid_request_error", code = "resource_missing", message = $"No such payment_intent: '{paymentIntent}'" } }, statusCode: 400);
        }

        var refunded = sessions.Refunds.Where(r => r.PaymentIntentId == paymentIntent).Sum(r => r.AmountMinor);
        var amount = long.TryParse(form.GetValueOrDefault("amount"), NumberStyles.None, CultureInfo.InvariantCulture, out var asked) ? asked : session.AmountMinor - refunded;
        if (amount <= 0 || amount > session.AmountMinor - refunded)
        {
            return Results.Json(new
            {
                error = new
                {
                    type = "invalid_request_error",
                    code = "amount_too_large",
                    message = string.Create(CultureInfo.InvariantCulture, $"Refund amount ({amount / 100m:0.00}) is greater than unrefunded amount on charge ({(session.AmountMinor - refunded) / 100m:0.00})"),
                },
            }, statusCode: 400);
        }

        var metadata = form.Where(f => f.Key.StartsWith("metadata[", StringComparison.Ordinal)).ToDictionary(f => f.Key["metadata[".Length..^1], f => f.Value);
        var refund = new DemoRefund($"re_test_{Guid.NewGuid():N}", paymentIntent, amount, session.Field("line_items[0][price_data][currency]"), metadata,
            clock.GetUtcNow().ToUnixTimeSeconds());
        sessions.Refunds.Enqueue(refund);
        if (key.Length > 0)
        {
            sessions.RefundsByIdempotencyKey[key] = refund;
        }

        var charge = new Dictionary<string, object?>
        {
            ["id"] = $"ch_{paymentIntent}",
            ["object"] = "charge",
            ["amount"] = session.AmountMinor,
            ["amount_refunded"] = refunded + amount,
            ["currency"] = refund.Currency,
            ["payment_intent"] = paymentIntent,
            ["refunded"] = refunded + amount == session.AmountMinor,
            ["status"] = "succeeded",
        };
        await SendWebhookAsync("charge.refunded", charge, request, billing.Value, demo.Value, clients, clock, loggers.CreateLogger("Platform.Modules.Billing.DemoStripe"), cancellationToken);
        return Results.Json(RefundObject(refund));
    }

    private static Dictionary<string, object?> RefundObject(DemoRefund refund) => new()
    {
        ["id"] = refund.Id,
        ["object"] = "refund",
        ["amount"] = refund.AmountMinor,
        ["currency"] = refund.Currency,
        ["payment_intent"] = refund.PaymentIntentId,
        ["charge"] = $"ch_{refund.PaymentIntentId}",
        ["status"] = "succeeded",
        ["reason"] = "requested_by_customer",
        ["metadata"] = refund.Metadata,
        ["created"] = refund.Created,
    };

    private static async Task<IResult> PayAsync(
        string id,
        HttpRequest request,
        DemoStripeSessions sessions,
        IOptions<BillingOptions> billing,
        IOptions<DemoStripeOptions> demo,
        IHttpClientFactory clients,
        TimeProvider clock,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        if (!sessions.ById.TryGetValue(id, out var session))
        {
            return Results.NotFound();
        }

        var form = await request.ReadFormAsync(cancellationToken);
        var customer = new Dictionary<string, string>
        {
            ["name"] = form["name"].ToString().Trim(),
            ["email"] = form["email"].ToString().Trim(),
        };
        foreach (var field in AddressFields)
        {
            customer[field] = form[field].ToString().Trim();
        }

        // The card number is read here and never stored, logged or echoed back into the page.
        var number = new string(form["card"].ToString().Where(char.IsDigit).ToArray());
        var error = Validate(number, form["expiry"].ToString(), form["cvc"].ToString(), customer, clock.GetUtcNow(), out var expMonth, out var expYear);
        if (error is not null)
        {
            return Page(session, error, customer);
        }

        if (!session.Paid)
        {
            session.ExpMonth = expMonth;
            session.ExpYear = expYear;
            session.Customer = customer;
            session.PaymentIntentId = $"pi_test_{Guid.NewGuid():N}";
            session.Paid = true;
            await SendWebhookAsync("checkout.session.completed", SessionObject(session), request, billing.Value, demo.Value, clients, clock, loggers.CreateLogger("Platform.Modules.Billing.DemoStripe"), cancellationToken);
        }

        return Results.Redirect(session.Field("success_url"));
    }

    private static string? Validate(string number, string expiry, string cvc, Dictionary<string, string> customer, DateTimeOffset now, out int month, out int year)
    {
        month = 0;
        year = 0;
        if (number != TestCard)
        {
            return "Your card was declined. This demo accepts only the test card 4242 4242 4242 4242.";
        }

        var parts = expiry.Split('/', 2, StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out month) || month is < 1 or > 12
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out year) || parts[1].Length is not (2 or 4))
        {
            return "Give the expiry as MM / YY.";
        }

        year = year < 100 ? 2000 + year : year;
        if (year < now.Year || (year == now.Year && month < now.Month))
        {
            return "Your card has expired.";
        }

        if (cvc.Trim().Length is < 3 or > 4 || !cvc.Trim().All(char.IsDigit))
        {
            return "Give the card's security code (3 or 4 digits).";
        }

        if (customer["name"].Length == 0 || !customer["email"].Contains('@', StringComparison.Ordinal) || customer["line1"].Length == 0
            || customer["city"].Length == 0 || customer["country"].Length != 2)
        {
            return "Give the name on the card, an email, and the billing address (street, city, 2-letter country).";
        }

        return null;
    }

    private static async Task SendWebhookAsync(
        string type,
        Dictionary<string, object?> dataObject,
        HttpRequest request,
        BillingOptions billing,
        DemoStripeOptions demo,
        IHttpClientFactory clients,
        TimeProvider clock,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(billing.Stripe.WebhookSecret))
        {
            logger.LogWarning("The fake Stripe sends no webhook: Platform:Billing:Stripe:WebhookSecret is not set");
            return;
        }

        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        var payload = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["id"] = $"evt_test_{Guid.NewGuid():N}",
            ["object"] = "event",
            // The version Stripe.net pins: the webhook refuses events of another API version, as it would Stripe's own.
            ["api_version"] = StripeConfiguration.ApiVersion,
            ["created"] = now,
            ["type"] = type,
            ["livemode"] = false,
            ["data"] = new Dictionary<string, object?> { ["object"] = dataObject },
        });

        var url = demo.WebhookUrl is { Length: > 0 } configured ? configured : $"{request.Scheme}://{request.Host}{StripeWebhook.Path}";
        using var content = new StringContent(payload, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var message = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        message.Headers.Add("Stripe-Signature", EventUtility.GenerateSignatureHeader(payload, billing.Stripe.WebhookSecret, now));
        try
        {
            using var response = await clients.CreateClient(nameof(DemoStripe)).SendAsync(message, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                logger.LogWarning("The fake Stripe's {Type} webhook for {Id} was answered {Status}", type, dataObject["id"], (int)response.StatusCode);
            }
        }
        catch (HttpRequestException exception)
        {
            logger.LogWarning(exception, "The fake Stripe could not deliver the {Type} webhook for {Id}", type, dataObject["id"]);
        }
    }

    /// <summary>A Checkout Session as Stripe writes it, with the payment intent and its card expanded.</summary>
    public static Dictionary<string, object?> SessionObject(DemoSession session)
    {
        var metadata = session.Form.Where(f => f.Key.StartsWith("metadata[", StringComparison.Ordinal))
            .ToDictionary(f => f.Key["metadata[".Length..^1], f => f.Value);
        var amount = session.AmountMinor;
        return new Dictionary<string, object?>
        {
            ["id"] = session.Id,
            ["object"] = "checkout.session",
            ["mode"] = session.Field("mode"),
            ["status"] = session.Paid ? "complete" : "open",
            ["payment_status"] = session.Paid ? "paid" : "unpaid",
            ["amount_total"] = amount,
            ["currency"] = session.Field("line_items[0][price_data][currency]"),
            ["client_reference_id"] = session.Field("client_reference_id"),
            ["metadata"] = metadata,
            ["success_url"] = session.Field("success_url"),
            ["cancel_url"] = session.Field("cancel_url"),
            ["url"] = session.Paid ? null : session.Url,
            ["livemode"] = false,
            ["customer_details"] = session.Paid
                ? new Dictionary<string, object?>
                {
                    ["name"] = session.Customer["name"],
                    ["email"] = session.Customer["email"],
                    ["address"] = AddressFields.ToDictionary(f => f, f => session.Customer[f] is { Length: > 0 } v ? v : null),
                }
                : null,
            ["payment_intent"] = session.Paid
                ? new Dictionary<string, object?>
                {
                    ["id"] = session.PaymentIntentId,
                    ["object"] = "payment_intent",
                    ["status"] = "succeeded",
                    ["payment_method"] = new Dictionary<string, object?>
                    {
                        ["id"] = $"pm_{session.PaymentIntentId}",
                        ["object"] = "payment_method",
                        ["type"] = "card",
                        ["card"] = new Dictionary<string, object?> { ["brand"] = "visa", ["last4"] = "4242", ["exp_month"] = session.ExpMonth, ["exp_year"] = session.ExpYear },
                    },
                }
                : null,
        };
    }

    private static IResult Page(DemoSession session, string? error, Dictionary<string, string> values)
    {
        static string E(string? s) => HtmlEncoder.Default.Encode(s ?? string.Empty);
        string V(string name) => E(values.TryGetValue(name, out var v) ? v : null);
        var amount = session.AmountMinor;
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Pay — fake Stripe Checkout</title><link rel="stylesheet" href="/lib/bootstrap/bootstrap.min.css"></head>
            <body class="bg-light"><main class="container py-4" id="fake-checkout">
            <p class="badge text-bg-warning">Fake Stripe Checkout — demo only, no real payment</p>
            <h1 class="h4">{E(session.Field("line_items[0][price_data][product_data][name]"))}</h1>
            <p class="fs-5" id="amount">{(amount / 100m).ToString("0.00", CultureInfo.InvariantCulture)} {E(session.Field("line_items[0][price_data][currency]").ToUpperInvariant())}</p>
            """);
        if (session.Paid)
        {
            html.Append(CultureInfo.InvariantCulture, $"""<p class="alert alert-success">Already paid.</p><p><a href="{E(session.Field("success_url"))}">Return to the merchant</a></p>""");
        }
        else
        {
            if (error is not null)
            {
                html.Append(CultureInfo.InvariantCulture, $"""<div class="alert alert-danger" role="alert" id="card-error">{E(error)}</div>""");
            }

            html.Append(CultureInfo.InvariantCulture, $"""
                <form method="post" class="row g-2" autocomplete="off" novalidate>
                <div class="col-12"><label class="form-label" for="email">Email</label><input class="form-control" id="email" name="email" type="email" value="{V("email")}"></div>
                <div class="col-12"><label class="form-label" for="card">Card number</label><input class="form-control" id="card" name="card" inputmode="numeric" placeholder="4242 4242 4242 4242"></div>
                <div class="col-6"><label class="form-label" for="expiry">Expiry (MM / YY)</label><input class="form-control" id="expiry" name="expiry" placeholder="12 / 34"></div>
                <div class="col-6"><label class="form-label" for="cvc">CVC</label><input class="form-control" id="cvc" name="cvc" inputmode="numeric" placeholder="123"></div>
                <div class="col-12"><label class="form-label" for="name">Name on card</label><input class="form-control" id="name" name="name" value="{V("name")}"></div>
                <div class="col-12"><label class="form-label" for="line1">Billing address</label><input class="form-control" id="line1" name="line1" value="{V("line1")}"></div>
                <div class="col-12"><label class="form-label" for="line2">Address line 2</label><input class="form-control" id="line2" name="line2" value="{V("line2")}"></div>
                <div class="col-6"><label class="form-label" for="city">City</label><input class="form-control" id="city" name="city" value="{V("city")}"></div>
                <div class="col-6"><label class="form-label" for="postal_code">Postal code</label><input class="form-control" id="postal_code" name="postal_code" value="{V("postal_code")}"></div>
                <div class="col-6"><label class="form-label" for="state">State / region</label><input class="form-control" id="state" name="state" value="{V("state")}"></div>
                <div class="col-6"><label class="form-label" for="country">Country (2 letters)</label><input class="form-control" id="country" name="country" maxlength="2" value="{V("country")}"></div>
                <div class="col-12"><button class="btn btn-primary" type="submit" id="pay">Pay</button>
                <a class="btn btn-link" href="{E(session.Field("cancel_url"))}">Cancel</a></div>
                </form>
                <p class="text-muted small mt-3">Test card 4242 4242 4242 4242, any future expiry, any CVC. The card number is never stored.</p>
                """);
        }

        html.Append("</main></body></html>");
        return Results.Content(html.ToString(), "text/html; charset=utf-8", Encoding.UTF8, error is null ? 200 : 400);
    }
}
