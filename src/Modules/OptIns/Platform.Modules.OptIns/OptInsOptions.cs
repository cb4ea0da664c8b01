namespace Platform.Modules.OptIns;

/// <summary>Settings under <c>Platform:OptIns</c>.</summary>
internal sealed class OptInsOptions
{
    public const string Section = "Platform:OptIns";

    /// <summary>At most one reply to unrecognised texts (and to "nothing to change") per number in this interval.</summary>
    public TimeSpan UnknownReplyInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>At most one HELP answer per number in this interval.</summary>
    public TimeSpan HelpReplyInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The same keyword texted again within this interval is recorded but not answered again.</summary>
    public TimeSpan KeywordReplyInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Where people reach the site, for the registration link in the first text (falls back to <c>Platform:PublicBaseUrl</c>).</summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>Failed sign-ins before a subscriber account is locked.</summary>
    public int MaxFailedLogins { get; set; } = 5;

    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// The key of the hash kept of an erased subscriber's number (so their STOP keeps holding). Set a secret of your own
    /// in production; changing it makes the kept hashes stop matching.
    /// </summary>
    public string SuppressionKey { get; set; } = "platform-optins-suppression-v1";

    /// <summary>
    /// The PEM file (PKCS#8, ECDSA P-256) of the key that signs consent checkpoints (ADR 32). Keep it out of the database
    /// and give every host the same file; when unset, a key is made on first use in <c>.data/consent-signing-key.pem</c>
    /// under the content root (fine for one host and the demo).
    /// </summary>
    public string? ConsentSigningKeyFile { get; set; }

    /// <summary>Where each signed consent checkpoint is also written as a file (default <c>.data/consent-checkpoints</c>).</summary>
    public string? ConsentCheckpointDirectory { get; set; }
}
