using Microsoft.Extensions.DependencyInjection;
using Platform.Modules.Privacy.Contracts;

namespace Platform.Modules.Campaigns.Features.Suppressions;

/// <summary>Suppression lists per company and the platform block list: the services of that part of the module (its handlers are scanned).</summary>
internal static class SuppressionsRegistration
{
    public static IServiceCollection AddSuppressions(this IServiceCollection services)
    {
        services.AddScoped<SuppressionActor>();
        services.AddSingleton<PageCursors>();
        services.AddScoped<IPersonalDataContributor, SuppressionAuditPersonalData>();
        return services;
    }
}
