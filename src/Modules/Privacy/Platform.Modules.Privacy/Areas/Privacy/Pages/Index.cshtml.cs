using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Privacy.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.Privacy.Areas.Privacy.Pages;

/// <summary>The privacy policy at /privacy, for anyone: versioned text, the generated inventory, the cookie notice.</summary>
[AllowAnonymous]
internal sealed class PrivacyPolicyModel(PersonalDataInventory inventory, IEnumerable<IDataRecipientSource> recipientSources) : PageModel
{
    public PersonalDataInventory Inventory => inventory;

    /// <summary>Who outside the platform receives personal data, from the running configuration (carriers, Stripe, the mail server).</summary>
    public IReadOnlyList<DataRecipient> Recipients { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var recipients = new List<DataRecipient>();
        foreach (var source in recipientSources)
        {
            recipients.AddRange(await source.RecipientsAsync(cancellationToken));
        }

        Recipients = recipients;
    }
}
