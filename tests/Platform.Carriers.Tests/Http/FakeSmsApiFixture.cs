using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.Carriers.Http;

namespace Platform.Carriers.Tests.Http;

/// <summary>
/// Both ends of the HTTP carrier: a fake partner SMS API on Kestrel (127.0.0.1, a free port) that takes messages
/// (one JSON object, or a JSON array), answers ids and rejects destinations ending in 15; and the platform side of
/// the webhook (<see cref="HttpCarrierEndpoints.MapHttpCarrierWebhooks"/> in a TestServer), to which the fake API posts
/// signed receipts and inbound messages, as a partner would: a single message's receipt as one object, a batch's
/// receipts as one JSON array.
/// </summary>
public sealed class FakeSmsApiFixture : IAsyncLifetime
{
    public const string WebhookSecret = "conformance-webhook-secret-0123";
    public const string ApiKey = "Bearer conformance-api-key";

    private WebApplication? _api;
    private WebApplication? _platform;
    private HttpClient? _webhookClient;
    private long _nextId;
    private long _latencyTicks;

    internal HttpCarrierFactory Factory { get; } = new();

    public string Url { get; private set; } = "";

    public TimeSpan Latency
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _latencyTicks));
        set => Interlocked.Exchange(ref _latencyTicks, value.Ticks);
    }

    /// <summary>The instance name webhooks are posted for.</summary>
    public string Instance { get; set; } = "conformance";

    public int Requests => (int)Interlocked.Read(ref _requests);

    private long _requests;
    private int _dropAfter = -1;
    private int _sinceArmed;

    /// <summary>Destinations of every message received since <see cref="DropConnectionsAfter"/>, answered or not.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Received { get; } = new();

    /// <summary>From now on, answer <paramref name="requests"/> requests, then read each later one (the API has it) and
    /// abort its connection without an answer, as a partner whose server dies mid-request.</summary>
    public void DropConnectionsAfter(int requests)
    {
        Received.Clear();
        Interlocked.Exchange(ref _sinceArmed, 0);
        Volatile.Write(ref _dropAfter, requests);
    }

    /// <summary>Undoes <see cref="DropConnectionsAfter"/>.</summary>
    public void AnswerEverything() => Volatile.Write(ref _dropAfter, -1);

    public async Task InitializeAsync()
    {
        var platform = WebApplication.CreateSlimBuilder();
        platform.WebHost.UseTestServer();
        platform.Logging.ClearProviders();
        platform.Services.AddSingleton(Factory.Webhooks);
        platform.Services.AddRateLimiter(options => options.AddFixedWindowLimiter(HttpCarrierEndpoints.RateLimitPolicy, limiter =>
        {
            limiter.PermitLimit = 100_000;
            limiter.Window = TimeSpan.FromSeconds(1);
        }));
        _platform = platform.Build();
        _platform.UseRateLimiter();
        _platform.MapHttpCarrierWebhooks();
        await _platform.StartAsync();
        _webhookClient = _platform.GetTestClient();

        var api = WebApplication.CreateSlimBuilder();
        api.WebHost.UseUrls("http://127.0.0.1:0");
        api.Logging.ClearProviders();
        _api = api.Build();
        _api.MapPost("/sms", (Delegate)HandleSubmitAsync);
        await _api.StartAsync();
        var address = _api.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Url = address.TrimEnd('/') + "/sms";
    }

    public async Task DisposeAsync()
    {
        _webhookClient?.Dispose();
        if (_api is not null)
        {
            await _api.DisposeAsync();
        }
        if (_platform is not null)
        {
            await _platform.DisposeAsync();
        }
    }

    /// <summary>Settings for an instance that talks to this fake API.</summary>
    public Dictionary<string, string> Settings(bool batch = false) => new(StringComparer.OrdinalIgnoreCase)
    {
        ["Url"] = Url,
        ["AuthHeader"] = "Authorization",
        ["AuthValue"] = ApiKey,
        ["WebhookSecret"] = WebhookSecret,
        ["TimeoutSeconds"] = "10",
        ["WindowSize"] = batch ? "3" : "5",
        ["Batch"] = batch ? "true" : "false",
        ["MaxBatchSize"] = "7",
    };

    /// <summary>Makes a handset send a message: the fake API posts it, signed, to the platform's webhook.</summary>
    public async Task SendInboundAsync(string from, string to, string text)
    {
        using var response = await PostWebhookAsync(new JsonObject { ["type"] = "inbound", ["from"] = from, ["to"] = to, ["text"] = text, ["id"] = "mo-" + Guid.NewGuid().ToString("N") });
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Posts a body, signed with <paramref name="secret"/> at <paramref name="at"/>, to the platform's webhook.</summary>
    public Task<HttpResponseMessage> PostWebhookAsync(JsonNode body, string? secret = null, DateTimeOffset? at = null, string? instance = null) =>
        PostRawWebhookAsync(System.Text.Encoding.UTF8.GetBytes(body.ToJsonString()), WebhookSignature.Sign(secret ?? WebhookSecret, at ?? DateTimeOffset.UtcNow, System.Text.Encoding.UTF8.GetBytes(body.ToJsonString())), instance);

    public async Task<HttpResponseMessage> PostRawWebhookAsync(byte[] body, string? signature, string? instance = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/carriers/http/{instance ?? Instance}/webhook") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        if (signature is not null)
        {
            request.Headers.TryAddWithoutValidation(WebhookSignature.HeaderName, signature);
        }
        return await _webhookClient!.SendAsync(request);
    }

    private async Task<IResult> HandleSubmitAsync(HttpContext http)
    {
        Interlocked.Increment(ref _requests);
        if (http.Request.Headers.Authorization.ToString() != ApiKey)
        {
            return Results.Json(new { message = "unknown API key" }, statusCode: 401);
        }
        var latency = Latency;
        if (latency > TimeSpan.Zero)
        {
            await Task.Delay(latency, http.RequestAborted);
        }
        var body = await JsonNode.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
        var dropAfter = Volatile.Read(ref _dropAfter);
        if (dropAfter >= 0)
        {
            foreach (var message in body is JsonArray all ? all.Select(m => m!.AsObject()) : [body!.AsObject()])
            {
                Received.Enqueue((string?)message["to"] ?? "");
            }
            if (Interlocked.Increment(ref _sinceArmed) > dropAfter)
            {
                http.Abort();
                return Results.Empty;
            }
        }
        var receipts = new List<string>();
        if (body is JsonArray array)
        {
            var answers = new JsonArray();
            foreach (var item in array)
            {
                answers.Add(Take(item!.AsObject(), receipts, out var error) is { } id ? new JsonObject { ["id"] = id } : new JsonObject { ["error"] = error });
            }
            // A batch's receipts come back as one array webhook (the batch receipt body), a single message's as one object.
            Report(new JsonArray([.. receipts.Select(Receipt)]));
            return Results.Text(answers.ToJsonString(), "application/json");
        }
        var single = Take(body!.AsObject(), receipts, out var problem);
        if (receipts.Count > 0)
        {
            Report(Receipt(receipts[0]));
        }
        return single is not null
            ? Results.Json(new { id = single, status = "queued" })
            : Results.Json(new { message = problem }, statusCode: 400);
    }

    private static JsonObject Receipt(string id) => new() { ["type"] = "receipt", ["id"] = id, ["status"] = "delivered" };

    /// <summary>As a partner does: answer first, then report the outcomes on the webhook (again while the platform answers 5xx).</summary>
    private void Report(JsonNode receipts)
    {
        if (receipts is JsonArray { Count: 0 })
        {
            return;
        }
        _ = Task.Run(async () =>
        {
            await Task.Delay(10);
            for (var attempt = 0; attempt < 3; attempt++)
            {
                using var response = await PostWebhookAsync(receipts);
                if (response.IsSuccessStatusCode || response.StatusCode == System.Net.HttpStatusCode.NotFound)
                {
                    return;
                }
                await Task.Delay(50);
            }
        });
    }

    private string? Take(JsonObject message, List<string> receipts, out string? error)
    {
        var to = (string?)message["to"] ?? "";
        if (to.EndsWith("15", StringComparison.Ordinal))
        {
            error = $"invalid destination {to}";
            return null;
        }
        error = null;
        var id = "fake-" + Interlocked.Increment(ref _nextId);
        if ((bool?)message["receipt"] == true)
        {
            receipts.Add(id);
        }
        return id;
    }

    internal static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);
}
