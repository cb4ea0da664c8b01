using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Campaigns.Features.Contacts;
using Platform.Modules.Campaigns.Features.Suppressions;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Areas.Campaigns.Pages.Suppressions;

/// <summary>
/// Upload a CSV file of numbers to suppress. Small enough to be taken within the request (see
/// <see cref="ImportSuppressions.MaxRows"/>), so the answer is the outcome itself, with the refused rows by line.
/// </summary>
[RequestSizeLimit(ImportSuppressions.MaxBytes + 1024 * 1024)]
[RequestFormLimits(MultipartBodyLengthLimit = ImportSuppressions.MaxBytes + 1024 * 1024)]
internal sealed class ImportModel(IMediator mediator) : PageModel
{
    [BindProperty]
    public ImportSuppressions Input { get; set; } = new();

    public IReadOnlyList<string> Countries { get; private set; } = [];

    public SuppressionImportResult? Result { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Input = new ImportSuppressions { DefaultCountry = "US" };
        Countries = await mediator.Send(new ListCountries(), cancellationToken);
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        Countries = await mediator.Send(new ListCountries(), cancellationToken);
        if (!ModelState.IsValid)
        {
            return Page();
        }

        var (ok, result) = await mediator.TrySendAsync(Input, ModelState, cancellationToken: cancellationToken);
        Result = ok ? result : null;
        return Page();
    }
}
