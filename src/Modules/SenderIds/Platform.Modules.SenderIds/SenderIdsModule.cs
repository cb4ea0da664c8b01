using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Platform.Modules.Shared;

namespace Platform.Modules.SenderIds;

/// <summary>Entry points the host's module registry calls. Sender ID applications, admin review, and enforcement in campaigns and the API.</summary>
public static class SenderIdsModule
{
    public const string Name = "SenderIds";

    public static IServiceCollection AddSenderIds(this IServiceCollection services, IConfiguration configuration) =>
        services.AddModule<SenderIdsDbContext>(configuration, Name, SenderIdsDbContext.Schema);

    public static IEndpointRouteBuilder MapSenderIds(this IEndpointRouteBuilder endpoints) => endpoints;
}
