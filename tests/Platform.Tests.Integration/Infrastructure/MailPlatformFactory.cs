using System.Text.RegularExpressions;
using MimeKit;

namespace Platform.Tests.Integration.Infrastructure;

/// <summary>
/// The in-memory host with a real SMTP server in the test process (<see cref="Smtp"/>) as its mail server, and a
/// configured public address, so links in emails can be told from the Host header a request came with.
/// </summary>
public partial class MailPlatformFactory : PlatformFactory
{
    public const string PublicBaseUrl = "https://platform.test";

    public SmtpTestServer Smtp { get; } = SmtpTestServer.Start();

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings.Concat(Smtp.HostSettings))
    {
        ["Platform:PublicBaseUrl"] = PublicBaseUrl,
    };

    /// <summary>The link to <paramref name="path"/> in an email's plain-text part, as path and query (to request it here).</summary>
    public static string LinkIn(MimeMessage message, string path)
    {
        var match = Regex.Match(message.TextBody ?? string.Empty, $@"{Regex.Escape(PublicBaseUrl)}({Regex.Escape(path)}\S*)");
        return match.Success ? match.Groups[1].Value : throw new InvalidOperationException($"No {PublicBaseUrl}{path} link in: {message.TextBody}");
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Smtp.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
