using MediatR;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Platform.Modules.SenderIds.Features;

namespace Platform.Modules.SenderIds.Areas.SenderIds.Pages;

internal sealed class SenderIdsIndexModel(IMediator mediator, IOptions<SenderIdsOptions> options) : PageModel
{
    public CompanyOverview Overview { get; private set; } = new([], []);

    public string DefaultSender => options.Value.DefaultSender;

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Overview = await mediator.Send(new GetCompanyOverview(), cancellationToken);
}
