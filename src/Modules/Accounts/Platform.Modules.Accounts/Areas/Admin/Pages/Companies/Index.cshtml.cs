using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Accounts.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.Accounts.Areas.Admin.Pages.Companies;

/// <summary>
/// An admin finds companies by name and suspends one with a reason, or lifts a suspension (issue #17); each change is
/// audited with the admin and shown in the company's history. The host authorises the Admin area for platform admins only.
/// </summary>
internal sealed class IndexModel(IMediator mediator) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Name { get; set; }

    /// <summary>The company whose standing and history are shown (from the list's "Manage").</summary>
    [BindProperty(SupportsGet = true)]
    public Guid? Company { get; set; }

    [BindProperty]
    public SuspendCompany Suspend { get; set; } = new();

    public IReadOnlyList<CompanyListItem> Companies { get; private set; } = [];

    public CompanyListItem? Selected { get; private set; }

    public IReadOnlyList<StandingHistoryItem> History { get; private set; } = [];

    [TempData]
    public string? Message { get; set; }

    public Task OnGetAsync(CancellationToken cancellationToken) => LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostSuspendAsync(CancellationToken cancellationToken)
    {
        Company = Suspend.CompanyId;
        if (ModelState.IsValid && (await mediator.TrySendAsync(Suspend, ModelState, prefix: nameof(Suspend), cancellationToken: cancellationToken)).Ok)
        {
            Message = "Suspended: its users are signed out, its campaigns and API sends are paused, and its owners were emailed.";
            return RedirectToPage(new { company = Suspend.CompanyId });
        }

        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostLiftAsync(Guid companyId, CancellationToken cancellationToken)
    {
        Company = companyId;
        if ((await mediator.TrySendAsync(new ReinstateCompany(companyId), ModelState, prefix: string.Empty, cancellationToken: cancellationToken)).Ok)
        {
            Message = "Suspension lifted: its users may sign in and its API sends go on; its campaigns stay paused until an owner resumes them. Its owners were emailed.";
            return RedirectToPage(new { company = companyId });
        }

        await LoadAsync(cancellationToken);
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var name = Name is { Length: > 200 } ? Name[..200] : Name;
        Companies = await mediator.Send(new FindCompanies(name), cancellationToken);
        if (Company is { } id)
        {
            Selected = await mediator.Send(new GetCompanyListItem(id), cancellationToken);
            History = Selected is null ? [] : await mediator.Send(new GetStandingHistory(id), cancellationToken);
        }
    }
}
