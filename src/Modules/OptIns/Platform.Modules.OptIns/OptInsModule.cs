using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Platform.Modules.Shared;

namespace Platform.Modules.OptIns;

/// <summary>Entry points the host's module registry calls. Keyword opt-in by SMS, user codes, STOP/START/HELP, end-user accounts and request history.</summary>
public static class OptInsModule
{
    public const string Name = "OptIns";

    public static IServiceCollection AddOptIns(this IServiceCollection services, IConfiguration configuration) =>
        services.AddModule<OptInsDbContext>(configuration, Name, OptInsDbContext.Schema);

    public static IEndpointRouteBuilder MapOptIns(this IEndpointRouteBuilder endpoints) => endpoints;
}
