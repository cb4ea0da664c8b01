using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.OptIns.Contracts;
using Platform.Modules.Privacy.Features;

namespace Platform.Modules.Privacy.Areas.Admin.Pages.Privacy;

/// <summary>Admins: k-anonymous end-user statistics (from OptIns, aggregates only) and non-personal visitor totals.</summary>
internal sealed class PrivacyStatisticsModel(IMediator mediator) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Gender { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? AgeBand { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Country { get; set; }

    public SubscriberStatistics Statistics { get; private set; } = null!;

    public VisitorReport Visitors { get; private set; } = null!;

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Statistics = await mediator.Send(new GetSubscriberStatistics(new StatisticsFilter(Gender, AgeBand, Country)), cancellationToken);
        Visitors = await mediator.Send(new GetVisitorReport(), cancellationToken);
    }
}
