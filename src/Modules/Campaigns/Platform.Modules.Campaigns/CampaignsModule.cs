using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns;

/// <summary>Entry points the host's module registry calls. Contact lists, audiences, templates, scheduled and batched campaign sending, the send API.</summary>
public static class CampaignsModule
{
    public const string Name = "Campaigns";

    public static IServiceCollection AddCampaigns(this IServiceCollection services, IConfiguration configuration) =>
        services.AddModule<CampaignsDbContext>(configuration, Name, CampaignsDbContext.Schema);

    public static IEndpointRouteBuilder MapCampaigns(this IEndpointRouteBuilder endpoints) => endpoints;
}
