using Platform.Carriers.Abstractions;

namespace Platform.Carriers.Http;

/// <summary>
/// An HTTP instance's settings, parsed and checked from the instance configuration (keys case-insensitive).
/// A class, not a record: a record's generated <c>ToString</c> would print <see cref="AuthValue"/> and
/// <see cref="WebhookSecret"/> into any log that formats the settings.
/// </summary>
internal sealed class HttpCarrierSettings
{
    public const string UrlKey = "Url";
    public const string AuthHeaderKey = "AuthHeader";
    public const string AuthValueKey = "AuthValue";
    public const string FromFieldKey = "FromField";
    public const string ToFieldKey = "ToField";
    public const string TextFieldKey = "TextField";
    public const string IdFieldKey = "IdField";
    public const string ReceiptFieldKey = "ReceiptField";
    public const string ReferenceFieldKey = "ReferenceField";
    public const string WebhookSecretKey = "WebhookSecret";
    public const string TimeoutSecondsKey = "TimeoutSeconds";
    public const string BatchKey = "Batch";
    public const string MaxBatchSizeKey = "MaxBatchSize";
    public const string WindowSizeKey = "WindowSize";
    public const string MaxPartsKey = "MaxParts";

    /// <summary>The shortest webhook secret accepted: a short one can be guessed from signed requests.</summary>
    public const int MinWebhookSecretLength = 16;

    public required Uri Url { get; init; }
    public string AuthHeader { get; init; } = "Authorization";
    /// <summary>The auth header's value (an API key, "Bearer ..."); a secret, never logged. Empty: no auth header.</summary>
    public string AuthValue { get; init; } = "";
    public string FromField { get; init; } = "from";
    public string ToField { get; init; } = "to";
    public string TextField { get; init; } = "text";
    /// <summary>Where the response carries the id; a dotted path ("data.id") reaches into nested objects.</summary>
    public string IdField { get; init; } = "id";
    public string ReceiptField { get; init; } = "receipt";
    /// <summary>When set, the platform's message id is sent in this field; empty: not sent.</summary>
    public string ReferenceField { get; init; } = "";
    /// <summary>The HMAC key webhooks are signed with; a secret, never logged.</summary>
    public required string WebhookSecret { get; init; }
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
    public bool Batch { get; init; }
    public int MaxBatchSize { get; init; } = 100;
    public int WindowSize { get; init; } = 10;
    public int MaxParts { get; init; } = 10;

    public override string ToString() => $"HTTP carrier settings for {Url} (secrets not shown)";

    public static (HttpCarrierSettings? Settings, IReadOnlyList<string> Problems) Parse(IReadOnlyDictionary<string, string>? raw)
    {
        var reader = new CarrierSettingsReader(raw);
        if (raw is null)
        {
            reader.AddProblem("Settings are missing.");
        }

        var urlText = reader.Text(UrlKey, required: true);
        Uri? url = null;
        if (urlText.Length > 0)
        {
            if (!Uri.TryCreate(urlText, UriKind.Absolute, out url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                reader.AddProblem($"{UrlKey} must be an absolute http:// or https:// URL, got '{urlText}'.");
                url = null;
            }
            else if (url.UserInfo.Length > 0)
            {
                reader.AddProblem($"{UrlKey} must not contain a user name or password; use {AuthHeaderKey} and {AuthValueKey}.");
                url = null;
            }
        }

        var authHeaderSet = reader.Has(AuthHeaderKey);
        var authHeader = reader.Text(AuthHeaderKey, "Authorization", maxLength: 100);
        if (!IsToken(authHeader))
        {
            reader.AddProblem($"{AuthHeaderKey} must be an HTTP header name (letters, digits and - only), got '{authHeader}'.");
        }
        var authValue = reader.Text(AuthValueKey, maxLength: 4096);
        if (authValue.Any(char.IsControl))
        {
            // Never echo the value: it is a secret.
            reader.AddProblem($"{AuthValueKey} must not contain control characters (line breaks...).");
        }
        if (authHeaderSet && authValue.Length == 0)
        {
            reader.AddProblem($"{AuthValueKey} is required when {AuthHeaderKey} is set.");
        }

        string Field(string key, string defaultValue)
        {
            var value = reader.Text(key, defaultValue, maxLength: 100);
            if (value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            {
                reader.AddProblem($"{key} must be a JSON field name without spaces, got '{value}'.");
            }
            return value;
        }

        var from = Field(FromFieldKey, "from");
        var to = Field(ToFieldKey, "to");
        var text = Field(TextFieldKey, "text");
        var receipt = Field(ReceiptFieldKey, "receipt");
        var reference = Field(ReferenceFieldKey, "");
        var id = Field(IdFieldKey, "id");
        if (id.Split('.').Any(string.IsNullOrEmpty))
        {
            reader.AddProblem($"{IdFieldKey} must be a field name or a dotted path such as 'data.id', got '{id}'.");
        }
        var requestFields = new[] { (FromFieldKey, from), (ToFieldKey, to), (TextFieldKey, text), (ReceiptFieldKey, receipt), (ReferenceFieldKey, reference) }
            .Where(f => f.Item2.Length > 0)
            .ToList();
        foreach (var clash in requestFields.GroupBy(f => f.Item2, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            reader.AddProblem($"{string.Join(" and ", clash.Select(f => f.Item1))} must name different fields, both are '{clash.Key}'.");
        }

        var secret = reader.Text(WebhookSecretKey, required: true);
        if (secret.Length is > 0 and < MinWebhookSecretLength)
        {
            reader.AddProblem($"{WebhookSecretKey} must be at least {MinWebhookSecretLength} characters long (it signs receipts and inbound messages).");
        }

        var timeout = reader.Int(TimeoutSecondsKey, 30, 1, 300);
        var batch = reader.OneOf(BatchKey, "false", "true", "false") == "true";
        var maxBatchSize = reader.Int(MaxBatchSizeKey, 100, 1, 10_000);
        var window = reader.Int(WindowSizeKey, 10, 1, 1000);
        var maxParts = reader.Int(MaxPartsKey, 10, 1, 255);

        if (reader.Problems.Count > 0 || url is null)
        {
            return (null, reader.Problems);
        }
        return (new HttpCarrierSettings
        {
            Url = url,
            AuthHeader = authHeader,
            AuthValue = authValue,
            FromField = from,
            ToField = to,
            TextField = text,
            IdField = id,
            ReceiptField = receipt,
            ReferenceField = reference,
            WebhookSecret = secret,
            Timeout = TimeSpan.FromSeconds(timeout),
            Batch = batch,
            MaxBatchSize = maxBatchSize,
            WindowSize = window,
            MaxParts = maxParts,
        }, reader.Problems);
    }

    private static bool IsToken(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_');
}
