using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Platform.Modules.Privacy.Contracts;
using Platform.Modules.Privacy.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.Privacy;

/// <summary>Entry points the host's module registry calls. The personal-data inventory, self-service export and erasure, legal disclosures.</summary>
public static class PrivacyModule
{
    public const string Name = "Privacy";

    /// <summary>The module as the host runs it: its one line in the host's module list.</summary>
    public static IModule Definition { get; } = new ModuleDescriptor(Name, PrivacyDbContext.Schema, typeof(PrivacyModule).Assembly)
        { AreaPolicy = AuthorizationPolicies.CompanyUser, Services = AddPrivacy, Endpoints = MapPrivacy };

    public static IServiceCollection AddPrivacy(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddModule<PrivacyDbContext>(configuration, Definition);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<PersonalDataInventory>();
        services.AddSingleton<UnsubscribeTokens>();
        services.AddScoped<DataSubjects>();
        services.AddScoped<IPersonalDataContributor, PrivacyContributor>();
        services.AddSingleton<PageViewRecorder>();
        services.AddSingleton<IPageViewRecorder>(provider => provider.GetRequiredService<PageViewRecorder>());
        services.AddHostedService(provider => provider.GetRequiredService<PageViewRecorder>());
        return services;
    }

    public static IEndpointRouteBuilder MapPrivacy(this IEndpointRouteBuilder endpoints) => endpoints;
}
