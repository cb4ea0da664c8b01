using Platform.Carriers.Http;
using Platform.Carriers.Runtime;
using Platform.Carriers.Runtime.Plugins;
using Platform.Host.Infrastructure;
using Platform.Modules.Shared;

namespace Platform.Host.Carriers;

/// <summary>The plugins found at start-up: loaded ("name version") and skipped ("folder: why").</summary>
internal sealed record LoadedPlugins(IReadOnlyList<string> Loaded, IReadOnlyList<string> Skipped);

internal static class CarrierServices
{
    /// <summary>The host's own tables (carrier configuration) migrate like a module's, from Migrations/*.sql.</summary>
    public static readonly IModule HostModule = new ModuleDescriptor("Platform", "platform", typeof(CarrierServices).Assembly);

    /// <summary>
    /// The carrier runtime (factories found by Scrutor in the built-in carrier assemblies and the plugins, the running
    /// instances, their limits and routes) with what the host gives it: the configuration, where callbacks go, and the
    /// cluster's live nodes (<see cref="PlatformJobs"/> registers those). The simulator's network (its handsets'
    /// outboxes) is one singleton that the dev endpoints read.
    /// </summary>
    public static IServiceCollection AddCarriers(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        services.AddOptions<CarrierOptions>().Bind(configuration.GetSection(CarrierOptions.Section));

        // Plugins are loaded before the container is built, so Scrutor can scan them with the built-in carriers.
        var pluginsPath = configuration.GetSection(CarrierOptions.Section).Get<CarrierOptions>()?.PluginsPath ?? "plugins";
        using var loggers = LoggerFactory.Create(logging => logging.AddConsole());
        var (loaded, skipped) = new CarrierPluginLoader(loggers.CreateLogger("Platform.Carriers.Plugins"))
            .LoadAll(Path.IsPathRooted(pluginsPath) ? pluginsPath : Path.Combine(contentRoot, pluginsPath));
        services.AddCarrierRuntime(loaded.Select(plugin => plugin.Assembly));
        services.AddSingleton<CarrierCallbacksFor>(provider =>
        {
            var scopes = provider.GetRequiredService<IServiceScopeFactory>();
            return instanceName => new MediatorCarrierCallbacks(instanceName, scopes);
        });
        services.AddSingleton(new LoadedPlugins(loaded.Select(p => $"{p.Manifest.Name} {p.Manifest.Version}").ToList(), skipped.Select(s => $"{s.Directory}: {s.Reason}").ToList()));
        services.AddSingleton<CarrierConfigurationStore>();
        services.AddSingleton<IDataRecipientSource, CarrierDataRecipients>();
        services.AddSingleton(HostModule);
        services.AddSingleton<CarrierHost>();
        services.AddHostedService(provider => provider.GetRequiredService<CarrierHost>());
        services.AddModuleHandlers(typeof(CarrierServices).Assembly);
        return services;
    }

    public static IEndpointRouteBuilder MapCarriers(this IEndpointRouteBuilder endpoints, IConfiguration configuration, IHostEnvironment environment)
    {
        if (configuration.GetValue("Platform:Simulator:DevEndpoints", environment.IsDevelopment()))
        {
            endpoints.MapSimulator();
        }

        // Signed receipts and inbound messages of the HTTP carrier's instances.
        endpoints.MapHttpCarrierWebhooks();

        return endpoints;
    }
}
