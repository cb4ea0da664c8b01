using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Billing.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.Billing.Areas.Admin.Pages.Billing;

/// <summary>/Admin/Billing/Prices: the versioned price list; add a price for a country from a date on.</summary>
[Authorize(Policy = "PlatformAdmin")]
internal sealed class PricesModel(IMediator mediator) : PageModel
{
    [BindProperty]
    public SetPrice Input { get; set; } = new() { ValidFrom = DateTime.UtcNow.AddDays(1).Date };

    public IReadOnlyList<PriceLine> Prices { get; private set; } = [];

    [TempData]
    public string? Message { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Prices = await mediator.Send(new ListPrices(), cancellationToken);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (ModelState.IsValid)
        {
            var (ok, _) = await mediator.TrySendAsync(Input, ModelState, cancellationToken: cancellationToken);
            if (ok)
            {
                Message = $"{Input.NormalizedCountry}: {Input.CreditsPerSegment} credits per segment from {Input.ValidFrom:yyyy-MM-dd HH:mm} UTC.";
                return RedirectToPage();
            }
        }

        Prices = await mediator.Send(new ListPrices(), cancellationToken);
        return Page();
    }
}
