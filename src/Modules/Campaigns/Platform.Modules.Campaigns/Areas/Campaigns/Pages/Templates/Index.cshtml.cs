using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Campaigns.Domain;
using Platform.Modules.Campaigns.Features;

namespace Platform.Modules.Campaigns.Areas.Campaigns.Pages.Templates;

/// <summary>The company's template library: find by name or tag, start a campaign from one, open one to edit.</summary>
internal sealed class IndexModel(IMediator mediator) : PageModel
{
    [BindProperty(SupportsGet = true, Name = "q")]
    public string? Search { get; set; }

    public IReadOnlyList<MessageTemplateEntry> Templates { get; private set; } = [];

    [TempData]
    public string? Message { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => Templates = await mediator.Send(new ListTemplates(Search), cancellationToken);
}
