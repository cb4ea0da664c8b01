using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc.Rendering;
using Platform.Modules.OptIns.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.OptIns.Areas.OptIns.Pages.Keywords;

internal sealed class CreateKeywordModel(IMediator mediator, PlatformNumberList numbers) : PageModel
{
    [BindProperty]
    public CreateKeyword Input { get; set; } = new();

    public IEnumerable<SelectListItem> Numbers => numbers.All.Select(n => new SelectListItem(n, n));

    public void OnGet() => Input.PlatformNumber = numbers.All[0];

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            foreach (var error in new CreateKeywordValidator(numbers).Validate(Input))
            {
                ModelState.AddModelError($"Input.{error.Field}", error.Message);
            }

            return Page();
        }

        var (ok, id) = await mediator.TrySendAsync(Input, ModelState, cancellationToken: cancellationToken);
        return ok ? RedirectToPage("/Keywords/Details", new { id }) : Page();
    }
}
