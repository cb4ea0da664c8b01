using Platform.Modules.Accounts;
using Platform.Modules.Billing;
using Platform.Modules.Campaigns;
using Platform.Modules.OptIns;
using Platform.Modules.Privacy;
using Platform.Modules.SenderIds;

namespace Platform.Host.Infrastructure;

/// <summary>
/// The one place modules are wired in. Explicit on purpose: adding a module is a line here and a line
/// in <see cref="MapModules"/>, which a reviewer sees, rather than an assembly scan that picks up anything.
/// </summary>
internal static class ModuleRegistry
{
    public static IServiceCollection AddModules(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddAccounts(configuration);
        services.AddOptIns(configuration);
        services.AddCampaigns(configuration);
        services.AddSenderIds(configuration);
        services.AddBilling(configuration);
        services.AddPrivacy(configuration);
        return services;
    }

    public static IEndpointRouteBuilder MapModules(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapAccounts();
        endpoints.MapOptIns();
        endpoints.MapCampaigns();
        endpoints.MapSenderIds();
        endpoints.MapBilling();
        endpoints.MapPrivacy();
        return endpoints;
    }
}
