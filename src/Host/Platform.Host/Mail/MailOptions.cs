using MailKit.Security;

namespace Platform.Host.Mail;

/// <summary>
/// <c>Platform:Mail</c>: the SMTP server every email goes through and who it comes from. Development points at the
/// local smtp4dev that <c>./run</c> starts (localhost:2525); production sets a real relay with its credentials from the
/// environment, never from the repository. With no <see cref="Host"/> emails stay queued (the job says so).
/// </summary>
internal sealed class MailOptions
{
    public const string Section = "Platform:Mail";

    public string Host { get; set; } = string.Empty;

    public int Port { get; set; } = 587;

    /// <summary>MailKit's names: <c>StartTls</c> (port 587), <c>SslOnConnect</c> (465), <c>StartTlsWhenAvailable</c>, <c>None</c> (a local catcher).</summary>
    public SecureSocketOptions Security { get; set; } = SecureSocketOptions.StartTls;

    public string? Username { get; set; }

    public string? Password { get; set; }

    public string FromAddress { get; set; } = "no-reply@platform.local";

    public string FromName { get; set; } = "Platform";

    /// <summary>Where replies go (the support desk), or empty for none.</summary>
    public string? ReplyTo { get; set; }

    /// <summary>Attempts before an email that the server keeps deferring (4xx, unreachable) is given up as failed.</summary>
    public int MaxAttempts { get; set; } = 8;

    public bool Configured => Host.Length > 0;

    /// <summary>The domain of our Message-IDs: the From address's, so they are ours and unique.</summary>
    public string MessageIdDomain => FromAddress[(FromAddress.LastIndexOf('@') + 1)..] is { Length: > 0 } domain ? domain : "platform.local";
}
