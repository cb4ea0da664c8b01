using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Carriers.Abstractions;
using Platform.Carriers.Http;
using Platform.Carriers.Runtime;
using Platform.Carriers.Runtime.Plugins;
using Platform.Carriers.Tests.Conformance;

namespace Platform.Carriers.Tests.Runtime;

/// <summary>
/// The drop-in flow with the real sample plugin (samples/Platform.Carriers.SamplePlugin, built before these tests and
/// copied to sample-plugin/ next to them): copied into plugins/sample-echo/, loaded, registered, used.
/// </summary>
public sealed class SamplePluginTests : IDisposable
{
    private static readonly string SampleOutput = Path.Combine(AppContext.BaseDirectory, "sample-plugin");
    private readonly string _root = Path.Combine(Path.GetTempPath(), "carrier-sample-plugins-" + Guid.NewGuid().ToString("N"));

    public SamplePluginTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string DropIn(string folder, Func<string, string>? manifest = null, byte[]? assembly = null)
    {
        var target = Directory.CreateDirectory(Path.Combine(_root, folder)).FullName;
        var json = File.ReadAllText(Path.Combine(SampleOutput, "plugin.json"));
        File.WriteAllText(Path.Combine(target, "plugin.json"), manifest?.Invoke(json) ?? json);
        var dll = Path.Combine(target, "Platform.Carriers.SamplePlugin.dll");
        if (assembly is null)
        {
            File.Copy(Path.Combine(SampleOutput, "Platform.Carriers.SamplePlugin.dll"), dll);
        }
        else
        {
            File.WriteAllBytes(dll, assembly);
        }
        return target;
    }

    [Fact]
    public void The_sample_is_built_without_a_copy_of_the_sdk()
    {
        File.Exists(Path.Combine(SampleOutput, "Platform.Carriers.SamplePlugin.dll")).Should().BeTrue();
        File.Exists(Path.Combine(SampleOutput, "Platform.Carriers.Abstractions.dll")).Should().BeFalse("the host brings the SDK");
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(SampleOutput, "plugin.json")))!;
        ((string?)manifest["name"]).Should().Be("sample-echo");
        ((string?)manifest["version"]).Should().Be("1.0.0");
        ((string?)manifest["sdkVersion"]).Should().Be(CarrierSdk.Version, "the sample uses SubmitResult.Unknown, new in 1.1");
    }

    [Fact]
    public async Task The_dropped_in_sample_is_loaded_registered_and_works()
    {
        DropIn("sample-echo");

        var (loaded, skipped) = new CarrierPluginLoader(NullLogger.Instance).LoadAll(_root);

        skipped.Should().BeEmpty();
        loaded.Should().ContainSingle().Which.Manifest.Name.Should().Be("sample-echo");
        var services = new ServiceCollection().AddLogging().AddCarrierFactories(loaded.Select(p => p.Assembly));
        await using var provider = services.BuildServiceProvider();
        var catalog = provider.GetRequiredService<CarrierFactoryCatalog>();
        catalog.Kinds.Should().Contain(["sample-echo", "simulator", "smpp", "http"]);
        catalog.TryGet("sample-echo", out var factory).Should().BeTrue();
        factory.GetType().Assembly.Should().BeSameAs(loaded[0].Assembly);

        var callbacks = new RecordingCallbacks();
        await using var carrier = catalog.Create("sample-echo", new CarrierContext("echo-1", new Dictionary<string, string>(), callbacks, NullLogger.Instance));
        await carrier.StartAsync(CancellationToken.None);
        var results = await carrier.SendAsync([new OutboundMessage(Guid.NewGuid(), "72000", "46700000001", "ping", true)], CancellationToken.None);

        results.Should().ContainSingle().Which.Outcome.Should().Be(SubmitOutcome.Accepted);
        callbacks.Receipts.Should().ContainSingle().Which.Should().Match<DeliveryReceipt>(r => r.CarrierMessageId == results[0].CarrierMessageId && r.Status == DeliveryStatus.Delivered);
        callbacks.Inbound.Should().ContainSingle().Which.Should().Match<InboundMessage>(m => m.From == "46700000001" && m.To == "72000" && m.Text == "echo: ping");
        factory.ValidateSettings(new Dictionary<string, string> { ["Echo"] = "loud" }).Should().ContainSingle().Which.Should().Contain("Echo");

        // SDK 1.1: a message handed to the peer whose answer was lost is Unknown (the echo came back: the peer had it).
        var lossyCallbacks = new RecordingCallbacks();
        await using var lossy = catalog.Create("sample-echo", new CarrierContext("echo-2", new Dictionary<string, string> { ["LoseAnswerEvery"] = "2" }, lossyCallbacks, NullLogger.Instance));
        await lossy.StartAsync(CancellationToken.None);
        var lossyResults = await lossy.SendAsync([new OutboundMessage(Guid.NewGuid(), "72000", "46700000001", "one", true), new OutboundMessage(Guid.NewGuid(), "72000", "46700000011", "two", true)], CancellationToken.None);
        lossyResults.Select(r => r.Outcome).Should().Equal(SubmitOutcome.Accepted, SubmitOutcome.Unknown);
        lossyResults[1].Reason.Should().Contain("not resent");
        lossyCallbacks.Inbound.Should().HaveCount(2, "both messages reached the peer");
        lossyCallbacks.Receipts.Should().ContainSingle("the lost one has no carrier id to report a receipt for");
    }

    [Fact]
    public void An_incompatible_or_corrupt_plugin_is_skipped_with_a_reason_and_the_good_one_still_loads()
    {
        DropIn("sample-echo");
        DropIn("sample-echo-v2", manifest: json => json.Replace($"\"{CarrierSdk.Version}\"", "\"2.0\"", StringComparison.Ordinal));
        DropIn("sample-echo-corrupt", assembly: [0x4D, 0x5A, 0x00, 0x01, 0x02, 0x03, 0xDE, 0xAD, 0xBE, 0xEF]);

        var (loaded, skipped) = new CarrierPluginLoader(NullLogger.Instance).LoadAll(_root);

        loaded.Should().ContainSingle().Which.Directory.Should().EndWith("sample-echo");
        skipped.Should().HaveCount(2);
        skipped.Single(s => s.Directory.EndsWith("sample-echo-v2", StringComparison.Ordinal)).Reason.Should().Contain("SDK 2.0").And.Contain("major versions must match");
        skipped.Single(s => s.Directory.EndsWith("sample-echo-corrupt", StringComparison.Ordinal)).Reason.Should().Contain("could not be loaded");
    }
}

/// <summary>The HTTP carrier as the host runs it: a built-in factory from <see cref="CarrierServiceCollectionExtensions.AddCarrierFactories"/>
/// and its webhook mapped with <see cref="HttpCarrierEndpoints.MapHttpCarrierWebhooks"/>, nothing else registered.</summary>
public sealed class HttpCarrierHostWiringTests
{
    [Fact]
    public async Task The_built_in_factory_serves_the_webhook_of_its_running_instances()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddCarrierFactories();
        builder.Services.AddRateLimiter(options => options.AddFixedWindowLimiter("inbound", limiter =>
        {
            limiter.PermitLimit = 1;
            limiter.Window = TimeSpan.FromMinutes(1);
        }));
        await using var app = builder.Build();
        app.UseRateLimiter();
        app.MapHttpCarrierWebhooks();
        await app.StartAsync();
        var client = app.GetTestClient();

        var catalog = app.Services.GetRequiredService<CarrierFactoryCatalog>();
        var callbacks = new RecordingCallbacks();
        const string secret = "wiring-test-secret-0001";
        await using var carrier = catalog.Create("http", new CarrierContext("acme", new Dictionary<string, string> { ["Url"] = "https://api.example.com/sms", ["WebhookSecret"] = secret }, callbacks, NullLogger.Instance));
        await carrier.StartAsync(CancellationToken.None);

        async Task<HttpResponseMessage> Post(string instance, string json, string signingSecret)
        {
            var body = System.Text.Encoding.UTF8.GetBytes(json);
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/carriers/http/{instance}/webhook") { Content = new ByteArrayContent(body) };
            request.Headers.TryAddWithoutValidation("X-Platform-Signature", WebhookSignature.Sign(signingSecret, DateTimeOffset.UtcNow, body));
            return await client.SendAsync(request);
        }

        var ok = await Post("acme", """{"type":"receipt","id":"r-1","status":"delivered"}""", secret);
        ok.StatusCode.Should().Be(HttpStatusCode.OK);
        callbacks.Receipts.Should().ContainSingle().Which.CarrierMessageId.Should().Be("r-1");

        // The "inbound" policy applies: the test allows one request a minute.
        (await Post("acme", """{"type":"receipt","id":"r-2","status":"delivered"}""", secret)).StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        callbacks.Receipts.Should().ContainSingle();
    }

    [Fact]
    public async Task Bad_signature_bad_json_and_unknown_instances_get_401_400_and_404_as_problem_details()
    {
        await using var api = new Http.FakeSmsApiFixture();
        await api.InitializeAsync();
        await using var carrier = api.Factory.Create(new CarrierContext("conformance", api.Settings(), new RecordingCallbacks(), NullLogger.Instance));
        await carrier.StartAsync(CancellationToken.None);

        var badSignature = await api.PostWebhookAsync(new JsonObject { ["type"] = "receipt", ["id"] = "x", ["status"] = "delivered" }, secret: "wrong-secret-wrong-secret");
        badSignature.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await badSignature.Content.ReadAsStringAsync()).Should().Contain("signature does not match");

        var body = "{\"type\": \"receipt\", "u8.ToArray();
        var badJson = await api.PostRawWebhookAsync(body, WebhookSignature.Sign(Http.FakeSmsApiFixture.WebhookSecret, DateTimeOffset.UtcNow, body));
        badJson.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        badJson.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        (await badJson.Content.ReadAsStringAsync()).Should().Contain("not valid JSON");

        var unknown = await api.PostWebhookAsync(new JsonObject { ["type"] = "receipt", ["id"] = "x", ["status"] = "delivered" }, instance: "nobody");
        unknown.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await unknown.Content.ReadAsStringAsync()).Should().Contain("nobody");
    }
}
