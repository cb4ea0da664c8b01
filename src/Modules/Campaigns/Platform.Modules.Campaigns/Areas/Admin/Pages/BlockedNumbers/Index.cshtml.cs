using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Campaigns.Features.Suppressions;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Areas.Admin.Pages.BlockedNumbers;

/// <summary>
/// The platform block list: numbers no company may message. Lives in the host's Admin area (whose folder policy is
/// PlatformAdmin) and says so itself too, as the Sender ID review queue does; the handlers check the role once more.
/// </summary>
[Authorize(Policy = "PlatformAdmin")]
internal sealed class BlockedNumbersModel(IMediator mediator) : PageModel
{
    [BindProperty(SupportsGet = true, Name = "q")]
    public string? Search { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? After { get; set; }

    [BindProperty]
    public BlockNumber Input { get; set; } = new();

    [BindProperty]
    public UnblockNumber Unblock { get; set; } = new();

    [TempData]
    public string? Notice { get; set; }

    public ListPage<BlockedNumberRow> List { get; private set; } = null!;

    public IReadOnlyList<AuditRow> Audit { get; private set; } = [];

    public bool SearchInvalid => !string.IsNullOrWhiteSpace(Search) && SuppressionRules.SearchPrefix(Search) is null;

    public string? UnblockRefused { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostBlockAsync(CancellationToken cancellationToken)
    {
        ModelState.Clear();
        var (ok, added) = await mediator.TrySendAsync(Input, ModelState, nameof(Input), cancellationToken);
        if (!ok)
        {
            await LoadAsync(cancellationToken);
            return Page();
        }

        var phone = PhoneNumbers.Parse(Input.Phone, defaultCountry: null).E164;
        Notice = added
            ? $"{phone} is blocked: no company can message it from now on."
            : $"{phone} is on the block list already. Nothing changed.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostUnblockAsync(CancellationToken cancellationToken)
    {
        ModelState.Clear();
        var (ok, removed) = await mediator.TrySendAsync(Unblock, ModelState, nameof(Unblock), cancellationToken);
        if (ok && !removed)
        {
            return NotFound();
        }

        if (!ok)
        {
            UnblockRefused = Unblock.Phone;
            await LoadAsync(cancellationToken);
            return Page();
        }

        Notice = $"{Unblock.Phone} is no longer blocked. Companies' own suppression lists still apply.";
        return RedirectToPage();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        List = await mediator.Send(new ListBlockedNumbers(SearchInvalid ? null : Search, After), cancellationToken);
        Audit = await mediator.Send(new ListBlockListAudit(), cancellationToken);
    }
}
