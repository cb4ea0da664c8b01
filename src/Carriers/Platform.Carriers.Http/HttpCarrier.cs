using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Platform.Carriers.Abstractions;

namespace Platform.Carriers.Http;

/// <summary>
/// Sends SMS to a JSON-over-HTTP API: one POST per message (or one JSON array per chunk with <c>Batch=true</c>),
/// at most <c>WindowSize</c> requests outstanding. Answers map to results: 2xx with an id is Accepted; 2xx without a
/// usable id is Unknown (the API took something we cannot match); 408 and 429 are Failed (retry later); any other 4xx
/// is Rejected with the body's message; 5xx and redirects are Failed. A request that never left (connection refused,
/// DNS) is Failed; one whose body was sent and whose answer was lost (connection dropped, timeout, cancelled) is
/// Unknown: the API may have taken it, so it is never resent. Receipts and inbound messages come back through
/// <see cref="HttpCarrierWebhooks"/>.
/// </summary>
internal sealed class HttpCarrier : ICarrier
{
    private const int MaxReasonLength = 300;

    private readonly CarrierContext _context;
    private readonly HttpCarrierSettings _settings;
    private readonly HttpCarrierWebhooks _webhooks;
    private readonly HttpClient _client;
    private readonly SemaphoreSlim _window;
    private int _inFlight;
    private int _state; // 0 created, 1 started, 2 stopped
    private volatile ErrorSnapshot? _lastError;

    public HttpCarrier(CarrierContext context, HttpCarrierSettings settings, HttpCarrierWebhooks webhooks, HttpMessageHandler? handler = null)
    {
        _context = context;
        _settings = settings;
        _webhooks = webhooks;
        _window = new SemaphoreSlim(settings.WindowSize, settings.WindowSize);
        _client = new HttpClient(handler ?? new SocketsHttpHandler
        {
            // A POST must not silently become a GET somewhere else; a moved API is a configuration problem.
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5), // pick up DNS changes
            ConnectTimeout = settings.Timeout,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan, // per request, below, so a timeout and a cancellation can be told apart
        };
        Capabilities = new CarrierCapabilities(settings.MaxParts, SmsAlphabets.Gsm7 | SmsAlphabets.Ucs2, SupportsDeliveryReceipts: true, SupportsInbound: true);
    }

    public string InstanceName => _context.InstanceName;

    public string Kind => HttpCarrierFactory.KindName;

    public CarrierCapabilities Capabilities { get; }

    public CarrierState State
    {
        get
        {
            var error = _lastError;
            return new CarrierState(Volatile.Read(ref _state) == 1, Volatile.Read(ref _inFlight), error?.Message, error?.At);
        }
    }

    internal HttpCarrierSettings Settings => _settings;

    internal ICarrierCallbacks Callbacks => _context.Callbacks;

    internal ILogger Logger => _context.Logger;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException($"HTTP carrier '{InstanceName}' was already started.");
        }
        _webhooks.Register(this);
        // Never the auth value, the secret, or the URL's query (it may hold an API key).
        _context.Logger.LogInformation("HTTP carrier {Instance} started: {Endpoint}, {Mode}, window {Window}, timeout {Timeout} s; webhooks at /carriers/http/{Instance}/webhook.",
            InstanceName, $"{_settings.Url.Scheme}://{_settings.Url.Authority}{_settings.Url.AbsolutePath}",
            _settings.Batch ? $"batches of up to {_settings.MaxBatchSize}" : "one request per message",
            _settings.WindowSize, _settings.Timeout.TotalSeconds, InstanceName);
        return Task.CompletedTask;
    }

    public async Task<IReadOnlyList<SubmitResult>> SendAsync(IReadOnlyList<OutboundMessage> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var results = new SubmitResult?[batch.Count];
        var toSend = new List<int>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            results[i] = Precheck(batch[i]);
            if (results[i] is null)
            {
                toSend.Add(i);
            }
        }

        // Units of work: one message each, or chunks of up to MaxBatchSize messages with Batch=true.
        var size = _settings.Batch ? _settings.MaxBatchSize : 1;
        var units = toSend.Chunk(size).ToArray();
        var next = -1;
        async Task WorkAsync()
        {
            int unit;
            while ((unit = Interlocked.Increment(ref next)) < units.Length)
            {
                await SendUnitAsync(batch, units[unit], results, cancellationToken).ConfigureAwait(false);
            }
        }
        var workers = Math.Min(_settings.WindowSize, units.Length);
        if (workers > 0)
        {
            await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(WorkAsync, CancellationToken.None))).ConfigureAwait(false);
        }
        return results.Select(r => r ?? SubmitResult.Failed("internal error: the message was not sent")).ToArray();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _state, 2) != 1)
        {
            return;
        }
        _webhooks.Unregister(this);
        try
        {
            // Outstanding requests finish (each bounded by TimeoutSeconds) unless the caller runs out of patience.
            while (Volatile.Read(ref _inFlight) > 0)
            {
                await Task.Delay(10, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _context.Logger.LogWarning("HTTP carrier {Instance} stopped with {InFlight} requests still outstanding.", InstanceName, Volatile.Read(ref _inFlight));
        }
        _context.Logger.LogInformation("HTTP carrier {Instance} stopped.", InstanceName);
    }

    public async ValueTask DisposeAsync()
    {
        using (var patience = new CancellationTokenSource(_settings.Timeout))
        {
            await StopAsync(patience.Token).ConfigureAwait(false);
        }
        _client.Dispose();
    }

    private SubmitResult? Precheck(OutboundMessage message)
    {
        if (Volatile.Read(ref _state) != 1)
        {
            return SubmitResult.Failed("not connected: the HTTP carrier is not running");
        }
        if (string.IsNullOrWhiteSpace(message.To))
        {
            return SubmitResult.Rejected("the destination number is empty");
        }
        var parts = SmsEncoding.Analyze(message.Text ?? "").Segments;
        return parts > _settings.MaxParts
            ? SubmitResult.Rejected($"text needs {parts} parts, this carrier takes at most {_settings.MaxParts} (MaxParts)")
            : null;
    }

    private async Task SendUnitAsync(IReadOnlyList<OutboundMessage> batch, int[] indexes, SubmitResult?[] results, CancellationToken cancellationToken)
    {
        void All(SubmitResult result)
        {
            foreach (var index in indexes)
            {
                results[index] = result;
            }
        }

        if (cancellationToken.IsCancellationRequested)
        {
            All(SubmitResult.Failed("cancelled before submit"));
            return;
        }
        try
        {
            await _window.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            All(SubmitResult.Failed("cancelled before submit"));
            return;
        }
        try
        {
            if (Volatile.Read(ref _state) != 1)
            {
                All(SubmitResult.Failed("not connected: the HTTP carrier was stopped"));
                return;
            }
            Interlocked.Increment(ref _inFlight);
            try
            {
                var messages = indexes.Select(i => batch[i]).ToArray();
                var answers = await PostAsync(messages, cancellationToken).ConfigureAwait(false);
                for (var i = 0; i < indexes.Length; i++)
                {
                    results[indexes[i]] = answers[i];
                }
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }
        finally
        {
            _window.Release();
        }
    }

    /// <summary>Posts one message (or a JSON array of them with <c>Batch=true</c>) and maps the answer; never throws.</summary>
    private async Task<SubmitResult[]> PostAsync(OutboundMessage[] messages, CancellationToken cancellationToken)
    {
        SubmitResult[] Each(SubmitResult result) => messages.Select(_ => result).ToArray();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_settings.Timeout);
        // Whether the body started to go out on a connection: the line between "never sent" (Failed) and "sent, answer
        // lost" (Unknown) when the request ends without an answer.
        var content = new SentTrackingContent(Serialize(messages));
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, _settings.Url) { Content = content };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            if (_settings.AuthValue.Length > 0)
            {
                request.Headers.TryAddWithoutValidation(_settings.AuthHeader, _settings.AuthValue);
            }
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            return Interpret(response.StatusCode, response.ReasonPhrase, body, messages.Length);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Each(content.Sent
                ? SubmitResult.Unknown("cancelled while waiting for the API's answer after the request was sent; the API may still accept the message, so it is not resent")
                : SubmitResult.Failed("cancelled before submit (the request was not sent)"));
        }
        catch (OperationCanceledException)
        {
            var reason = content.Sent
                ? $"timed out after {_settings.Timeout.TotalSeconds:0} s waiting for the API's answer to a request it was sent (TimeoutSeconds); the API may have accepted the message, so it is not resent"
                : $"timed out after {_settings.Timeout.TotalSeconds:0} s before the request could be sent (TimeoutSeconds)";
            RecordError(reason);
            return Each(content.Sent ? SubmitResult.Unknown(reason) : SubmitResult.Failed(reason));
        }
        catch (Exception ex) when (ex is HttpRequestException or ObjectDisposedException or InvalidOperationException or IOException)
        {
            var reason = content.Sent
                ? $"connection lost after the request was sent, before the API answered ({ex.Message}); the API may have accepted the message, so it is not resent"
                : $"network error, the request was not sent: {ex.Message}";
            RecordError(reason);
            return Each(content.Sent ? SubmitResult.Unknown(reason) : SubmitResult.Failed(reason));
        }
    }

    /// <summary>
    /// The request body, noting when the handler starts writing it to a connection. The handler writes the body only
    /// once the connection is open (after DNS and connect), so an unset flag means the API cannot have seen the request.
    /// </summary>
    private sealed class SentTrackingContent(byte[] body) : HttpContent
    {
        private int _sent;

        public bool Sent => Volatile.Read(ref _sent) != 0;

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            Interlocked.Exchange(ref _sent, 1);
            await stream.WriteAsync(body, cancellationToken).ConfigureAwait(false);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = body.Length;
            return true;
        }
    }

    private byte[] Serialize(OutboundMessage[] messages)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            if (_settings.Batch)
            {
                writer.WriteStartArray();
            }
            foreach (var message in messages)
            {
                writer.WriteStartObject();
                writer.WriteString(_settings.FromField, message.From);
                writer.WriteString(_settings.ToField, message.To);
                writer.WriteString(_settings.TextField, message.Text);
                writer.WriteBoolean(_settings.ReceiptField, message.RequestReceipt);
                if (_settings.ReferenceField.Length > 0)
                {
                    writer.WriteString(_settings.ReferenceField, message.MessageId.ToString("D"));
                }
                writer.WriteEndObject();
            }
            if (_settings.Batch)
            {
                writer.WriteEndArray();
            }
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Maps an answer to one result per message sent in the request.</summary>
    internal SubmitResult[] Interpret(HttpStatusCode status, string? reasonPhrase, string body, int count)
    {
        SubmitResult[] Each(SubmitResult result) => Enumerable.Repeat(result, count).ToArray();
        var code = (int)status;
        var answered = $"the API answered {code} {reasonPhrase ?? status.ToString()}".TrimEnd();

        if (code is >= 200 and < 300)
        {
            return _settings.Batch ? InterpretBatch(answered, body, count) : [InterpretOne(answered, TryParse(body))];
        }
        if (code is 408 or 429)
        {
            RecordError($"{answered}: {ErrorMessage(body)}");
            return Each(SubmitResult.Failed($"{answered} (will retry): {ErrorMessage(body)}"));
        }
        if (code is >= 400 and < 500)
        {
            return Each(SubmitResult.Rejected($"{answered}: {ErrorMessage(body)}"));
        }
        var reason = code is >= 300 and < 400
            ? $"{answered}: redirects are not followed; set Url to the API's current address"
            : $"{answered}: {ErrorMessage(body)}";
        RecordError(reason);
        return Each(SubmitResult.Failed(reason));
    }

    private SubmitResult InterpretOne(string answered, JsonElement? element)
    {
        var id = element is { } e ? FindId(e) : null;
        if (id is not null)
        {
            return SubmitResult.Accepted(id);
        }
        if (element is { ValueKind: JsonValueKind.Object } error && ErrorMessage(error) is { } message)
        {
            return SubmitResult.Rejected($"{answered} without an id: {message}");
        }
        // The API took something but said no id: the message may have gone out (so it is never resent), but its
        // receipts cannot be matched.
        var reason = $"{answered} without a message id in '{_settings.IdField}' (check IdField); the API may have taken the message, so it is not resent";
        RecordError(reason);
        return SubmitResult.Unknown(reason);
    }

    private SubmitResult[] InterpretBatch(string answered, string body, int count)
    {
        var root = TryParse(body);
        if (root is not { ValueKind: JsonValueKind.Array } array || array.GetArrayLength() != count)
        {
            var reason = $"{answered} but not with a JSON array of {count} results, one per message sent; the API may have taken them, so they are not resent";
            RecordError(reason);
            return Enumerable.Repeat(SubmitResult.Unknown(reason), count).ToArray();
        }
        return array.EnumerateArray().Select(item => InterpretOne(answered, item)).ToArray();
    }

    private string? FindId(JsonElement element)
    {
        foreach (var name in _settings.IdField.Split('.'))
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
            {
                return null;
            }
        }
        return element.ValueKind switch
        {
            JsonValueKind.String when !string.IsNullOrWhiteSpace(element.GetString()) => element.GetString(),
            JsonValueKind.Number => element.GetRawText(),
            _ => null,
        };
    }

    private static JsonElement? TryParse(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The error text of an answer: "message", "error" (text or { "message" }), "detail" or "title" of a JSON
    /// body, else the body itself (shortened), else "no details".</summary>
    internal static string ErrorMessage(string body)
    {
        var parsed = TryParse(body);
        if (parsed is { ValueKind: JsonValueKind.Object } json && ErrorMessage(json) is { } message)
        {
            return Shorten(message);
        }
        return string.IsNullOrWhiteSpace(body) ? "no details" : Shorten(body.Trim());
    }

    private static string? ErrorMessage(JsonElement json)
    {
        foreach (var name in new[] { "message", "error", "detail", "title", "description" })
        {
            if (json.TryGetProperty(name, out var value))
            {
                if (value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetString()))
                {
                    return value.GetString();
                }
                if (value.ValueKind == JsonValueKind.Object && ErrorMessage(value) is { } nested)
                {
                    return nested;
                }
            }
        }
        return null;
    }

    private static string Shorten(string text)
    {
        var single = string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return single.Length <= MaxReasonLength ? single : single[..MaxReasonLength] + "…";
    }

    private void RecordError(string message)
    {
        _lastError = new ErrorSnapshot(message, DateTimeOffset.UtcNow);
        _context.Logger.LogWarning("HTTP carrier {Instance}: {Problem}", InstanceName, message);
    }

    private sealed record ErrorSnapshot(string Message, DateTimeOffset At);
}
