using System.Text;
using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Privacy.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.Privacy.Areas.Admin.Pages.Privacy;

/// <summary>Staff view of one person's data: only with a reason, and every view is recorded (who, whose, when, why).</summary>
internal sealed class PersonModel(IMediator mediator) : PageModel
{
    [BindProperty]
    public string EmailOrPhone { get; set; } = string.Empty;

    [BindProperty]
    public string Reason { get; set; } = string.Empty;

    public string? Data { get; private set; }

    public IReadOnlyList<StaffAccessLine> Log { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) => Log = await mediator.Send(new ListStaffAccesses(), cancellationToken);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var (ok, json) = await mediator.TrySendAsync(new ViewPersonData(EmailOrPhone, Reason), ModelState, prefix: string.Empty, cancellationToken: cancellationToken);
        Data = ok && json is not null ? Encoding.UTF8.GetString(json) : null;
        await OnGetAsync(cancellationToken);
        return Page();
    }
}
