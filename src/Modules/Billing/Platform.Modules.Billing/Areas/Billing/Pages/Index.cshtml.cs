using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Platform.Modules.Billing.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.Billing.Areas.Billing.Pages;

/// <summary>The company's billing: plan, balance, reserved credits, history, packs to buy and invoices.</summary>
internal sealed class IndexModel(IMediator mediator, IOptions<BillingOptions> options) : PageModel
{
    [BindProperty]
    public StartCheckout Input { get; set; } = new();

    [BindProperty]
    public SetLowBalanceWarning Warning { get; set; } = new();

    [TempData]
    public string? Message { get; set; }

    [BindProperty(SupportsGet = true, Name = "p")]
    public int PageNumber { get; set; } = 1;

    [BindProperty(SupportsGet = true, Name = "checkout")]
    public string? Checkout { get; set; }

    public BillingOverview View { get; private set; } = null!;

    public IReadOnlyList<CreditPack> Packs => options.Value.Stripe.EffectivePacks;

    public string Currency => options.Value.Stripe.Currency.ToUpperInvariant();

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        View = await mediator.Send(new GetBillingOverview(PageNumber), cancellationToken);
        Warning.Credits = View.LowBalanceThreshold;
    }

    public async Task<IActionResult> OnPostWarningAsync(CancellationToken cancellationToken)
    {
        // The page binds both forms; only this one was posted, so the pack's "choose a pack" (bound without its prefix
        // when the form has none of its fields) does not apply.
        foreach (var key in ModelState.Keys.Where(k => !k.StartsWith("Warning.", StringComparison.Ordinal)).ToList())
        {
            ModelState.Remove(key);
        }

        if (ModelState.IsValid)
        {
            var (ok, _) = await mediator.TrySendAsync(Warning, ModelState, "Warning", cancellationToken);
            if (ok)
            {
                Message = Warning.Credits is { } credits
                    ? $"Saved: your team is emailed when available credits fall below {credits:N0}."
                    : "Saved: no low-balance warning.";
                return RedirectToPage();
            }
        }

        View = await mediator.Send(new GetBillingOverview(1), cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostBuyAsync(CancellationToken cancellationToken)
    {
        if (ModelState.IsValid)
        {
            var (ok, url) = await mediator.TrySendAsync(Input, ModelState, cancellationToken: cancellationToken);
            if (ok)
            {
                return Redirect(url!);
            }
        }

        View = await mediator.Send(new GetBillingOverview(1), cancellationToken);
        return Page();
    }
}
