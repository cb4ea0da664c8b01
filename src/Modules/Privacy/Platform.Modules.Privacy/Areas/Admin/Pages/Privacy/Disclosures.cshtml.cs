using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Privacy.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.Privacy.Areas.Admin.Pages.Privacy;

/// <summary>The legal disclosures register: record, approve (another admin), export once approved (audited).</summary>
internal sealed class DisclosuresModel(IMediator mediator, ITenantContext tenant) : PageModel
{
    [BindProperty]
    public RecordDisclosure Input { get; set; } = new();

    public IReadOnlyList<DisclosureLine> Disclosures { get; private set; } = [];

    public Guid? Me => tenant.UserId;

    [TempData]
    public string? Message { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => Disclosures = await mediator.Send(new ListDisclosures(), cancellationToken);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var (ok, _) = await mediator.TrySendAsync(Input, ModelState, cancellationToken: cancellationToken);
        if (!ok)
        {
            await OnGetAsync(cancellationToken);
            return Page();
        }

        Message = "Recorded. Another admin must approve it before any data is exported.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostApproveAsync(Guid id, CancellationToken cancellationToken)
    {
        var (ok, _) = await mediator.TrySendAsync(new ApproveDisclosure(id), ModelState, cancellationToken: cancellationToken);
        Message = ok ? "Approved." : string.Join(" ", ModelState.Values.SelectMany(v => v.Errors).Select(e => e.ErrorMessage));
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostExportAsync(Guid id, CancellationToken cancellationToken)
    {
        var (ok, json) = await mediator.TrySendAsync(new ViewPersonData(string.Empty, string.Empty, id), ModelState, cancellationToken: cancellationToken);
        if (!ok || json is null)
        {
            Message = string.Join(" ", ModelState.Values.SelectMany(v => v.Errors).Select(e => e.ErrorMessage));
            return RedirectToPage();
        }

        return File(json, "application/json", $"disclosure-{id}.json");
    }
}
