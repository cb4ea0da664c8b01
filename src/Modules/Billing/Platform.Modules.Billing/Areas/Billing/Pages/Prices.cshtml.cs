using MediatR;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Accounts.Contracts;
using Platform.Modules.Billing.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.Billing.Areas.Billing.Pages;

/// <summary>Billing → Prices: the same list as /Pricing, with the tax of the company's country (what its checkout charges).</summary>
internal sealed class PricesModel(IMediator mediator, ITenantContext tenant) : PageModel
{
    public PriceTable Table { get; private set; } = null!;

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var country = (await mediator.Send(new GetCompany(tenant.RequireCompanyId()), cancellationToken))?.Country;
        Table = await mediator.Send(new GetPriceTable(country), cancellationToken);
    }
}
