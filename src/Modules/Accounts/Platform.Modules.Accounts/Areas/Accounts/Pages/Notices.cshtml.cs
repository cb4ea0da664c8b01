using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Accounts.Features;

namespace Platform.Modules.Accounts.Areas.Accounts.Pages;

/// <summary>A company user chooses which optional notices (<c>CompanyNotices</c>) they get by email; all are on until turned off.</summary>
[Authorize(Policy = AccountsModule.CompanyUserPolicy)]
internal sealed class NoticesModel(IMediator mediator) : PageModel
{
    [BindProperty]
    public List<string> Wanted { get; set; } = [];

    [TempData]
    public string? Message { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Wanted = [.. await mediator.Send(new GetNoticeChoices(), cancellationToken)];

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        await mediator.Send(new SaveNoticeChoices(Wanted), cancellationToken);
        Message = "Saved: you get the notices that are ticked.";
        return RedirectToPage();
    }
}
