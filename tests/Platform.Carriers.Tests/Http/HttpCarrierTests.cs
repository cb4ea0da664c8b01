using System.Net;
using System.Net.Sockets;
using Utf8 = System.Text.Encoding;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Carriers.Abstractions;
using Platform.Carriers.Http;
using Platform.Carriers.Tests.Conformance;

namespace Platform.Carriers.Tests.Http;

public sealed class WebhookSignatureTests
{
    private const string Secret = "a-webhook-secret-for-tests";
    private static readonly byte[] Body = Utf8.UTF8.GetBytes("""{"type":"receipt","id":"x1","status":"delivered"}""");
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_valid_signature_is_accepted()
    {
        WebhookSignature.Verify(Secret, WebhookSignature.Sign(Secret, Now, Body), Body, Now).Should().BeNull();
        WebhookSignature.Verify(Secret, WebhookSignature.Sign(Secret, Now.AddSeconds(-299), Body), Body, Now).Should().BeNull();
    }

    [Fact]
    public void The_signature_is_hmac_sha256_of_timestamp_dot_body_in_hex()
    {
        var header = WebhookSignature.Sign(Secret, Now, Body);

        using var hmac = new System.Security.Cryptography.HMACSHA256(Utf8.UTF8.GetBytes(Secret));
        var expected = Convert.ToHexStringLower(hmac.ComputeHash(Utf8.UTF8.GetBytes($"{Now.ToUnixTimeSeconds()}.").Concat(Body).ToArray()));
        header.Should().Be($"t={Now.ToUnixTimeSeconds()},v1={expected}");
        WebhookSignature.Verify(Secret, $"t={Now.ToUnixTimeSeconds()},v1={expected.ToUpperInvariant()}", Body, Now).Should().BeNull("hex is case-insensitive");
    }

    [Fact]
    public void A_wrong_secret_or_a_changed_body_is_refused()
    {
        WebhookSignature.Verify(Secret, WebhookSignature.Sign("another-secret-entirely", Now, Body), Body, Now).Should().Contain("does not match");
        var changed = Utf8.UTF8.GetBytes("""{"type":"receipt","id":"x2","status":"delivered"}""");
        WebhookSignature.Verify(Secret, WebhookSignature.Sign(Secret, Now, Body), changed, Now).Should().Contain("does not match");
    }

    [Fact]
    public void A_second_signature_lets_a_sender_rotate_secrets()
    {
        var old = WebhookSignature.Sign("the-old-secret-value", Now, Body);
        var current = WebhookSignature.Sign(Secret, Now, Body);
        WebhookSignature.Verify(Secret, old + "," + current.Split(',')[1], Body, Now).Should().BeNull();
    }

    [Theory]
    [InlineData(-301, "old")]
    [InlineData(301, "in the future")]
    [InlineData(-86400, "old")]
    public void A_stale_or_future_timestamp_is_refused(int offsetSeconds, string expected)
    {
        var problem = WebhookSignature.Verify(Secret, WebhookSignature.Sign(Secret, Now.AddSeconds(offsetSeconds), Body), Body, Now);

        problem.Should().Contain(expected).And.Contain("300 s");
    }

    [Theory]
    [InlineData(null, "missing")]
    [InlineData("", "missing")]
    [InlineData("garbage", "malformed")]
    [InlineData("t=abc,v1=00", "malformed")]
    [InlineData("t=1748779200", "needs v1")]
    [InlineData("v1=0000000000000000000000000000000000000000000000000000000000000000", "needs t=")]
    [InlineData("t=1748779200,v1=xyz", "64 hexadecimal")]
    [InlineData("t=-5,v1=0000000000000000000000000000000000000000000000000000000000000000", "needs t=")]
    public void A_malformed_header_is_refused_with_a_reason(string? header, string expected)
    {
        WebhookSignature.Verify(Secret, header, Body, Now).Should().Contain(expected);
    }
}

internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}

public sealed class HttpCarrierWebhookHandlerTests : IAsyncLifetime
{
    private const string Secret = "handler-test-secret-0001";
    private readonly FixedClock _clock = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly RecordingCallbacks _callbacks = new();
    private HttpCarrierWebhooks _webhooks = null!;
    private ICarrier _carrier = null!;

    public async Task InitializeAsync()
    {
        _webhooks = new HttpCarrierWebhooks(_clock);
        var factory = new HttpCarrierFactory(_webhooks);
        _carrier = factory.Create(new CarrierContext("acme", new Dictionary<string, string> { ["Url"] = "https://api.example.com/sms", ["WebhookSecret"] = Secret }, _callbacks, NullLogger.Instance));
        await _carrier.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync() => await _carrier.DisposeAsync();

    private Task<WebhookOutcome> Post(string json, string instance = "acme", string secret = Secret, string? header = null)
    {
        var body = Utf8.UTF8.GetBytes(json);
        return _webhooks.HandleAsync(instance, header ?? WebhookSignature.Sign(secret, _clock.GetUtcNow(), body), body, CancellationToken.None);
    }

    [Fact]
    public async Task A_receipt_reaches_the_callbacks()
    {
        var outcome = await Post("""{"type":"receipt","id":"abc-1","status":"FAILED","error":"UNDELIV 012","timestamp":"2025-06-01T11:59:00Z"}""");

        outcome.StatusCode.Should().Be(200);
        var receipt = _callbacks.Receipts.Should().ContainSingle().Subject;
        receipt.Should().Be(new DeliveryReceipt("abc-1", DeliveryStatus.Failed, "UNDELIV 012", new DateTimeOffset(2025, 6, 1, 11, 59, 0, TimeSpan.Zero)));
    }

    [Theory]
    [InlineData("delivered", DeliveryStatus.Delivered)]
    [InlineData("failed", DeliveryStatus.Failed)]
    [InlineData("expired", DeliveryStatus.Expired)]
    [InlineData("rejected", DeliveryStatus.Rejected)]
    [InlineData("unknown", DeliveryStatus.Unknown)]
    public async Task Receipt_statuses_map(string status, DeliveryStatus expected)
    {
        (await Post($$"""{"type":"receipt","id":"m1","status":"{{status}}"}""")).StatusCode.Should().Be(200);

        _callbacks.Receipts.Single().Status.Should().Be(expected);
        _callbacks.Receipts.Single().Timestamp.Should().Be(_clock.GetUtcNow(), "no timestamp means now");
    }

    [Fact]
    public async Task An_inbound_message_reaches_the_callbacks_with_numbers_without_plus()
    {
        var outcome = await Post("""{"type":"inbound","from":"+15550001111","to":"+15550002222","text":"STOP café €","id":"mo-9"}""");

        outcome.StatusCode.Should().Be(200);
        var inbound = _callbacks.Inbound.Should().ContainSingle().Subject;
        inbound.Should().Be(new InboundMessage("15550001111", "15550002222", "STOP café €", _clock.GetUtcNow(), "mo-9"));
    }

    [Fact]
    public async Task An_unknown_or_stopped_instance_is_404()
    {
        (await Post("""{"type":"receipt","id":"m1","status":"delivered"}""", instance: "nobody")).StatusCode.Should().Be(404);

        await _carrier.StopAsync(CancellationToken.None);
        var outcome = await Post("""{"type":"receipt","id":"m1","status":"delivered"}""");
        outcome.StatusCode.Should().Be(404);
        outcome.Message.Should().Contain("acme");
    }

    [Fact]
    public async Task A_bad_signature_is_401_and_nothing_is_reported()
    {
        (await Post("""{"type":"receipt","id":"m1","status":"delivered"}""", secret: "not-the-right-secret")).StatusCode.Should().Be(401);
        (await Post("""{"type":"receipt","id":"m1","status":"delivered"}""", header: "t=1,v1=zz")).StatusCode.Should().Be(401);
        var stale = Utf8.UTF8.GetBytes("""{"type":"receipt","id":"m1","status":"delivered"}""");
        (await _webhooks.HandleAsync("acme", WebhookSignature.Sign(Secret, _clock.GetUtcNow().AddMinutes(-6), stale), stale, CancellationToken.None)).StatusCode.Should().Be(401);

        _callbacks.Receipts.Should().BeEmpty();
    }

    [Theory]
    [InlineData("{not json", "not valid JSON")]
    [InlineData("\"receipt\"", "must be a JSON object (or an array of receipts), got a string")]
    [InlineData("""{"id":"m1"}""", "\"type\" is required")]
    [InlineData("""{"type":"status"}""", "\"type\" must be \"receipt\" or \"inbound\"")]
    [InlineData("""{"type":"receipt","status":"delivered"}""", "\"id\" is required")]
    [InlineData("""{"type":"receipt","id":"m1"}""", "\"status\" is required")]
    [InlineData("""{"type":"receipt","id":"m1","status":"lost"}""", "\"status\" must be one of")]
    [InlineData("""{"type":"receipt","id":"m1","status":"delivered","timestamp":"yesterday"}""", "\"timestamp\" must be")]
    [InlineData("""{"type":"inbound","from":"1555","text":"hi"}""", "\"to\" is required")]
    [InlineData("""{"type":"inbound","from":"1555","to":"1666"}""", "\"text\" is required")]
    public async Task A_bad_body_is_400_with_a_clear_message(string json, string expected)
    {
        var outcome = await Post(json);

        outcome.StatusCode.Should().Be(400);
        outcome.Message.Should().Contain(expected);
    }

    [Fact]
    public async Task When_the_host_cannot_take_it_the_answer_is_503_so_the_sender_retries()
    {
        _callbacks.FailNext = 1;

        (await Post("""{"type":"receipt","id":"m1","status":"delivered"}""")).StatusCode.Should().Be(503);
        (await Post("""{"type":"receipt","id":"m1","status":"delivered"}""")).StatusCode.Should().Be(200);
        _callbacks.Receipts.Should().ContainSingle();
    }

    [Fact]
    public async Task An_array_of_receipts_reaches_the_callbacks_each_as_sent()
    {
        var outcome = await Post("""
            [{"type":"receipt","id":"b-1","status":"delivered"},
             {"type":"receipt","id":"b-2","status":"failed","error":"001","timestamp":1748779100},
             {"type":"receipt","id":77,"status":"EXPIRED","timestamp":"2025-06-01T11:00:00Z"}]
            """);

        outcome.StatusCode.Should().Be(200);
        outcome.Message.Should().Contain("3 receipts");
        _callbacks.Receipts.Should().BeEquivalentTo(new[]
        {
            new DeliveryReceipt("b-1", DeliveryStatus.Delivered, null, _clock.GetUtcNow()),
            new DeliveryReceipt("b-2", DeliveryStatus.Failed, "001", DateTimeOffset.FromUnixTimeSeconds(1748779100)),
            new DeliveryReceipt("77", DeliveryStatus.Expired, null, new DateTimeOffset(2025, 6, 1, 11, 0, 0, TimeSpan.Zero)),
        });
    }

    [Fact]
    public async Task An_array_is_handed_over_at_once_and_answered_only_when_every_receipt_is_stored()
    {
        // A host whose receipts are stored when the test says so: the answer must wait for all of them, and all must be
        // handed over before any is stored (one at a time would make every storing batch one receipt long).
        var webhooks = new HttpCarrierWebhooks(_clock);
        var stored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var callbacks = new GatedCallbacks(stored.Task);
        await using var carrier = new HttpCarrierFactory(webhooks).Create(new CarrierContext("gated", new Dictionary<string, string> { ["Url"] = "https://api.example.com/sms", ["WebhookSecret"] = Secret }, callbacks, NullLogger.Instance));
        await carrier.StartAsync(CancellationToken.None);
        var body = Utf8.UTF8.GetBytes("""[{"type":"receipt","id":"g-1","status":"delivered"},{"type":"receipt","id":"g-2","status":"delivered"},{"type":"receipt","id":"g-3","status":"failed"}]""");

        var answer = webhooks.HandleAsync("gated", WebhookSignature.Sign(Secret, _clock.GetUtcNow(), body), body, CancellationToken.None);
        await RecordingCallbacks.WaitUntilAsync(() => callbacks.Started == 3, TimeSpan.FromSeconds(10), "all three receipts handed over");

        answer.IsCompleted.Should().BeFalse("nothing is stored yet");
        stored.SetResult();
        (await answer).StatusCode.Should().Be(200);
    }

    [Theory]
    [InlineData("[]", "the array is empty")]
    [InlineData("[1,2]", "element 0: each element must be a receipt object, got a number.")]
    [InlineData("""[{"type":"receipt","id":"ok-1","status":"delivered"},{"type":"receipt","id":"ok-2","status":"lost"}]""", "element 1: \"status\" must be one of")]
    [InlineData("""[{"type":"receipt","id":"ok-1","status":"delivered"},{"id":"ok-2","status":"delivered"}]""", "element 1: \"type\" must be \"receipt\" in an array, got none.")]
    [InlineData("""[{"type":"receipt","id":"ok-1","status":"delivered"},{"type":"inbound","from":"1555","to":"1666","text":"STOP"}]""", "element 1: an array carries receipts only; send each inbound message in a request of its own")]
    [InlineData("""[{"type":"receipt","status":"delivered"},{"type":"receipt","id":"ok-2","status":"delivered","timestamp":"later"}]""", "element 0: \"id\" is required. element 1: \"timestamp\" must be")]
    public async Task A_bad_element_refuses_the_whole_array_with_400_and_nothing_is_taken(string json, string expected)
    {
        var outcome = await Post(json);

        outcome.StatusCode.Should().Be(400);
        outcome.Message.Should().Contain(expected);
        _callbacks.Receipts.Should().BeEmpty("a body is taken whole or not at all");
    }

    [Fact]
    public async Task A_long_list_of_bad_elements_names_the_first_ten()
    {
        var json = "[" + string.Join(",", Enumerable.Range(0, 30).Select(i => $$"""{"type":"receipt","id":"x{{i}}","status":"gone"}""")) + "]";

        var outcome = await Post(json);

        outcome.StatusCode.Should().Be(400);
        outcome.Message.Should().Contain("element 9:").And.NotContain("element 10:").And.EndWith("…");
    }

    [Fact]
    public async Task An_array_with_a_bad_signature_is_401_and_nothing_is_taken()
    {
        const string json = """[{"type":"receipt","id":"s-1","status":"delivered"},{"type":"receipt","id":"s-2","status":"delivered"}]""";

        (await Post(json, secret: "not-the-right-secret")).StatusCode.Should().Be(401);
        var signedForAnother = Utf8.UTF8.GetBytes("""[{"type":"receipt","id":"s-1","status":"delivered"}]""");
        var tampered = Utf8.UTF8.GetBytes(json);
        (await _webhooks.HandleAsync("acme", WebhookSignature.Sign(Secret, _clock.GetUtcNow(), signedForAnother), tampered, CancellationToken.None)).StatusCode.Should().Be(401);

        _callbacks.Receipts.Should().BeEmpty();
    }

    [Fact]
    public async Task When_the_host_cannot_take_a_receipt_of_an_array_the_answer_is_503_and_the_sender_sends_it_again()
    {
        const string json = """[{"type":"receipt","id":"r-1","status":"delivered"},{"type":"receipt","id":"r-2","status":"delivered"}]""";
        _callbacks.FailNext = 1;

        var outcome = await Post(json);
        outcome.StatusCode.Should().Be(503);
        outcome.Message.Should().Contain("send it again");
        (await Post(json)).StatusCode.Should().Be(200);
        _callbacks.Receipts.Select(r => r.CarrierMessageId).Should().Contain(["r-1", "r-2"]);
    }

    /// <summary>Callbacks whose receipts are stored only when <c>stored</c> completes; counts the receipts handed over.</summary>
    private sealed class GatedCallbacks(Task stored) : ICarrierCallbacks
    {
        private int _started;

        public int Started => Volatile.Read(ref _started);

        public async Task OnDeliveryReceiptAsync(DeliveryReceipt receipt, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _started);
            await stored.WaitAsync(cancellationToken);
        }

        public Task OnInboundMessageAsync(InboundMessage message, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

public sealed class HttpCarrierSubmitTests
{
    private sealed class FakeHandler(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> answer) : HttpMessageHandler
    {
        public List<(HttpRequestMessage Request, string Body)> Seen { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
            lock (Seen)
            {
                Seen.Add((request, body));
            }
            return await answer(request, cancellationToken);
        }
    }

    private static HttpResponseMessage Answer(HttpStatusCode status, string body, string mediaType = "application/json") =>
        new(status) { Content = new StringContent(body, Utf8.UTF8, mediaType) };

    private static async Task<(SubmitResult Result, FakeHandler Handler)> SendOne(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> answer, Dictionary<string, string>? extra = null, string to = "15550001111")
    {
        var handler = new FakeHandler(answer);
        var settings = new Dictionary<string, string> { ["Url"] = "https://api.example.com/v1/sms", ["WebhookSecret"] = "submit-tests-secret-01", ["AuthValue"] = "Bearer s3cr3t" };
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }
        var factory = new HttpCarrierFactory { HandlerFactory = () => handler };
        await using var carrier = factory.Create(new CarrierContext("unit", settings, new RecordingCallbacks(), NullLogger.Instance));
        await carrier.StartAsync(CancellationToken.None);
        var results = await carrier.SendAsync([new OutboundMessage(Guid.NewGuid(), "15550009999", to, "Hello", true)], CancellationToken.None);
        return (results.Single(), handler);
    }

    [Theory]
    [InlineData(HttpStatusCode.OK)]
    [InlineData(HttpStatusCode.Created)]
    [InlineData(HttpStatusCode.Accepted)]
    public async Task A_2xx_with_an_id_is_accepted(HttpStatusCode status)
    {
        var (result, _) = await SendOne((_, _) => Task.FromResult(Answer(status, """{"id":"msg-42"}""")));

        result.Outcome.Should().Be(SubmitOutcome.Accepted);
        result.CarrierMessageId.Should().Be("msg-42");
    }

    [Fact]
    public async Task The_request_carries_the_mapped_fields_and_the_auth_header()
    {
        var (result, handler) = await SendOne((_, _) => Task.FromResult(Answer(HttpStatusCode.OK, """{"data":{"messageId":7}}""")),
            new() { ["FromField"] = "sender", ["ToField"] = "msisdn", ["TextField"] = "body", ["IdField"] = "data.messageId", ["ReferenceField"] = "ref", ["AuthHeader"] = "X-Api-Key", ["AuthValue"] = "k-123" });

        result.CarrierMessageId.Should().Be("7");
        var (request, body) = handler.Seen.Single();
        request.Method.Should().Be(HttpMethod.Post);
        request.RequestUri.Should().Be(new Uri("https://api.example.com/v1/sms"));
        request.Headers.GetValues("X-Api-Key").Should().Equal("k-123");
        request.Content!.Headers.ContentType!.MediaType.Should().Be("application/json");
        var json = JsonNode.Parse(body)!.AsObject();
        json.Select(p => p.Key).Should().BeEquivalentTo("sender", "msisdn", "body", "receipt", "ref");
        ((string?)json["sender"]).Should().Be("15550009999");
        ((string?)json["msisdn"]).Should().Be("15550001111");
        ((string?)json["body"]).Should().Be("Hello");
        ((bool?)json["receipt"]).Should().BeTrue();
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest, """{"message":"Invalid destination number"}""", "Invalid destination number")]
    [InlineData(HttpStatusCode.UnprocessableEntity, """{"error":{"code":21211,"message":"The 'To' number is not valid"}}""", "The 'To' number is not valid")]
    [InlineData(HttpStatusCode.Forbidden, """{"detail":"Account suspended"}""", "Account suspended")]
    [InlineData(HttpStatusCode.NotFound, "no such route", "no such route")]
    public async Task A_4xx_is_rejected_with_the_body_message(HttpStatusCode status, string body, string expected)
    {
        var (result, _) = await SendOne((_, _) => Task.FromResult(Answer(status, body)));

        result.Outcome.Should().Be(SubmitOutcome.Rejected);
        result.Reason.Should().Contain(((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture)).And.Contain(expected);
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.BadGateway)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    [InlineData(HttpStatusCode.RequestTimeout)]
    [InlineData(HttpStatusCode.MovedPermanently)]
    public async Task A_5xx_throttling_or_redirect_is_a_transient_failure(HttpStatusCode status)
    {
        var (result, _) = await SendOne((_, _) => Task.FromResult(Answer(status, """{"message":"try later"}""")));

        result.Outcome.Should().Be(SubmitOutcome.Failed);
        result.Reason.Should().Contain(((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_2xx_without_an_id_is_unknown_and_names_the_id_field()
    {
        // The API took something: resending could deliver it twice, so it is Unknown (never resent), not Failed.
        var (result, _) = await SendOne((_, _) => Task.FromResult(Answer(HttpStatusCode.OK, """{"status":"queued"}""")));

        result.Outcome.Should().Be(SubmitOutcome.Unknown);
        result.Reason.Should().Contain("'id'").And.Contain("IdField");
    }

    [Fact]
    public async Task A_timeout_after_the_request_was_sent_is_unknown()
    {
        // The fake handler has read the body, as a server does before it stalls: the API may have the message.
        var (result, _) = await SendOne(async (_, token) =>
        {
            await Task.Delay(Timeout.Infinite, token);
            return Answer(HttpStatusCode.OK, "{}");
        }, new() { ["TimeoutSeconds"] = "1" });

        result.Outcome.Should().Be(SubmitOutcome.Unknown);
        result.Reason.Should().StartWith("timed out after 1 s");
    }

    [Fact]
    public async Task A_network_error_is_a_transient_failure_and_shows_in_the_state()
    {
        // A port nobody listens on: connection refused, through the real socket handler.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var settings = new Dictionary<string, string> { ["Url"] = $"http://127.0.0.1:{port}/sms", ["WebhookSecret"] = "submit-tests-secret-01", ["AuthValue"] = "Bearer s3cr3t", ["TimeoutSeconds"] = "5" };
        await using var carrier = new HttpCarrierFactory().Create(new CarrierContext("unit", settings, new RecordingCallbacks(), NullLogger.Instance));
        await carrier.StartAsync(CancellationToken.None);

        var result = (await carrier.SendAsync([new OutboundMessage(Guid.NewGuid(), "1555", "15550001111", "Hi", false)], CancellationToken.None)).Single();

        result.Outcome.Should().Be(SubmitOutcome.Failed);
        result.Reason.Should().StartWith("network error");
        carrier.State.LastError.Should().StartWith("network error");
        carrier.State.LastError.Should().NotContain("s3cr3t");
    }

    [Fact]
    public async Task A_text_longer_than_MaxParts_is_rejected_without_a_request()
    {
        var handler = new FakeHandler((_, _) => Task.FromResult(Answer(HttpStatusCode.OK, """{"id":"x"}""")));
        var factory = new HttpCarrierFactory { HandlerFactory = () => handler };
        await using var carrier = factory.Create(new CarrierContext("unit", new Dictionary<string, string> { ["Url"] = "https://api.example.com/sms", ["WebhookSecret"] = "submit-tests-secret-01", ["MaxParts"] = "2" }, new RecordingCallbacks(), NullLogger.Instance));
        await carrier.StartAsync(CancellationToken.None);

        var results = await carrier.SendAsync([new OutboundMessage(Guid.NewGuid(), "1555", "15550001111", new string('a', 400), false)], CancellationToken.None);

        results.Single().Outcome.Should().Be(SubmitOutcome.Rejected);
        results.Single().Reason.Should().Contain("MaxParts");
        handler.Seen.Should().BeEmpty();
    }
}

public sealed class HttpCarrierSettingsTests
{
    private static Dictionary<string, string> Valid() => new()
    {
        ["Url"] = "https://api.example.com/sms",
        ["AuthHeader"] = "Authorization",
        ["AuthValue"] = "Bearer top-secret-key",
        ["WebhookSecret"] = "a-long-webhook-secret",
    };

    private static IReadOnlyList<string> Problems(Action<Dictionary<string, string>> change)
    {
        var settings = Valid();
        change(settings);
        return new HttpCarrierFactory().ValidateSettings(settings);
    }

    [Fact]
    public void Valid_settings_have_no_problems_and_defaults_apply()
    {
        new HttpCarrierFactory().ValidateSettings(Valid()).Should().BeEmpty();
        var (settings, _) = HttpCarrierSettings.Parse(Valid());
        settings!.FromField.Should().Be("from");
        settings.ToField.Should().Be("to");
        settings.TextField.Should().Be("text");
        settings.IdField.Should().Be("id");
        settings.Timeout.Should().Be(TimeSpan.FromSeconds(30));
        settings.Batch.Should().BeFalse();
    }

    [Theory]
    [InlineData("/relative/sms", "Url must be an absolute http:// or https:// URL, got '/relative/sms'.")]
    [InlineData("api.example.com/sms", "Url must be an absolute http:// or https:// URL")]
    [InlineData("ftp://api.example.com/sms", "Url must be an absolute http:// or https:// URL")]
    [InlineData("https://user:pass@api.example.com/sms", "Url must not contain a user name or password")]
    public void A_url_that_is_not_absolute_http_is_refused(string url, string expected)
    {
        Problems(s => s["Url"] = url).Should().ContainSingle().Which.Should().StartWith(expected);
    }

    [Theory]
    [InlineData("Url", "Url is required.")]
    [InlineData("WebhookSecret", "WebhookSecret is required.")]
    [InlineData("AuthValue", "AuthValue is required when AuthHeader is set.")]
    public void Missing_settings_are_named(string key, string expected)
    {
        Problems(s => s.Remove(key)).Should().Contain(expected);
    }

    [Theory]
    [InlineData("WebhookSecret", "short", "WebhookSecret must be at least 16 characters")]
    [InlineData("TimeoutSeconds", "0", "TimeoutSeconds must be a whole number between 1 and 300, got '0'.")]
    [InlineData("TimeoutSeconds", "soon", "TimeoutSeconds must be a whole number")]
    [InlineData("Batch", "maybe", "Batch must be one of 'true', 'false', got 'maybe'.")]
    [InlineData("AuthHeader", "X Api Key", "AuthHeader must be an HTTP header name")]
    [InlineData("IdField", "data..id", "IdField must be a field name or a dotted path")]
    [InlineData("TextField", "the text", "TextField must be a JSON field name without spaces")]
    [InlineData("ToField", "from", "FromField and ToField must name different fields")]
    [InlineData("WindowSize", "0", "WindowSize must be a whole number between 1 and 1000")]
    public void Bad_values_are_refused_with_a_clear_message(string key, string value, string expected)
    {
        Problems(s => s[key] = value).Should().Contain(p => p.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_problem_is_reported_at_once_and_create_throws_naming_the_instance()
    {
        var settings = new Dictionary<string, string> { ["Url"] = "sms", ["TimeoutSeconds"] = "-1" };

        new HttpCarrierFactory().ValidateSettings(settings).Should().HaveCount(3);
        var create = () => new HttpCarrierFactory().Create(new CarrierContext("acme-prod", settings, new RecordingCallbacks(), NullLogger.Instance));
        create.Should().Throw<CarrierConfigurationException>().Which.Message.Should()
            .Contain("acme-prod").And.Contain("Url").And.Contain("WebhookSecret").And.Contain("TimeoutSeconds");
    }

    [Fact]
    public void Secrets_never_appear_in_problems_or_in_the_settings_text()
    {
        var problems = Problems(s =>
        {
            s["AuthValue"] = "Bearer top-secret-key\n";
            s["WebhookSecret"] = "tiny";
        });
        problems.Should().NotBeEmpty().And.OnlyContain(p => !p.Contains("top-secret-key") && !p.Contains("tiny"));
        HttpCarrierSettings.Parse(Valid()).Settings!.ToString().Should().NotContain("top-secret-key").And.NotContain("a-long-webhook-secret");
    }
}
