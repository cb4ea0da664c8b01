using Platform.Carriers.Runtime;

namespace Platform.Host.Carriers;

/// <summary>
/// Carrier instances and the routes to them. Read from <c>Platform:Carriers</c> only to seed the database on
/// first start; after that they are edited on the admin Carriers page (<see cref="CarrierConfigurationStore"/>).
/// The instances and routes are the runtime's own types, so what is stored is what runs.
/// </summary>
internal sealed class CarrierOptions
{
    public const string Section = "Platform:Carriers";

    public List<CarrierInstanceOptions> Instances { get; set; } = [];

    public List<CarrierRouteOptions> Routes { get; set; } = [];

    /// <summary>Where partners drop plugins: <c>plugins/&lt;name&gt;/plugin.json</c> and the assembly.</summary>
    public string PluginsPath { get; set; } = "plugins";
}
