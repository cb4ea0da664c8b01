using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Host.Mail;

namespace Platform.Host.Areas.Admin.Pages;

/// <summary>Admin → Emails: is mail flowing? The last day by kind and state, the latest problems, the oldest email waiting.</summary>
internal sealed class EmailsModel(EmailActivity activity, Microsoft.Extensions.Options.IOptions<MailOptions> options) : PageModel
{
    public EmailActivityView View { get; private set; } = new([], [], null);

    public MailOptions Mail => options.Value;

    public async Task OnGetAsync(CancellationToken cancellationToken) => View = await activity.ReadAsync(cancellationToken);
}
