using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Platform.Carriers.Abstractions;

namespace Platform.Carriers.Http;

/// <summary>What the webhook answers: an HTTP status and a sentence for the sender.</summary>
internal readonly record struct WebhookOutcome(int StatusCode, string Message)
{
    public bool Succeeded => StatusCode is >= 200 and < 300;
}

/// <summary>
/// Receives the signed webhooks of running HTTP carrier instances (<c>POST /carriers/http/{instance}/webhook</c>,
/// mapped by <see cref="HttpCarrierEndpoints.MapHttpCarrierWebhooks"/>), checks the signature with the instance's
/// <c>WebhookSecret</c> and hands receipts and inbound messages to the instance's callbacks. Bodies:
/// <code>
/// {"type":"receipt","id":"...","status":"delivered|failed|expired|rejected|unknown","error":"...","timestamp":"..."}
/// {"type":"inbound","from":"+1...","to":"+1...","text":"...","id":"...","timestamp":"..."}
/// [{"type":"receipt",...}, {"type":"receipt",...}]   (many receipts in one request)
/// </code>
/// Answers: 200 taken (for an array: every receipt stored); 400 bad JSON (with what is wrong; for an array nothing is
/// taken); 401 bad signature; 404 unknown instance; 503 the host could not take it now (send it again later).
/// </summary>
internal sealed class HttpCarrierWebhooks(TimeProvider clock)
{
    /// <summary>The largest body accepted (one receipt or one inbound message is far smaller).</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>How many bad elements of an array a 400 names (the rest are summed up as "…").</summary>
    private const int MaxProblemsListed = 10;

    private static readonly string[] Statuses = ["delivered", "failed", "expired", "rejected", "unknown"];

    private readonly ConcurrentDictionary<string, HttpCarrier> _running = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The names of the instances that take webhooks now (started, not stopped).</summary>
    public IReadOnlyCollection<string> Instances => _running.Keys.ToArray();

    internal void Register(HttpCarrier carrier) => _running[carrier.InstanceName] = carrier;

    internal void Unregister(HttpCarrier carrier) => _running.TryRemove(new KeyValuePair<string, HttpCarrier>(carrier.InstanceName, carrier));

    /// <summary>Handles one webhook request: <paramref name="signatureHeader"/> is the <c>X-Platform-Signature</c>
    /// header, <paramref name="body"/> the raw body exactly as received.</summary>
    public async Task<WebhookOutcome> HandleAsync(string instanceName, string? signatureHeader, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        if (!_running.TryGetValue(instanceName, out var carrier))
        {
            return new WebhookOutcome(404, $"No HTTP carrier instance named '{instanceName}' is running here.");
        }
        var signatureProblem = WebhookSignature.Verify(carrier.Settings.WebhookSecret, signatureHeader, body.Span, clock.GetUtcNow());
        if (signatureProblem is not null)
        {
            carrier.Logger.LogWarning("HTTP carrier {Instance}: refused a webhook: {Problem}", instanceName, signatureProblem);
            return new WebhookOutcome(401, "Signature refused: " + signatureProblem);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException ex)
        {
            return BadRequest($"the body is not valid JSON: {ex.Message}");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Array)
            {
                return await ReceiptsAsync(carrier, root, cancellationToken).ConfigureAwait(false);
            }
            if (root.ValueKind != JsonValueKind.Object)
            {
                return BadRequest($"the body must be a JSON object (or an array of receipts), got {Describe(root.ValueKind)}.");
            }
            var type = Text(root, "type");
            return type switch
            {
                "receipt" => await ReceiptAsync(carrier, root, cancellationToken).ConfigureAwait(false),
                "inbound" => await InboundAsync(carrier, root, cancellationToken).ConfigureAwait(false),
                null => BadRequest("\"type\" is required: \"receipt\" or \"inbound\"."),
                _ => BadRequest($"\"type\" must be \"receipt\" or \"inbound\", got \"{type}\"."),
            };
        }
    }

    private async Task<WebhookOutcome> ReceiptAsync(HttpCarrier carrier, JsonElement root, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var receipt = ReadReceipt(root, problems);
        if (problems.Count > 0)
        {
            return BadRequest(string.Join(" ", problems));
        }
        return await CallBackAsync(carrier, "receipt", () => carrier.Callbacks.OnDeliveryReceiptAsync(receipt!, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>
    /// A JSON array of receipts in one request (issue #16: at thousands of receipts a second, one signed POST each would
    /// be thousands of requests a second into the host and its <c>inbound</c> rate limit). Every element is checked
    /// before any is handed over, so a bad element refuses the whole body and applies nothing. Then all are handed to
    /// the host at once (it stores receipts in batches, completing each callback when its batch commits) and the
    /// request is answered once every one is stored: a 200 means all of them are kept. If the host could not take
    /// some, the answer is 503 and the sender sends the body again; receipts already stored are harmless to repeat
    /// (a message's state only moves forward). Inbound messages are not taken in arrays: their order matters (a STOP
    /// then a START), so they come one a request.
    /// </summary>
    private async Task<WebhookOutcome> ReceiptsAsync(HttpCarrier carrier, JsonElement array, CancellationToken cancellationToken)
    {
        var count = array.GetArrayLength();
        if (count == 0)
        {
            return BadRequest("the array is empty; send at least one receipt.");
        }
        var receipts = new DeliveryReceipt[count];
        var problems = new List<string>();
        var index = 0;
        foreach (var element in array.EnumerateArray())
        {
            var elementProblems = new List<string>();
            if (element.ValueKind != JsonValueKind.Object)
            {
                elementProblems.Add($"each element must be a receipt object, got {Describe(element.ValueKind)}.");
            }
            else if (Text(element, "type") is var type && type != "receipt")
            {
                elementProblems.Add(type == "inbound"
                    ? "an array carries receipts only; send each inbound message in a request of its own (their order matters)."
                    : $"\"type\" must be \"receipt\" in an array, got {(type is null ? "none" : $"\"{type}\"")}.");
            }
            else if (ReadReceipt(element, elementProblems) is { } receipt)
            {
                receipts[index] = receipt;
            }
            if (elementProblems.Count > 0)
            {
                problems.Add($"element {index}: {string.Join(" ", elementProblems)}");
            }
            index++;
        }
        if (problems.Count > 0)
        {
            var listed = problems.Count > MaxProblemsListed ? [.. problems.Take(MaxProblemsListed), "…"] : problems;
            return BadRequest($"nothing was taken; {string.Join(" ", listed)}");
        }

        var what = count == 1 ? "receipt" : $"{count.ToString(CultureInfo.InvariantCulture)} receipts";
        return await CallBackAsync(carrier, what,
            () => Task.WhenAll(receipts.Select(receipt => carrier.Callbacks.OnDeliveryReceiptAsync(receipt, cancellationToken)))).ConfigureAwait(false);
    }

    /// <summary>One receipt object's fields; null (and <paramref name="problems"/> say why) when one is wrong.</summary>
    private DeliveryReceipt? ReadReceipt(JsonElement root, List<string> problems)
    {
        var before = problems.Count;
        var id = Required(root, "id", problems);
        var statusText = Required(root, "status", problems);
        var status = DeliveryStatus.Unknown;
        if (statusText is not null)
        {
            var known = Statuses.FirstOrDefault(s => string.Equals(s, statusText, StringComparison.OrdinalIgnoreCase));
            if (known is null)
            {
                problems.Add($"\"status\" must be one of {string.Join(", ", Statuses.Select(s => $"\"{s}\""))}, got \"{statusText}\".");
            }
            else
            {
                status = Enum.Parse<DeliveryStatus>(known, ignoreCase: true);
            }
        }
        var error = Optional(root, "error", problems);
        var timestamp = Timestamp(root, problems);
        return problems.Count > before
            ? null
            : new DeliveryReceipt(id!, status, string.IsNullOrWhiteSpace(error) ? null : error, timestamp ?? clock.GetUtcNow());
    }

    private async Task<WebhookOutcome> InboundAsync(HttpCarrier carrier, JsonElement root, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var from = Required(root, "from", problems);
        var to = Required(root, "to", problems);
        string? text = null;
        if (!root.TryGetProperty("text", out var textElement) || textElement.ValueKind != JsonValueKind.String)
        {
            problems.Add("\"text\" is required and must be a string.");
        }
        else
        {
            text = textElement.GetString();
        }
        var id = Optional(root, "id", problems);
        var timestamp = Timestamp(root, problems);
        if (problems.Count > 0)
        {
            return BadRequest(string.Join(" ", problems));
        }
        // Numbers as the other carriers hand them over: international digits without '+'.
        var message = new InboundMessage(Number(from!), Number(to!), text!, timestamp ?? clock.GetUtcNow(), string.IsNullOrWhiteSpace(id) ? null : id);
        return await CallBackAsync(carrier, "inbound message", () => carrier.Callbacks.OnInboundMessageAsync(message, cancellationToken)).ConfigureAwait(false);
    }

    private static async Task<WebhookOutcome> CallBackAsync(HttpCarrier carrier, string what, Func<Task> callback)
    {
        try
        {
            await callback().ConfigureAwait(false);
            return new WebhookOutcome(200, $"Taken: the {what}.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Not acknowledged: the sender should deliver it again later.
            carrier.Logger.LogError(ex, "HTTP carrier {Instance}: the host could not take a webhook {What}.", carrier.InstanceName, what);
            return new WebhookOutcome(503, $"The platform could not take the {what} now; send it again later (receipts already stored are harmless to repeat).");
        }
    }

    private static WebhookOutcome BadRequest(string problem) => new(400, "Bad webhook body: " + problem);

    private static string Number(string number) => number.Trim().TrimStart('+');

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string? Required(JsonElement root, string name, List<string> problems)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            problems.Add($"\"{name}\" is required.");
            return null;
        }
        var text = AsText(value);
        if (string.IsNullOrWhiteSpace(text))
        {
            problems.Add($"\"{name}\" must be a non-empty string, got {Describe(value.ValueKind)}.");
            return null;
        }
        return text.Trim();
    }

    private static string? Optional(JsonElement root, string name, List<string> problems)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind is JsonValueKind.Null)
        {
            return null;
        }
        var text = AsText(value);
        if (text is null)
        {
            problems.Add($"\"{name}\" must be a string, got {Describe(value.ValueKind)}.");
        }
        return text?.Trim();
    }

    // Ids and error codes may reasonably come as numbers.
    private static string? AsText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetRawText(),
        _ => null,
    };

    /// <summary>"timestamp": ISO 8601 text or unix seconds; absent means "now".</summary>
    private static DateTimeOffset? Timestamp(JsonElement root, List<string> problems)
    {
        if (!root.TryGetProperty("timestamp", out var value) || value.ValueKind is JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var unix) && unix is > 0 and < 253402300800)
        {
            return DateTimeOffset.FromUnixTimeSeconds(unix);
        }
        if (value.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            return parsed;
        }
        problems.Add($"\"timestamp\" must be an ISO 8601 date and time or unix seconds, got {value.GetRawText()}.");
        return null;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
