using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Platform.Carriers.Abstractions;
using Platform.Carriers.Http;
using Platform.Carriers.Simulator;
using Platform.Carriers.Smpp;

namespace Platform.Carriers.Runtime;

/// <summary>Registers carrier factories with the host's container.</summary>
internal static class CarrierServiceCollectionExtensions
{
    /// <summary>The assemblies of the carriers that ship with the platform.</summary>
    public static IReadOnlyList<Assembly> BuiltInCarrierAssemblies { get; } =
        [typeof(SimulatorCarrierFactory).Assembly, typeof(SmppCarrierFactory).Assembly, typeof(HttpCarrierFactory).Assembly];

    /// <summary>
    /// Registers every <see cref="ICarrierFactory"/> found (with Scrutor) in the built-in carrier assemblies and in
    /// <paramref name="pluginAssemblies"/> as singletons, plus the simulator's shared network (also as
    /// <see cref="ISimulatorOutbox"/> and <see cref="ISimulatorHandsets"/>) and the <see cref="CarrierFactoryCatalog"/>.
    /// </summary>
    public static IServiceCollection AddCarrierFactories(this IServiceCollection services, IEnumerable<Assembly>? pluginAssemblies = null)
    {
        var assemblies = BuiltInCarrierAssemblies.Concat(pluginAssemblies ?? []).Distinct().ToList();
        services.Scan(scan => scan
            .FromAssemblies(assemblies)
            .AddClasses(classes => classes.AssignableTo<ICarrierFactory>(), publicOnly: false)
            .As<ICarrierFactory>()
            .WithSingletonLifetime());
        services.TryAddSingleton<SimulatorNetwork>();
        services.TryAddSingleton<ISimulatorOutbox>(sp => sp.GetRequiredService<SimulatorNetwork>());
        services.TryAddSingleton<ISimulatorHandsets>(sp => sp.GetRequiredService<SimulatorNetwork>());
        services.TryAddSingleton<CarrierFactoryCatalog>();
        return services;
    }

    /// <summary>
    /// The factories (<see cref="AddCarrierFactories"/>) and the <see cref="RunningCarriers"/> over them. The host
    /// provides what the runtime cannot know: <see cref="Limits.IClusterNodes"/> (how many nodes share a rate) and
    /// <see cref="CarrierCallbacksFor"/> (where receipts and inbound messages go).
    /// </summary>
    public static IServiceCollection AddCarrierRuntime(this IServiceCollection services, IEnumerable<Assembly>? pluginAssemblies = null)
    {
        services.AddCarrierFactories(pluginAssemblies);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RunningCarriers>();
        return services;
    }
}
