using Platform.Carriers.Abstractions;

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
    /// <summary>
    /// How many delivery receipts (deliver_sm) are handed to the host at once, each acknowledged only once the host has
    /// stored it. Many in flight let the host store them in batches; an SMSC that keeps more unacknowledged holds the rest.
    /// </summary>
    public int ReceiptWindow { get; init; } = 10_000;
    /// <summary>
    /// How many binds this instance keeps on each node: transceivers, or transmitter-and-receiver pairs. Each has its own
    /// window of <see cref="WindowSize"/>, and a batch is spread over the bound ones. The SMSC's bind limit for the account
    /// is per account, so it must allow Sessions × nodes binds.
    /// </summary>
    public int Sessions { get; init; } = 1;

    public const string Transceiver = "Transceiver";
    public const string TransmitterAndReceiver = "TransmitterAndReceiver";

    public static (SmppSettings? Settings, IReadOnlyList<string> Problems) Parse(IReadOnlyDictionary<string, string>? raw)
    {
        var reader = new CarrierSettingsReader(raw);
        if (raw is null)
        {
            reader.AddProblem("Settings are missing.");
        }

        // SMPP C-Octet strings are ASCII with a fixed maximum (section 4.1); the limits exclude the NUL terminator.
        string AsciiText(string key, int maxLength, bool required)
        {
            var value = reader.Text(key, "", required, maxLength);
            if (value.Any(c => c is < ' ' or > '~'))
            {
                reader.AddProblem($"{key} may contain printable ASCII characters only.");
            }
            return value;
        }

        byte? Ton(string key) => (byte?)reader.OptionalInt(key, 0, 6);
        byte? Npi(string key) => (byte?)reader.OptionalInt(key, 0, 18);

        var settings = new SmppSettings
        {
            Host = AsciiText("Host", 255, required: true),
            Port = reader.Int("Port", 2775, 1, 65535),
            SystemId = AsciiText("SystemId", 15, required: true),
            Password = AsciiText("Password", 8, required: false),
            SystemType = AsciiText("SystemType", 12, required: false),
            BindMode = reader.OneOf("BindMode", Transceiver, Transceiver, TransmitterAndReceiver) == Transceiver
                ? SmppBindMode.Transceiver
                : SmppBindMode.TransmitterAndReceiver,
            WindowSize = reader.Int("WindowSize", 10, 1, 1000),
            EnquireLinkInterval = TimeSpan.FromSeconds(reader.Int("EnquireLinkSeconds", 30, 1, 3600)),
            SourceTon = Ton("SourceTon"),
            SourceNpi = Npi("SourceNpi"),
            DestTon = Ton("DestTon") ?? 1,
            DestNpi = Npi("DestNpi") ?? 1,
            ResponseTimeout = TimeSpan.FromSeconds(reader.Int("ResponseTimeoutSeconds", 30, 1, 600)),
            ConnectTimeout = TimeSpan.FromSeconds(reader.Int("ConnectTimeoutSeconds", 10, 1, 300)),
            ReconnectMinDelay = TimeSpan.FromMilliseconds(reader.Int("ReconnectMinDelayMs", 500, 10, 600_000)),
            ReconnectMaxDelay = TimeSpan.FromSeconds(reader.Int("ReconnectMaxDelaySeconds", 30, 1, 3600)),
            MaxParts = reader.Int("MaxParts", 10, 1, 255),
            ThrottleRetries = reader.Int("ThrottleRetries", 3, 0, 100),
            ReceiptWindow = reader.Int("ReceiptWindow", 10_000, 1, 100_000),
            Sessions = reader.Int("Sessions", 1, 1, 32),
        };
        return reader.Problems.Count == 0 ? (settings, reader.Problems) : (null, reader.Problems);
    }
}
