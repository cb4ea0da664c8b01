using MailKit;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Platform.Host.Mail;

/// <summary>What became of one email handed to the mail server.</summary>
internal enum MailDelivery
{
    /// <summary>The server answered 250 to the message.</summary>
    Sent,

    /// <summary>Not taken, for now (4xx, or the connection failed before the message went out): try again later.</summary>
    RetryLater,

    /// <summary>Refused for good (5xx: no such mailbox, policy).</summary>
    Refused,

    /// <summary>The message went out but the answer was lost: it may have been delivered, so it is never resent.</summary>
    Unknown,
}

internal sealed record MailDeliveryResult(MailDelivery Outcome, string? Detail = null);

/// <summary>The one way the host hands email to a mail server: a session sends several messages over one connection.</summary>
internal interface IMailTransport
{
    /// <summary>Connects (and authenticates). Throws when the server cannot be reached: nothing was sent.</summary>
    Task<IMailSession> OpenAsync(CancellationToken cancellationToken);
}

internal interface IMailSession : IAsyncDisposable
{
    /// <summary>False once the connection broke; open a new session for the next message.</summary>
    bool Usable { get; }

    Task<MailDeliveryResult> SendAsync(MimeMessage message, CancellationToken cancellationToken);
}

/// <summary>SMTP through MailKit: STARTTLS or TLS as configured, with authentication when credentials are set.</summary>
internal sealed class SmtpMailTransport(IOptions<MailOptions> options) : IMailTransport
{
    public async Task<IMailSession> OpenAsync(CancellationToken cancellationToken)
    {
        var mail = options.Value;
        var client = new ProgressTrackingSmtpClient { Timeout = (int)TimeSpan.FromSeconds(30).TotalMilliseconds };
        try
        {
            await client.ConnectAsync(mail.Host, mail.Port, mail.Security, cancellationToken);
            if (!string.IsNullOrEmpty(mail.Username))
            {
                await client.AuthenticateAsync(mail.Username, mail.Password ?? string.Empty, cancellationToken);
            }

            return new SmtpMailSession(client);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private sealed class SmtpMailSession(ProgressTrackingSmtpClient client) : IMailSession
    {
        public bool Usable => client.IsConnected;

        public async Task<MailDeliveryResult> SendAsync(MimeMessage message, CancellationToken cancellationToken)
        {
            client.RecipientsAccepted = false;
            try
            {
                await client.SendAsync(message, cancellationToken);
                return new MailDeliveryResult(MailDelivery.Sent);
            }
            catch (SmtpCommandException refused) when (refused.ErrorCode is SmtpErrorCode.SenderNotAccepted or SmtpErrorCode.RecipientNotAccepted or SmtpErrorCode.MessageNotAccepted)
            {
                // The server said no, in so many words: nothing was delivered. 5xx is for good, 4xx is "later".
                var code = (int)refused.StatusCode;
                return new MailDeliveryResult(code >= 500 ? MailDelivery.Refused : MailDelivery.RetryLater, Describe(refused, code));
            }
            catch (Exception lost) when (lost is not OutOfMemoryException)
            {
                // Until every recipient was accepted the message itself never left: safe to try again. After that the
                // data may have reached the server, whose answer we lost: at most once means we never send it again.
                return new MailDeliveryResult(client.RecipientsAccepted ? MailDelivery.Unknown : MailDelivery.RetryLater, Describe(lost, null));
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                if (client.IsConnected)
                {
                    await client.DisconnectAsync(quit: true, CancellationToken.None);
                }
            }
            catch (Exception exception) when (exception is IOException or ServiceNotConnectedException or SmtpProtocolException or OperationCanceledException)
            {
                // The messages' outcomes are recorded already; a failed QUIT changes none of them.
            }
            finally
            {
                client.Dispose();
            }
        }

        private static string Describe(Exception exception, int? code) =>
            (code is null ? $"{exception.GetType().Name}: {exception.Message}" : $"{code}: {exception.Message}") is var text && text.Length > 500 ? text[..500] : text;
    }

    /// <summary>Knows whether the server accepted the recipients, i.e. whether the message data was about to go out.</summary>
    private sealed class ProgressTrackingSmtpClient : SmtpClient
    {
        public bool RecipientsAccepted { get; set; }

        protected override void OnRecipientAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response)
        {
            RecipientsAccepted = true;
            base.OnRecipientAccepted(message, mailbox, response);
        }
    }
}
