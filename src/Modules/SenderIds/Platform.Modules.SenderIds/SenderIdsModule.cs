using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Platform.Modules.Privacy.Contracts;
using Platform.Modules.SenderIds.Features;
using Platform.Modules.SenderIds.Jobs;
using Platform.Modules.Shared;
using Platform.Modules.Shared.Jobs;

namespace Platform.Modules.SenderIds;

/// <summary>Entry points the host's module registry calls. Sender ID applications, admin review, and enforcement in campaigns and the API.</summary>
public static class SenderIdsModule
{
    public const string Name = "SenderIds";

    /// <summary>The module as the host runs it: its one line in the host's module list.</summary>
    public static IModule Definition { get; } = new ModuleDescriptor(Name, SenderIdsDbContext.Schema, typeof(SenderIdsModule).Assembly)
        { AreaPolicy = AuthorizationPolicies.CompanyUser, Services = AddSenderIds, Endpoints = MapSenderIds };

    public static IServiceCollection AddSenderIds(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddModule<SenderIdsDbContext>(configuration, Definition);
        services.AddOptions<SenderIdsOptions>().Bind(configuration.GetSection(SenderIdsOptions.Section));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<DocumentStore>();
        services.AddScoped<Actor>();
        services.AddScoped<IPersonalDataContributor, SenderIdsPersonalData>();

        services.AddRecurringJob<PurgeDocumentsJob>(PurgeDocumentsJob.Id, "0 15 * * * *",
            "Deletes Sender ID supporting documents a configured number of days after the decision; the decision stays.");
        return services;
    }

    public static IEndpointRouteBuilder MapSenderIds(this IEndpointRouteBuilder endpoints) => endpoints;
}
