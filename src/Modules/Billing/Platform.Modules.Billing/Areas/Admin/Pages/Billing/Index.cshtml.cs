using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Billing.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.Billing.Areas.Admin.Pages.Billing;

/// <summary>/Admin/Billing: every company's plan and balance; change a plan and its limits; adjust credits with a reason.</summary>
[Authorize(Policy = "PlatformAdmin")]
internal sealed class IndexModel(IMediator mediator) : PageModel
{
    [BindProperty]
    public AdjustCredits Adjust { get; set; } = new();

    [BindProperty]
    public ChangePlan Plan { get; set; } = new();

    public IReadOnlyList<AccountLine> Accounts { get; private set; } = [];

    public string? Message { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Accounts = await mediator.Send(new ListCreditAccounts(), cancellationToken);

    public async Task<IActionResult> OnPostAdjustAsync(CancellationToken cancellationToken)
    {
        if (IsValid(nameof(Adjust)))
        {
            var (ok, available) = await mediator.TrySendAsync(Adjust, ModelState, nameof(Adjust), cancellationToken);
            if (ok)
            {
                Message = $"Adjusted by {Adjust.Credits}; the company now has {available} credits available.";
                ModelState.Clear();
                Adjust = new AdjustCredits();
            }
        }

        Accounts = await mediator.Send(new ListCreditAccounts(), cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostPlanAsync(CancellationToken cancellationToken)
    {
        if (IsValid(nameof(Plan)))
        {
            var (ok, _) = await mediator.TrySendAsync(Plan, ModelState, nameof(Plan), cancellationToken);
            if (ok)
            {
                Message = $"Plan set to {Plan.Plan}.";
                ModelState.Clear();
                Plan = new ChangePlan();
            }
        }

        Accounts = await mediator.Send(new ListCreditAccounts(), cancellationToken);
        return Page();
    }

    /// <summary>Two forms on one page: only the posted form's fields count.</summary>
    private bool IsValid(string prefix) =>
        !ModelState.Any(e => e.Key.StartsWith(prefix + ".", StringComparison.Ordinal) && e.Value?.ValidationState == ModelValidationState.Invalid);
}
