using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using MediatR;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Billing;

/// <summary>A checkout session creation the fake Stripe received: its form fields and headers (Stripe.net sends its pinned API version).</summary>
public sealed record FakeSessionRequest(
    string SessionId, IReadOnlyDictionary<string, string> Form, string? Authorization, string? IdempotencyKey, string? StripeVersion = null);

/// <summary>A refund the fake Stripe made: the form Stripe.net sent (payment_intent, amount, metadata[...]) and its idempotency key.</summary>
public sealed record FakeRefund(string Id, string PaymentIntent, long Amount, IReadOnlyDictionary<string, string> Form, string? IdempotencyKey)
{
    /// <summary>The refund object as Stripe writes it.</summary>
    public object Object() => new
    {
        id = Id,
        @object = "refund",
        amount = Amount,
        currency = "eur",
        payment_intent = PaymentIntent,
        charge = $"ch_{PaymentIntent}",
        status = "succeeded",
        metadata = Form.Where(f => f.Key.StartsWith("metadata[", StringComparison.Ordinal)).ToDictionary(f => f.Key["metadata[".Length..^1], f => f.Value),
    };
}

/// <summary>
/// A local fake of the Stripe REST calls Billing makes through Stripe.net (create and retrieve a Checkout Session), on
/// 127.0.0.1 and a free port; it records each request and answers objects shaped as Stripe's (with their <c>object</c>).
/// </summary>
public sealed class FakeStripe : IAsyncDisposable
{
    private WebApplication? app;

    public ConcurrentQueue<FakeSessionRequest> Sessions { get; } = new();

    /// <summary>Sessions the fake answers as paid when Billing retrieves them (GET /v1/checkout/sessions/{id}).</summary>
    public ConcurrentDictionary<string, bool> Paid { get; } = new();

    /// <summary>Every session id Billing retrieved, in order.</summary>
    public ConcurrentQueue<string> Retrieved { get; } = new();

    /// <summary>Refunds made through POST /v1/refunds, in order (a replay of an idempotency key adds none).</summary>
    public ConcurrentQueue<FakeRefund> Refunds { get; } = new();

    /// <summary>Refunds made elsewhere (as in Stripe's dashboard) that GET /v1/refunds lists besides <see cref="Refunds"/>.</summary>
    public ConcurrentQueue<FakeRefund> DashboardRefunds { get; } = new();

    /// <summary>Payment intents whose refunds GET /v1/refunds was asked for, in order.</summary>
    public ConcurrentQueue<string> RefundListings { get; } = new();

    public string BaseUrl { get; private set; } = string.Empty;

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        app = builder.Build();
        app.MapPost("/v1/checkout/sessions", async (HttpRequest request) =>
        {
            var form = await request.ReadFormAsync();
            var id = $"cs_test_{Guid.NewGuid():N}";
            Sessions.Enqueue(new FakeSessionRequest(
                id,
                form.ToDictionary(f => f.Key, f => f.Value.ToString()),
                request.Headers.Authorization.ToString(),
                request.Headers["Idempotency-Key"].ToString(),
                request.Headers["Stripe-Version"].ToString()));
            return Results.Json(new { id, @object = "checkout.session", url = $"https://checkout.fake/pay/{id}", payment_status = "unpaid" });
        });
        app.MapGet("/v1/checkout/sessions/{id}", (string id, HttpRequest request) =>
        {
            Retrieved.Enqueue(id);
            var session = Sessions.FirstOrDefault(s => s.SessionId == id);
            return session is null
                ? Results.Json(new { error = new { type = "invalid_request_error", code = "resource_missing", message = $"No such checkout.session: '{id}'" } }, statusCode: 404)
                : Results.Json(BillingFactory.SessionObject(session, Paid.ContainsKey(id) ? "paid" : "unpaid"));
        });
        app.MapPost("/v1/refunds", async (HttpRequest request) =>
        {
            var form = (await request.ReadFormAsync()).ToDictionary(f => f.Key, f => f.Value.ToString());
            var key = request.Headers["Idempotency-Key"].ToString();
            if (Refunds.FirstOrDefault(r => r.IdempotencyKey == key) is { } replay)
            {
                return Results.Json(replay.Object());
            }

            var paymentIntent = form.GetValueOrDefault("payment_intent") ?? string.Empty;
            var session = Sessions.FirstOrDefault(s => $"pi_{s.SessionId}" == paymentIntent);
            if (session is null)
            {
                return Results.Json(new { error = new { type = "invalid_request_error", code = "resource_missing", message = $"No such payment_intent: '{paymentIntent}'" } }, statusCode: 400);
            }

            var paid = long.Parse(session.Form["line_items[0][price_data][unit_amount]"], CultureInfo.InvariantCulture);
            var left = paid - Refunds.Concat(DashboardRefunds).Where(r => r.PaymentIntent == paymentIntent).Sum(r => r.Amount);
            var amount = form.TryGetValue("amount", out var asked) ? long.Parse(asked, CultureInfo.InvariantCulture) : left;
            if (amount > left)
            {
                return Results.Json(new { error = new { type = "invalid_request_error", code = "amount_too_large", message = $"Refund amount is greater than unrefunded amount on charge ({left})" } }, statusCode: 400);
            }

            var refund = new FakeRefund($"re_{Guid.NewGuid():N}", paymentIntent, amount, form, key);
            Refunds.Enqueue(refund);
            return Results.Json(refund.Object());
        });
        app.MapGet("/v1/refunds", (HttpRequest request) =>
        {
            var paymentIntent = request.Query["payment_intent"].ToString();
            RefundListings.Enqueue(paymentIntent);
            var data = Refunds.Concat(DashboardRefunds).Where(r => r.PaymentIntent == paymentIntent).Select(r => r.Object()).Reverse().ToList();
            return Results.Json(new { @object = "list", url = "/v1/refunds", has_more = false, data });
        });
        await app.StartAsync();
        BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    public async ValueTask DisposeAsync()
    {
        if (app is not null)
        {
            await app.DisposeAsync();
        }
    }
}

/// <summary>The real host with a fake Stripe, test-generated keys and 10 trial credits.</summary>
public sealed class BillingFactory : PlatformFactory
{
    public const long TrialCredits = 10;

    /// <summary>Where Stripe sends buyers back: the configured public address, whatever Host a request carried.</summary>
    public const string PublicBaseUrl = "https://billing.test";

    public FakeStripe Stripe { get; } = new();

    /// <summary>A real SMTP server the host sends to (receipts with their invoice PDF attached).</summary>
    public SmtpTestServer Smtp { get; } = SmtpTestServer.Start();

    public string SecretKey { get; } = $"sk_test_{Convert.ToHexString(RandomNumberGenerator.GetBytes(16))}";

    public string WebhookSecret { get; } = $"whsec_{Convert.ToHexString(RandomNumberGenerator.GetBytes(24))}";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings.Concat(Smtp.HostSettings))
    {
        ["Platform:Billing:TrialCredits"] = TrialCredits.ToString(CultureInfo.InvariantCulture),
        ["Platform:PublicBaseUrl"] = PublicBaseUrl,
        ["Platform:Billing:Stripe:ApiBase"] = Stripe.BaseUrl,
        ["Platform:Billing:Stripe:SecretKey"] = SecretKey,
        ["Platform:Billing:Stripe:WebhookSecret"] = WebhookSecret,
        ["Platform:Billing:Stripe:Currency"] = "eur",
        // The tax by the company's country (TaxTests): GB the registration form's default country. The default has a
        // fraction, and DE its own name, so that a rate or name from the wrong place shows on an invoice.
        ["Platform:Billing:Tax:Rates:GB"] = "20",
        ["Platform:Billing:Tax:Rates:DE"] = "19",
        ["Platform:Billing:Tax:Labels:DE"] = "MwSt",
        ["Platform:Billing:Tax:DefaultRatePercent"] = "8.5",
    };

    public override async Task InitializeAsync()
    {
        await Stripe.StartAsync();
        await base.InitializeAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Stripe.DisposeAsync();
        await Smtp.DisposeAsync();
    }

    /// <summary>
    /// The owner buys a pack on the Billing page and Stripe's signed "paid" webhook is delivered; answers the purchase id
    /// (the company's newest Checkout Session's).
    /// </summary>
    public async Task<Guid> BuyAsync(FormClient owner, Guid companyId, string pack = "small")
    {
        var response = await owner.PostFormAsync("/Billing", new() { ["Input.Pack"] = pack }, "Buy");
        response.StatusCode.Should().Be(HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());
        var session = Stripe.Sessions.Last(s => s.Form["client_reference_id"] == companyId.ToString());
        var payload = CheckoutCompleted($"evt_{Guid.NewGuid():N}", session);
        (await DeliverWebhookAsync(payload, Sign(payload))).StatusCode.Should().Be(HttpStatusCode.OK);
        return Guid.Parse(session.Form["metadata[purchase_id]"]);
    }

    /// <summary>The <c>Stripe-Signature</c> header computed here, per Stripe's documented scheme (HMAC-SHA256 of <c>{t}.{payload}</c>), independently of Stripe.net.</summary>
    public string Sign(string payload, long? timestamp = null, string? secret = null)
    {
        var t = timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret ?? WebhookSecret), Encoding.UTF8.GetBytes($"{t}.{payload}"));
        return $"t={t},v1={Convert.ToHexStringLower(mac)}";
    }

    public async Task<HttpResponseMessage> DeliverWebhookAsync(string payload, string signature)
    {
        var client = CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost") });
        using var content = new StringContent(payload, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/billing/stripe/webhook") { Content = content };
        request.Headers.Add("Stripe-Signature", signature);
        return await client.SendAsync(request);
    }

    /// <summary>
    /// The <c>Stripe-Signature</c> header as Stripe's official Node library computes it (<c>stripe.webhooks.generateTestHeaderString</c>,
    /// npm stripe 23.1.0 pinned in Billing/stripe-node, installed on first use), run as a process: a signer that shares no
    /// code with Stripe.net, which checks the signature.
    /// </summary>
    public async Task<string> SignWithStripeNodeAsync(string payload)
    {
        var directory = StripeNodeDirectory();
        await Platform.Carriers.Tests.Smsc.NodeModules.EnsureAsync(directory, "stripe");
        var start = new System.Diagnostics.ProcessStartInfo("node", ["sign.js", WebhookSecret])
        {
            WorkingDirectory = directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");
        await process.StandardInput.WriteAsync(payload);
        process.StandardInput.Close();
        var header = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        return process.ExitCode == 0 ? header.Trim() : throw new InvalidOperationException($"node sign.js failed: {error}");
    }

    private static string StripeNodeDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "tests", "Platform.Tests.Integration", "Billing", "stripe-node");
            if (File.Exists(Path.Combine(candidate, "sign.js")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("Could not find tests/Platform.Tests.Integration/Billing/stripe-node/sign.js above " + AppContext.BaseDirectory);
    }

    /// <summary>The <c>Stripe-Signature</c> header as Stripe.net's own test helper computes it.</summary>
    public string SignWithStripeNet(string payload) => global::Stripe.EventUtility.GenerateSignatureHeader(payload, WebhookSecret);

    /// <summary>An event as Stripe sends it: with the <c>api_version</c> Stripe.net pins unless told otherwise (the webhook refuses others).</summary>
    public static string Event(string eventId, string type, object dataObject, string? apiVersion = null) =>
        System.Text.Json.JsonSerializer.Serialize(new
        {
            id = eventId,
            @object = "event",
            api_version = apiVersion ?? global::Stripe.StripeConfiguration.ApiVersion,
            created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            livemode = false,
            type,
            data = new { @object = dataObject },
        });

    public static string CheckoutCompleted(string eventId, FakeSessionRequest session, string paymentStatus = "paid", bool withDetails = false, string? apiVersion = null) =>
        Event(eventId, "checkout.session.completed", SessionObject(session, paymentStatus, withDetails), apiVersion);

    /// <summary>A Checkout Session as Stripe writes it, for a webhook or a retrieval; with details, the billing contact and the expanded card.</summary>
    public static object SessionObject(FakeSessionRequest session, string paymentStatus, bool withDetails = false) => new
    {
        id = session.SessionId,
        @object = "checkout.session",
        status = paymentStatus == "paid" ? "complete" : "open",
        payment_status = paymentStatus,
        client_reference_id = session.Form["client_reference_id"],
        metadata = new Dictionary<string, string>
        {
            ["purchase_id"] = session.Form["metadata[purchase_id]"],
            ["pack"] = session.Form["metadata[pack]"],
            ["credits"] = session.Form["metadata[credits]"],
        },
        customer_details = withDetails
            ? new
            {
                name = "Dana Payer",
                email = "dana.payer@example.com",
                address = new { line1 = "1 Billing Street", line2 = (string?)null, city = "Dublin", postal_code = "D02 X285", state = (string?)null, country = "IE" },
            }
            : null,
        // A webhook's session names its payment intent by id; retrieved with expand, it is the object.
        payment_intent = paymentStatus != "paid" ? null : !withDetails ? (object)$"pi_{session.SessionId}" : new
            {
                id = $"pi_{session.SessionId}",
                @object = "payment_intent",
                payment_method = new { id = $"pm_{session.SessionId}", @object = "payment_method", type = "card", card = new { brand = "visa", last4 = "4242", exp_month = 12, exp_year = 2034 } },
            },
    };

    /// <summary>
    /// A <c>charge.refunded</c> event for the payment of <paramref name="session"/>; with <paramref name="refunds"/> its
    /// refunds are expanded in the charge (older API versions), without them not (since 2022-11-15), and Billing lists them.
    /// </summary>
    public static string ChargeRefunded(string eventId, FakeSessionRequest session, params FakeRefund[] refunds) =>
        Event(eventId, "charge.refunded", new
        {
            id = $"ch_pi_{session.SessionId}",
            @object = "charge",
            amount = long.Parse(session.Form["line_items[0][price_data][unit_amount]"], CultureInfo.InvariantCulture),
            amount_refunded = refunds.Sum(r => r.Amount),
            currency = "eur",
            payment_intent = $"pi_{session.SessionId}",
            refunded = true,
            status = "succeeded",
            refunds = refunds.Length == 0 ? null : new { @object = "list", has_more = false, data = refunds.Select(r => r.Object()).ToList() },
        });
}
