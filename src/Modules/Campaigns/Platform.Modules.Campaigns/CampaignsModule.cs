using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Platform.Modules.Campaigns.Features.Contacts;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns;

/// <summary>Entry points the host's module registry calls. Contact lists, audiences, templates, scheduled and batched campaign sending, the send API.</summary>
public static class CampaignsModule
{
    public const string Name = "Campaigns";

    public static IServiceCollection AddCampaigns(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddModule<CampaignsDbContext>(configuration, Name, CampaignsDbContext.Schema);
        services.AddOptions<CampaignsOptions>().Bind(configuration.GetSection(CampaignsOptions.Section));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<CampaignsDataSource>();
        services.AddContacts();
        return services;
    }

    public static IEndpointRouteBuilder MapCampaigns(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapContacts();
        return endpoints;
    }
}
