using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Billing.Features;

namespace Platform.Modules.Billing.Areas.Admin.Pages.Billing;

/// <summary>/Admin/Billing: find a company by name (or see the most recently active accounts), with plan and balance; each opens its billing.</summary>
[Authorize(Policy = "PlatformAdmin")]
internal sealed class IndexModel(IMediator mediator) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Name { get; set; }

    public IReadOnlyList<AccountLine> Accounts { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Accounts = await mediator.Send(new ListCreditAccounts(Name), cancellationToken);
}
