using MediatR;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Accounts.Contracts;
using Platform.Modules.Shared;

namespace Platform.Host.Pages;

/// <summary>A company user's home: what their company has, through each module's contracts.</summary>
internal sealed class DashboardModel(IMediator mediator, ITenantContext tenant) : PageModel
{
    public CompanyDto? Company { get; private set; }

    public bool IsOwner => tenant.IsOwner;

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Company = await mediator.Send(new GetCompany(tenant.RequireCompanyId()), cancellationToken);
}
