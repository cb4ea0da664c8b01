using System.Globalization;

namespace Platform.Carriers.Smpp;

/// <summary>How the client binds: one bind_transceiver session, or a bind_transmitter plus a bind_receiver session.</summary>
internal enum SmppBindMode
{
    Transceiver = 0,
    TransmitterAndReceiver = 1,
}

/// <summary>An SMPP instance's settings, parsed and checked from the instance configuration (keys case-insensitive).</summary>
internal sealed record SmppSettings
{
    public required string Host { get; init; }
    public int Port { get; init; } = 2775;
    public required string SystemId { get; init; }
    public string Password { get; init; } = "";
    public string SystemType { get; init; } = "";
    public SmppBindMode BindMode { get; init; } = SmppBindMode.Transceiver;
    public int WindowSize { get; init; } = 10;
    public TimeSpan EnquireLinkInterval { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Null means "choose from the sender": 5/0 (alphanumeric) for a sender with letters, else 1/1 (international/E.164).</summary>
    public byte? SourceTon { get; init; }
    public byte? SourceNpi { get; init; }
    public byte DestTon { get; init; } = 1;
    public byte DestNpi { get; init; } = 1;
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan ReconnectMinDelay { get; init; } = TimeSpan.FromMilliseconds(500);
    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(30);
    public int MaxParts { get; init; } = 10;
    /// <summary>How many times a throttled part is sent again (after a back-off) before it fails as transient.</summary>
    public int ThrottleRetries { get; init; } = 3;

    public static (SmppSettings? Settings, IReadOnlyList<string> Problems) Parse(IReadOnlyDictionary<string, string>? raw)
    {
        if (raw is null)
        {
            return (null, ["Settings are missing."]);
        }
        var values = new Dictionary<string, string>(raw, StringComparer.OrdinalIgnoreCase);
        var problems = new List<string>();

        string Text(string key, string defaultValue, int maxLength, bool required)
        {
            if (!values.TryGetValue(key, out var value) || string.IsNullOrWhiteSpace(value))
            {
                if (required)
                {
                    problems.Add($"{key} is required.");
                }
                return defaultValue;
            }
            value = value.Trim();
            if (value.Length > maxLength)
            {
                problems.Add($"{key} may be at most {maxLength} characters (SMPP 3.4 limit), got {value.Length}.");
            }
            if (value.Any(c => c > 0x7E || c < 0x20))
            {
                problems.Add($"{key} may contain printable ASCII characters only.");
            }
            return value;
        }

        int Int(string key, int defaultValue, int min, int max)
        {
            if (!values.TryGetValue(key, out var value) || string.IsNullOrWhiteSpace(value))
            {
                return defaultValue;
            }
            if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) && parsed >= min && parsed <= max)
            {
                return parsed;
            }
            problems.Add($"{key} must be a whole number between {min} and {max}, got '{value}'.");
            return defaultValue;
        }

        byte? OptionalByte(string key, int max)
        {
            if (!values.ContainsKey(key) || string.IsNullOrWhiteSpace(values[key]))
            {
                return null;
            }
            return (byte)Int(key, 0, 0, max);
        }

        var bindModeText = values.TryGetValue("BindMode", out var bm) && !string.IsNullOrWhiteSpace(bm) ? bm.Trim() : "Transceiver";
        SmppBindMode bindMode;
        switch (bindModeText.ToUpperInvariant())
        {
            case "TRANSCEIVER" or "TRX":
                bindMode = SmppBindMode.Transceiver;
                break;
            case "TRANSMITTERANDRECEIVER" or "TRANSMITTERRECEIVER" or "TXRX":
                bindMode = SmppBindMode.TransmitterAndReceiver;
                break;
            default:
                problems.Add($"BindMode must be 'Transceiver' or 'TransmitterAndReceiver', got '{bindModeText}'.");
                bindMode = SmppBindMode.Transceiver;
                break;
        }

        var settings = new SmppSettings
        {
            Host = Text("Host", "", 255, required: true),
            Port = Int("Port", 2775, 1, 65535),
            SystemId = Text("SystemId", "", 15, required: true),
            Password = Text("Password", "", 8, required: false),
            SystemType = Text("SystemType", "", 12, required: false),
            BindMode = bindMode,
            WindowSize = Int("WindowSize", 10, 1, 1000),
            EnquireLinkInterval = TimeSpan.FromSeconds(Int("EnquireLinkSeconds", 30, 1, 3600)),
            SourceTon = OptionalByte("SourceTon", 6),
            SourceNpi = OptionalByte("SourceNpi", 18),
            DestTon = (byte)Int("DestTon", 1, 0, 6),
            DestNpi = (byte)Int("DestNpi", 1, 0, 18),
            ResponseTimeout = TimeSpan.FromSeconds(Int("ResponseTimeoutSeconds", 30, 1, 600)),
            ConnectTimeout = TimeSpan.FromSeconds(Int("ConnectTimeoutSeconds", 10, 1, 300)),
            ReconnectMinDelay = TimeSpan.FromMilliseconds(Int("ReconnectMinDelayMs", 500, 10, 600_000)),
            ReconnectMaxDelay = TimeSpan.FromSeconds(Int("ReconnectMaxDelaySeconds", 30, 1, 3600)),
            MaxParts = Int("MaxParts", 10, 1, 255),
            ThrottleRetries = Int("ThrottleRetries", 3, 0, 100),
        };
        return problems.Count == 0 ? (settings, problems) : (null, problems);
    }
}
