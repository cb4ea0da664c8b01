using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Platform.Host.Carriers;

namespace Platform.Host.Areas.Admin.Pages;

/// <summary>Each carrier instance's live state on this node, the routes, the installed kinds and the plugins.</summary>
internal sealed class CarriersModel(CarrierHost carriers, IOptions<CarrierOptions> options, LoadedPlugins plugins) : PageModel
{
    public IReadOnlyList<RunningCarrier> Instances => carriers.Instances;

    public IReadOnlyList<CarrierRouteOptions> Routes => options.Value.Routes;

    public IReadOnlyCollection<string> Kinds => carriers.Kinds;

    public LoadedPlugins Plugins => plugins;

    public void OnGet()
    {
    }
}
