using Microsoft.Extensions.Options;
using Platform.Modules.Shared;

namespace Platform.Host.Mail;

/// <summary>The mail server the platform hands its emails to, when one is configured.</summary>
internal sealed class MailDataRecipients(IOptions<MailOptions> options) : IDataRecipientSource
{
    public Task<IReadOnlyList<DataRecipient>> RecipientsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<DataRecipient>>(string.IsNullOrWhiteSpace(options.Value.Host)
            ? []
            : [new DataRecipient($"Our mail server ({options.Value.Host})", "Email addresses, names and the text of the emails we send you",
                "To deliver our emails to your mail provider", "Everyone we email")]);
}
