using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Campaigns.Features;
using Platform.Modules.Campaigns.Features.Suppressions;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Areas.Campaigns.Pages.Suppressions;

/// <summary>
/// The company's suppression list: every number its campaigns, the send API and inbox replies skip, with why and since
/// when, a page at a time; add a number by hand, lift one the company put there, and the history of those changes.
/// </summary>
internal sealed class IndexModel(IMediator mediator, CompanyCountry companyCountry) : PageModel
{
    [BindProperty(SupportsGet = true, Name = "q")]
    public string? Search { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? After { get; set; }

    [BindProperty]
    public AddSuppression Input { get; set; } = new();

    [BindProperty]
    public LiftSuppression Lift { get; set; } = new();

    [TempData]
    public string? Notice { get; set; }

    public ListPage<SuppressionRow> List { get; private set; } = null!;

    public IReadOnlyList<AuditRow> Audit { get; private set; } = [];

    /// <summary>The search box holds something that cannot be the start of a number.</summary>
    public bool SearchInvalid => !string.IsNullOrWhiteSpace(Search) && SuppressionRules.SearchPrefix(Search) is null;

    /// <summary>The number whose lift was refused, so the page says which one.</summary>
    public string? LiftRefused { get; private set; }

    /// <summary>The company's country: numbers are typed and shown as they are dialled there.</summary>
    public string Country { get; private set; } = PhoneCountries.Fallback;

    /// <summary>A stored number as the company reads it (national format for its own country's numbers).</summary>
    public string Show(string number) => PhoneNumbers.Display(number, Country);

    public string PhoneHint => CompanyCountry.NumberHint(Country);

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostAddAsync(CancellationToken cancellationToken)
    {
        // Only the add form's fields count here (the lift form is another form on the page).
        ModelState.Clear();
        Input.DefaultCountry = await companyCountry.GetAsync(cancellationToken);
        var (ok, outcome) = await mediator.TrySendAsync(Input, ModelState, nameof(Input), cancellationToken);
        if (!ok)
        {
            await LoadAsync(cancellationToken);
            return Page();
        }

        Notice = outcome!.Added
            ? $"{outcome.Phone} is suppressed: your campaigns, the send API and inbox replies skip it from now on."
            : $"{outcome.Phone} is already on your suppression list{(outcome.ExistingWhy is { } why ? $" ({why})" : string.Empty)}. Nothing changed.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostLiftAsync(CancellationToken cancellationToken)
    {
        ModelState.Clear();
        Lift.DefaultCountry = await companyCountry.GetAsync(cancellationToken);
        var (ok, found) = await mediator.TrySendAsync(Lift, ModelState, nameof(Lift), cancellationToken);
        if (ok && !found)
        {
            return NotFound();
        }

        if (!ok)
        {
            LiftRefused = Lift.Phone;
            await LoadAsync(cancellationToken);
            return Page();
        }

        Notice = $"The suppression of {Lift.Phone} is lifted: your campaigns may message it again.";
        return RedirectToPage();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Country = await companyCountry.GetAsync(cancellationToken);
        List = await mediator.Send(new ListSuppressions(SearchInvalid ? null : Search, After), cancellationToken);
        Audit = await mediator.Send(new ListSuppressionAudit(), cancellationToken);
    }
}
