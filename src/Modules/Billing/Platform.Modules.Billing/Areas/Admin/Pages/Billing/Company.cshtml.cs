using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Billing.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.Billing.Areas.Admin.Pages.Billing;

/// <summary>
/// One company's billing for an admin, reached by name from /Admin/Billing: balance, plan and limits, paid purchases with
/// their invoice numbers, the ledger; adjust credits with a reason (kept in the ledger with the admin) or change the plan.
/// </summary>
[Authorize(Policy = "PlatformAdmin")]
internal sealed class CompanyModel(IMediator mediator) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public Guid? Id { get; set; }

    [BindProperty(SupportsGet = true, Name = "p")]
    public int PageNumber { get; set; } = 1;

    [BindProperty]
    public AdjustCredits Adjust { get; set; } = new();

    [BindProperty]
    public ChangePlan Plan { get; set; } = new();

    [BindProperty]
    public RefundPurchase Refund { get; set; } = new();

    /// <summary>Why the posted refund was refused, shown above the purchases (one refund form per purchase).</summary>
    public IReadOnlyList<string> RefundErrors { get; private set; } = [];

    public CompanyBilling? View { get; private set; }

    public string? Message { get; private set; }

    public Task OnGetAsync(CancellationToken cancellationToken) => LoadAsync(cancellationToken);

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

        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostRefundAsync(CancellationToken cancellationToken)
    {
        // The other forms were not posted: their empty fields are not this form's errors.
        foreach (var key in ModelState.Keys.Where(k => k.StartsWith($"{nameof(Adjust)}.", StringComparison.Ordinal) || k.StartsWith($"{nameof(Plan)}.", StringComparison.Ordinal)).ToList())
        {
            ModelState.Remove(key);
        }

        if (IsValid(nameof(Refund)))
        {
            var (ok, record) = await mediator.TrySendAsync(Refund, ModelState, nameof(Refund), cancellationToken);
            if (ok && record is { Refund: var refund })
            {
                // Whether this page or Stripe's charge.refunded webhook (often first) recorded it, it is this refund.
                Message = $"Refunded {MoneyText.Of(refund.AmountMinor, refund.Currency)}: credit note {refund.CreditNoteNumber}; {refund.CreditsReversed} credits taken back."
                          + (refund.CreditsReversed < refund.CreditsDue
                              ? $" Not {refund.CreditsDue}: the other {refund.CreditsDue - refund.CreditsReversed} of this purchase's credits were already spent or reserved (spending uses the oldest credits first, and reserved credits are never taken back)."
                              : string.Empty);
                ModelState.Clear();
                Refund = new RefundPurchase();
            }
        }

        RefundErrors = ModelState.Where(e => e.Key.Length == 0 || e.Key.StartsWith($"{nameof(Refund)}.", StringComparison.Ordinal))
            .SelectMany(e => e.Value!.Errors.Select(error => error.ErrorMessage)).ToList();
        ModelState.Remove(string.Empty);
        await LoadAsync(cancellationToken);
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

        await LoadAsync(cancellationToken);
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Id ??= Adjust.CompanyId ?? Plan.CompanyId ?? Refund.CompanyId;
        View = Id is { } id ? await mediator.Send(new GetCompanyBilling(id, PageNumber), cancellationToken) : null;
        if (View is { } view && !ModelState.ContainsKey($"{nameof(Plan)}.{nameof(ChangePlan.Plan)}"))
        {
            Plan = new ChangePlan { CompanyId = view.Company.Id, Plan = view.Account.Plan, MaxRecipientsPerCampaign = view.Account.MaxRecipientsPerCampaign };
        }
    }

    /// <summary>Two forms on one page: only the posted form's fields count.</summary>
    private bool IsValid(string prefix) =>
        !ModelState.Any(e => e.Key.StartsWith(prefix + ".", StringComparison.Ordinal) && e.Value?.ValidationState == ModelValidationState.Invalid);
}
