using MediatR;
using Microsoft.AspNetCore.Mvc;
using Platform.Modules.OptIns.Features;

namespace Platform.Modules.OptIns.Areas.OptIns.Pages.Me;

internal sealed class SubscriberHomeModel(IMediator mediator) : SubscriberPageModel
{
    public SubscriberOverview? Overview { get; private set; }

    [TempData]
    public string? Message { get; set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        Overview = await mediator.Send(new GetSubscriberOverview(SubscriberId), cancellationToken);
        return Overview is null ? Challenge(OptInsModule.SubscriberScheme) : Page();
    }

    /// <summary>A post without a handler (a forged or stale form) changes nothing.</summary>
    public IActionResult OnPost() => RedirectToPage();

    public Task<IActionResult> OnPostOptOutAsync(Guid companyId, CancellationToken cancellationToken) => ChangeAsync(companyId, optIn: false, cancellationToken);

    public Task<IActionResult> OnPostOptInAsync(Guid companyId, CancellationToken cancellationToken) => ChangeAsync(companyId, optIn: true, cancellationToken);

    private async Task<IActionResult> ChangeAsync(Guid companyId, bool optIn, CancellationToken cancellationToken)
    {
        // The subscriber comes from the cookie; a company id they have no subscription with changes nothing.
        var changed = await mediator.Send(new ChangeConsentOnWeb(SubscriberId, companyId, optIn), cancellationToken);
        Message = changed ? (optIn ? "You are opted in again." : "You are opted out. You will get no more messages from that company.") : "Nothing changed.";
        return RedirectToPage();
    }
}
