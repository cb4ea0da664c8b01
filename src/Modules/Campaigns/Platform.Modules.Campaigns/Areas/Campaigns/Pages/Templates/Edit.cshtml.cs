using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Campaigns.Domain;
using Platform.Modules.Campaigns.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Areas.Campaigns.Pages.Templates;

/// <summary>Writes a new template or edits one (its saves listed below, newest first), or deletes it.</summary>
internal sealed class EditModel(IMediator mediator) : PageModel
{
    [BindProperty]
    public SaveTemplate Input { get; set; } = new();

    public IReadOnlyList<MessageTemplateVersion> History { get; private set; } = [];

    [TempData]
    public string? Message { get; set; }

    public async Task<IActionResult> OnGetAsync(Guid? id, CancellationToken cancellationToken)
    {
        if (id is { } existing)
        {
            if (await mediator.Send(new GetTemplate(existing), cancellationToken) is not { } found)
            {
                return NotFound();
            }

            Input = new SaveTemplate { Id = found.Template.Id, Name = found.Template.Name, Body = found.Template.Body, Tags = found.Template.Tags };
            History = found.History;
        }

        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (ModelState.IsValid)
        {
            var (ok, id) = await mediator.TrySendAsync(Input, ModelState, cancellationToken: cancellationToken);
            if (ok)
            {
                Message = $"Template \"{Input.Name.Trim()}\" saved.";
                return RedirectToPage("/Templates/Edit", new { id });
            }
        }

        if (Input.Id is { } existing && await mediator.Send(new GetTemplate(existing), cancellationToken) is { } found)
        {
            History = found.History;
        }

        return Page();
    }

    public async Task<IActionResult> OnPostDeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        if (!await mediator.Send(new DeleteTemplate(id), cancellationToken))
        {
            return NotFound();
        }

        Message = "Template deleted. Campaigns made from it keep their text.";
        return RedirectToPage("/Templates/Index");
    }
}
