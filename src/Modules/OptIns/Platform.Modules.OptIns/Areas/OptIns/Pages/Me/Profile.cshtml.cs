using MediatR;
using Microsoft.AspNetCore.Mvc;
using Platform.Modules.OptIns.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.OptIns.Areas.OptIns.Pages.Me;

internal sealed class SubscriberProfileModel(IMediator mediator) : SubscriberPageModel
{
    [BindProperty]
    public UpdateSubscriberProfile Input { get; set; } = new();

    public bool Saved { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        var profile = await mediator.Send(new GetSubscriberProfile(SubscriberId), cancellationToken);
        if (profile is null)
        {
            return Challenge(OptInsModule.SubscriberScheme);
        }

        Input = profile;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        Input.SubscriberId = SubscriberId; // from the cookie, whatever the form says
        if (!ModelState.IsValid)
        {
            return Page();
        }

        var (ok, _) = await mediator.TrySendAsync(Input, ModelState, cancellationToken: cancellationToken);
        Saved = ok;
        return Page();
    }
}
