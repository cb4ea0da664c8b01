using System.Text.Json;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Features.Api;

/// <summary>A send request as checked: one Sender ID, the messages (distinct E.164 numbers, each with its text), and whether it is marketing.</summary>
internal sealed record SendRequest(string From, IReadOnlyList<(string To, string Text)> Messages, bool Marketing);

/// <summary>Why the send API refused a request, as plain data; the edge (<see cref="ApiRegistration"/>) makes the problem+json of it.</summary>
internal enum SendRefusalKind
{
    /// <summary>The Idempotency-Key header is empty, too long or has control characters.</summary>
    InvalidIdempotencyKey,

    /// <summary>The body is not JSON of this endpoint's shape (field errors).</summary>
    MalformedBody,

    /// <summary>The messages cannot be sent as they are: a field, the Sender ID or the plan's limit (field errors).</summary>
    Unsendable,

    /// <summary>The credits could not be reserved: nothing was sent.</summary>
    NotPaidFor,

    /// <summary>The company may not spend now (Accounts' <c>CheckCompanyMaySpend</c>: its address is not confirmed yet).</summary>
    CompanyMayNotSpend,

    /// <summary>The Idempotency-Key was used before with another body.</summary>
    IdempotencyKeyReused,

    /// <summary>The first request with this Idempotency-Key has not answered yet.</summary>
    IdempotencyInProgress,
}

/// <summary>A refusal: its kind, a title, and either a detail or the errors per field.</summary>
internal sealed record SendRefusal(SendRefusalKind Kind, string Title, string? Detail = null, IReadOnlyDictionary<string, string[]>? Errors = null)
{
    public static SendRefusal Fields(SendRefusalKind kind, string title, string field, params string[] errors) =>
        new(kind, title, Errors: new Dictionary<string, string[]> { [field] = errors });
}

/// <summary>
/// The send API's request validation and normalisation: the Idempotency-Key header, the JSON body (one message or a
/// batch), E.164 numbers, texts and one Sender ID per request — everything checkable without the database, with the
/// field errors the caller reads.
/// </summary>
internal static class SendRequestReader
{
    public const int MaxMessages = 1000;
    public const int MaxText = 1600;
    public const int MaxIdempotencyKey = 255;

    /// <summary>Null when the key may be used.</summary>
    public static SendRefusal? CheckIdempotencyKey(string idempotencyKey) =>
        idempotencyKey.Length is 0 or > MaxIdempotencyKey || idempotencyKey.Any(char.IsControl)
            ? new SendRefusal(SendRefusalKind.InvalidIdempotencyKey, "The Idempotency-Key header is not valid.",
                $"Use 1 to {MaxIdempotencyKey} printable characters, for example a UUID.")
            : null;

    /// <summary>The request, or why it cannot be taken.</summary>
    public static (SendRequest? Request, SendRefusal? Refusal) Read(byte[] body)
    {
        const string notJson = "The body is not valid JSON for this endpoint.";
        SendMessagesBody? request;
        try
        {
            request = JsonSerializer.Deserialize<SendMessagesBody>(body, ApiJson.Options);
        }
        catch (JsonException exception)
        {
            var field = string.IsNullOrEmpty(exception.Path) || exception.Path == "$" ? "body" : exception.Path.TrimStart('$', '.');
            return (null, SendRefusal.Fields(SendRefusalKind.MalformedBody, notJson, field, JsonProblem(exception)));
        }

        if (request is null)
        {
            return (null, SendRefusal.Fields(SendRefusalKind.MalformedBody, notJson, "body",
                "Send a JSON object such as {\"from\":\"PLATFORM\",\"to\":\"+447700900123\",\"text\":\"Hello\"}."));
        }

        var (from, items, errors) = Normalise(request);
        return errors.Count > 0
            ? (null, new SendRefusal(SendRefusalKind.Unsendable, "The messages cannot be sent as they are.", Errors: errors))
            : (new SendRequest(from, items, request.Marketing == true), null);
    }

    private static string JsonProblem(JsonException exception)
    {
        var message = exception.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message) + " Expected {\"from\": string, \"to\": string, \"text\": string, \"marketing\": boolean} or {\"from\": string, \"messages\": [{\"to\", \"text\"}, …]}.";
    }

    /// <summary>The sender, the messages, and the field errors of a request (everything checkable without the database).</summary>
    private static (string From, List<(string To, string Text)> Items, Dictionary<string, string[]> Errors) Normalise(SendMessagesBody request)
    {
        var errors = new Dictionary<string, List<string>>();
        void Add(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list))
            {
                errors[field] = list = [];
            }

            list.Add(message);
        }

        var from = request.From?.Trim() ?? string.Empty;
        if (from.Length == 0)
        {
            Add("from", "Give the Sender ID in \"from\" (an approved Sender ID of your company, or PLATFORM).");
        }

        var items = new List<(string To, string Text)>();
        var given = new List<(string Field, string? To, string? Text, string? From)>();
        if (request.Messages is { } list)
        {
            if (request.To is not null || request.Text is not null)
            {
                Add("messages", "Send either \"to\" and \"text\" (one message) or \"messages\" (a batch), not both.");
            }

            if (list.Count == 0)
            {
                Add("messages", "\"messages\" is empty: give at least one message.");
            }
            else if (list.Count > MaxMessages)
            {
                Add("messages", $"A request can carry at most {MaxMessages} messages; this one has {list.Count}. Split it into several requests.");
            }
            else
            {
                given.AddRange(list.Select((m, i) => ($"messages[{i}]", m?.To, m?.Text, m?.From)));
            }
        }
        else
        {
            given.Add((string.Empty, request.To, request.Text, null));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (prefix, to, text, itemFrom) in given)
        {
            string Field(string name) => prefix.Length == 0 ? name : $"{prefix}.{name}";
            var ok = true;
            if (string.IsNullOrWhiteSpace(to))
            {
                Add(Field("to"), "Give the recipient's number in E.164, for example +447700900123.");
                ok = false;
            }
            else if (!PhoneNumbers.TryNormalizeE164(to, out var e164) || e164 != to)
            {
                Add(Field("to"), e164.Length > 0 && e164 != to
                    ? $"'{to}' is not in E.164 form; write it as {e164}."
                    : $"'{to}' is not a number in E.164 form (+, country code, number, 8 to 15 digits), for example +447700900123.");
                ok = false;
            }
            else if (!seen.Add(to))
            {
                Add(Field("to"), $"{to} appears more than once in this request. Send one message per number per request.");
                ok = false;
            }

            if (string.IsNullOrWhiteSpace(text))
            {
                Add(Field("text"), "The text is empty. Write the message to send.");
                ok = false;
            }
            else if (text.Length > MaxText)
            {
                Add(Field("text"), $"The text has {text.Length} characters; at most {MaxText} are allowed.");
                ok = false;
            }

            if (itemFrom is not null && from.Length > 0 && itemFrom.Trim() != from)
            {
                Add(Field("from"), $"All messages of a request share one Sender ID; this one says '{itemFrom}', the request '{from}'. Send it in another request.");
                ok = false;
            }

            if (ok)
            {
                items.Add((to!, text!));
            }
        }

        return (from, items, errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
    }
}
