using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Billing.Features;

namespace Platform.Modules.Billing.Areas.Billing.Pages;

/// <summary>The public price list: packs, credits per segment by country, their money per pack, with the default tax.</summary>
[AllowAnonymous]
internal sealed class PricingModel(IMediator mediator) : PageModel
{
    public PriceTable Table { get; private set; } = null!;

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Table = await mediator.Send(new GetPriceTable(null), cancellationToken);
}
