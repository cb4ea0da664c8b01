using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc.Rendering;
using Microsoft.Extensions.Options;
using Platform.Modules.SenderIds.Domain;
using Platform.Modules.SenderIds.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.SenderIds.Areas.SenderIds.Pages;

[RequestSizeLimit(12 * 1024 * 1024)]
[RequestFormLimits(MultipartBodyLengthLimit = 12 * 1024 * 1024)]
internal sealed class ApplyModel(IMediator mediator, IOptions<SenderIdsOptions> options) : PageModel
{
    [BindProperty]
    public SaveApplication Input { get; set; } = new();

    public IEnumerable<SelectListItem> CountryItems => Countries.All.Select(c => new SelectListItem(c, c, Input.Countries.Contains(c)));

    public async Task<IActionResult> OnGetAsync(Guid? id, CancellationToken cancellationToken)
    {
        if (id is null)
        {
            return Page();
        }

        var details = await mediator.Send(new GetApplication(id.Value), cancellationToken);
        if (details is null)
        {
            return NotFound();
        }

        var a = details.Application;
        if (a.Status is not (ApplicationStatus.Draft or ApplicationStatus.Rejected))
        {
            return RedirectToPage("/Details", new { id });
        }

        Input = new SaveApplication
        {
            Id = a.Id, Kind = a.Kind, SenderId = a.SenderId, Countries = [.. a.Countries],
            UseCase = a.UseCase, SampleMessages = a.SampleMessages, RegistrationNumber = a.RegistrationNumber,
        };
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(Guid? id, CancellationToken cancellationToken)
    {
        Input.Id = id;
        if (!ModelState.IsValid)
        {
            foreach (var error in new SaveApplicationValidator(options).Validate(Input))
            {
                ModelState.AddModelError($"Input.{error.Field}", error.Message);
            }

            return Page();
        }

        var (ok, saved) = await mediator.TrySendAsync(Input, ModelState, cancellationToken: cancellationToken);
        if (!ok)
        {
            return Page();
        }

        return saved is null ? NotFound() : RedirectToPage("/Details", new { id = saved });
    }
}
