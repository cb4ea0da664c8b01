using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>
/// The real host whose only route is the HTTP carrier with <c>Batch=true</c> against a partner API on a loopback port
/// (<see cref="PartnerApi"/>), which answers each batch with ids and posts the batch's receipts back to the host's
/// signed webhook as one JSON array (issue #16), as a partner does.
/// </summary>
public sealed class HttpBatchCarrierFactory : SendingFactory
{
    public const string Secret = "batch-partner-webhook-secret-0123";

    public PartnerApi Api { get; } = new();

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Platform:Carriers:Instances:1:Name"] = "partner",
        ["Platform:Carriers:Instances:1:Kind"] = "http",
        ["Platform:Carriers:Instances:1:Settings:Url"] = Api.Url,
        ["Platform:Carriers:Instances:1:Settings:WebhookSecret"] = Secret,
        ["Platform:Carriers:Instances:1:Settings:Batch"] = "true",
        ["Platform:Carriers:Instances:1:Settings:MaxBatchSize"] = "50",
        ["Platform:Carriers:Routes:0:Instance"] = "partner",
    };

    public override async Task InitializeAsync()
    {
        await Api.StartAsync();
        await base.InitializeAsync();
        Api.Webhook = CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost"), AllowAutoRedirect = false });
    }

    public override async ValueTask DisposeAsync()
    {
        await Api.DisposeAsync();
        await base.DisposeAsync();
    }

    /// <summary>Posts <paramref name="body"/> to the host's webhook for the partner instance, signed with <paramref name="secret"/>.</summary>
    public Task<HttpResponseMessage> PostWebhookAsync(string body, string secret = Secret) => Api.PostWebhookAsync(body, secret);
}

/// <summary>A partner's JSON API: answers arrays of messages with ids (…15 refused) and reports their receipts (…13 failed) as one signed array.</summary>
public sealed class PartnerApi : IAsyncDisposable
{
    private WebApplication? app;
    private long nextId;

    public PartnerApi()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Url = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/sms";
    }

    public string Url { get; }

    /// <summary>The host's client (its TestServer); set once the host runs.</summary>
    public HttpClient? Webhook { get; set; }

    /// <summary>The status the host answered each receipt array with, and how many receipts it carried.</summary>
    public ConcurrentQueue<(HttpStatusCode Status, int Receipts)> Posts { get; } = new();

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(Url[..Url.LastIndexOf('/')]);
        builder.Logging.ClearProviders();
        app = builder.Build();
        app.MapPost("/sms", async (HttpContext context) =>
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body);
            var answers = new JsonArray();
            var receipts = new JsonArray();
            foreach (var message in body.RootElement.EnumerateArray())
            {
                var to = message.GetProperty("to").GetString()!;
                if (to.EndsWith("15", StringComparison.Ordinal))
                {
                    answers.Add(new JsonObject { ["error"] = $"invalid destination {to}" });
                    continue;
                }

                var id = "p-" + Interlocked.Increment(ref nextId).ToString(CultureInfo.InvariantCulture);
                answers.Add(new JsonObject { ["id"] = id });
                receipts.Add(to.EndsWith("13", StringComparison.Ordinal)
                    ? new JsonObject { ["type"] = "receipt", ["id"] = id, ["status"] = "failed", ["error"] = "001" }
                    : new JsonObject { ["type"] = "receipt", ["id"] = id, ["status"] = "delivered" });
            }

            // Answered first, reported after, again while the host cannot take it (for up to a minute: a busy machine is slow, not broken).
            var count = receipts.Count;
            var json = receipts.ToJsonString();
            _ = Task.Run(async () =>
            {
                for (var attempt = 0; attempt < 300; attempt++)
                {
                    using var response = await PostWebhookAsync(json, HttpBatchCarrierFactory.Secret);
                    Posts.Enqueue((response.StatusCode, count));
                    if (response.IsSuccessStatusCode)
                    {
                        return;
                    }

                    await Task.Delay(200);
                }
            });
            return Results.Text(answers.ToJsonString(), "application/json");
        });
        await app.StartAsync();
    }

    /// <summary>Signs as docs/carriers.md tells a partner: hex HMAC-SHA256 of "&lt;unix seconds&gt;.&lt;raw body&gt;".</summary>
    public async Task<HttpResponseMessage> PostWebhookAsync(string body, string secret)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var t = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(t + ".").Concat(bytes).ToArray()));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/carriers/http/partner/webhook") { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("X-Platform-Signature", $"t={t},v1={signature}");
        return await Webhook!.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        if (app is not null)
        {
            await app.DisposeAsync();
        }
    }
}

public sealed class HttpBatchCarrierTests(HttpBatchCarrierFactory factory) : IClassFixture<HttpBatchCarrierFactory>
{
    [Fact]
    public async Task A_campaign_through_the_batch_http_carrier_completes_with_its_receipts_posted_as_arrays()
    {
        var (owner, companyId) = await factory.CompanyAsync("Batch Http Pizza");
        var listId = await factory.ListAsync(companyId, "Everyone", 1_000, first: 300_000);
        var campaignId = await SendingFactory.CreateCampaignAsync(owner, SendingFactory.CampaignForm("Through the partner", listId));

        var counters = await factory.WaitForAsync(campaignId, "Completed", TimeSpan.FromMinutes(3));

        // 1% of numbers each: …15 refused at submit, …13 a failed receipt; every other one delivered by its receipt.
        counters["targeted"].Should().Be(1_000);
        counters["submitted"].Should().Be(990);
        counters["delivered"].Should().Be(980);
        counters["failed"].Should().Be(20);
        counters["send_failed"].Should().Be(10);
        counters["expired"].Should().Be(0, "every receipt came back through the webhook");
        (await factory.Database.ScalarAsync<long>(
            "SELECT count(*) FROM campaigns.messages WHERE campaign_id = @id AND state = 4 AND phone LIKE '%13' AND error = '001'",
            ("id", campaignId))).Should().Be(10, "a failed receipt's error code is kept");
        var posts = factory.Api.Posts.ToArray();
        posts.Where(p => p.Status == HttpStatusCode.OK).Sum(p => p.Receipts).Should().Be(990);
        posts.Should().OnlyContain(p => p.Receipts <= 50).And.HaveCountLessThan(990 / 10, "a batch's receipts come in one request");
    }

    [Fact]
    public async Task A_receipt_array_with_a_bad_element_is_refused_whole_and_a_badly_signed_one_is_401()
    {
        const string good = """{"type":"receipt","id":"whole-1","status":"delivered"}""";
        const string kept = "SELECT count(*) FROM campaigns.pending_receipts WHERE carrier_message_id LIKE 'whole-%'";

        var refused = await factory.PostWebhookAsync($$"""[{{good}},{"type":"receipt","id":"whole-2","status":"lost"}]""");
        refused.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await refused.Content.ReadAsStringAsync()).Should().Contain("element 1").And.Contain("nothing was taken");
        (await factory.PostWebhookAsync($"[{good}]", secret: "not-the-partner-secret-at-all")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await factory.Database.ScalarAsync<long>(kept)).Should().Be(0, "nothing of a refused body is applied");

        // The same receipt alone is taken (no message has that id yet: it is kept for when one is recorded).
        (await factory.PostWebhookAsync($"[{good}]")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await factory.Database.ScalarAsync<long>(kept)).Should().Be(1, "a 200 is answered once the receipt is stored");
    }
}
