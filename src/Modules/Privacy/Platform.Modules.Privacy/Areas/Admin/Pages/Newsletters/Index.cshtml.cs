using MediatR;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Privacy.Features;

namespace Platform.Modules.Privacy.Areas.Admin.Pages.Newsletters;

/// <summary>Admins: the newsletters, newest first, with what each reached.</summary>
internal sealed class NewslettersModel(IMediator mediator) : PageModel
{
    public IReadOnlyList<NewsletterSummary> Newsletters { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Newsletters = await mediator.Send(new ListNewsletters(), cancellationToken);
}
