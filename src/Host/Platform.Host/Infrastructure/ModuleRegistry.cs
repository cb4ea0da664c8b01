using Microsoft.AspNetCore.Mvc.ApplicationModels;
using Platform.Modules.Accounts;
using Platform.Modules.Billing;
using Platform.Modules.Campaigns;
using Platform.Modules.OptIns;
using Platform.Modules.Privacy;
using Platform.Modules.SenderIds;
using Platform.Modules.Shared;

namespace Platform.Host.Infrastructure;

/// <summary>
/// The one list of the modules this host runs. Explicit on purpose: adding a module is one line in
/// <see cref="Modules"/>, which a reviewer sees, rather than an assembly scan that picks up anything. Services,
/// endpoints, area authorization, migrations and the architecture and schema tests all read this list.
/// </summary>
internal static class ModuleRegistry
{
    public static IReadOnlyList<IModule> Modules { get; } =
    [
        AccountsModule.Definition,
        OptInsModule.Definition,
        CampaignsModule.Definition,
        SenderIdsModule.Definition,
        BillingModule.Definition,
        PrivacyModule.Definition,
    ];

    public static IServiceCollection AddModules(this IServiceCollection services, IConfiguration configuration)
    {
        foreach (var module in Modules)
        {
            module.AddServices(services, configuration);
        }

        return services;
    }

    public static IEndpointRouteBuilder MapModules(this IEndpointRouteBuilder endpoints)
    {
        foreach (var module in Modules)
        {
            module.MapEndpoints(endpoints);
        }

        return endpoints;
    }

    /// <summary>Every page of a module's area requires the module's <see cref="IModule.AreaPolicy"/>, when it names one.</summary>
    public static PageConventionCollection AuthorizeModuleAreas(this PageConventionCollection conventions)
    {
        foreach (var module in Modules)
        {
            if (module.AreaPolicy is { } policy)
            {
                conventions.AuthorizeAreaFolder(module.Area, "/", policy);
            }
        }

        return conventions;
    }
}
