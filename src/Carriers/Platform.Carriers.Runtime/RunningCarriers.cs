using Microsoft.Extensions.Logging;
using Platform.Carriers.Abstractions;
using Platform.Carriers.Runtime.Limits;
using Platform.Carriers.Runtime.Routing;

namespace Platform.Carriers.Runtime;

/// <summary>Where a running instance reports receipts and inbound messages (the host hands them to the modules).</summary>
internal delegate ICarrierCallbacks CarrierCallbacksFor(string instanceName);

/// <summary>
/// The carrier instances running on this node and the routes over them. Instances are created by the factory of
/// their kind (<see cref="CarrierFactoryCatalog"/>), wrapped in their limits (<see cref="LimitedCarrier"/>) and started;
/// a misconfigured instance is logged and kept with its error, it never stops the others. Each node takes its share of
/// an instance's cluster-wide rate from the live nodes <see cref="IClusterNodes"/> counts.
/// </summary>
internal sealed class RunningCarriers(
    CarrierFactoryCatalog catalog,
    IClusterNodes cluster,
    CarrierCallbacksFor callbacksFor,
    ILoggerFactory loggers,
    TimeProvider clock)
{
    private readonly ILogger logger = loggers.CreateLogger<RunningCarriers>();
    private volatile IReadOnlyList<RunningCarrier> running = [];

    public IReadOnlyList<RunningCarrier> Instances => running;

    /// <summary>The routes over the running instances (an empty router until the first <see cref="ReplaceAsync"/>).</summary>
    public PrefixRouter Router { get; private set; } = new([], new Dictionary<string, ICarrier>());

    public IReadOnlyList<string> Kinds => catalog.Kinds;

    /// <summary>
    /// Stops the running instances, then starts the enabled ones of <paramref name="instances"/> with
    /// <paramref name="routes"/> over them. Callers serialise replacements.
    /// </summary>
    public async Task ReplaceAsync(IEnumerable<CarrierInstanceOptions> instances, IEnumerable<CarrierRouteOptions> routes, CancellationToken cancellationToken)
    {
        await StopAsync(cancellationToken);
        var started = new List<RunningCarrier>();
        foreach (var instance in instances.Where(i => i.Enabled))
        {
            started.Add(await StartAsync(instance, cancellationToken));
        }

        Router = BuildRouter(started, routes);
        running = started;
    }

    /// <summary>Each instance takes this node's share of its cluster-wide rate: the limit divided by the live nodes.</summary>
    public async Task ShareRateLimitsAsync(CancellationToken cancellationToken)
    {
        var nodes = await cluster.LiveNodesAsync(cancellationToken);
        foreach (var instance in running)
        {
            instance.ShareRateAmong(nodes);
        }
    }

    /// <summary>Stops (unbinding) and disposes the running instances; one that does not stop cleanly is logged.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var instance in running.Where(i => i.Carrier is not null))
        {
            try
            {
                await instance.Carrier!.StopAsync(cancellationToken);
                await instance.Carrier.DisposeAsync();
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                logger.LogWarning(exception, "Carrier {Instance} did not stop cleanly", instance.Name);
            }
        }
    }

    private async Task<RunningCarrier> StartAsync(CarrierInstanceOptions instance, CancellationToken cancellationToken)
    {
        if (!catalog.TryGet(instance.Kind, out var factory))
        {
            var error = $"No carrier of kind '{instance.Kind}' is installed (installed: {string.Join(", ", Kinds)}).";
            logger.LogError("Carrier {Instance}: {Error}", instance.Name, error);
            return new RunningCarrier(instance, null, error, clock);
        }

        var problems = factory.ValidateSettings(instance.Settings);
        if (problems.Count > 0)
        {
            var error = "Configuration: " + string.Join(" ", problems);
            logger.LogError("Carrier {Instance}: {Error}", instance.Name, error);
            return new RunningCarrier(instance, null, error, clock);
        }

        try
        {
            var context = new CarrierContext(instance.Name, instance.Settings, callbacksFor(instance.Name), loggers.CreateLogger($"Carrier.{instance.Name}"));
            var carrier = new LimitedCarrier(factory.Create(context), new CarrierLimits(instance.MaxPerSecond, instance.MaxInFlight), clock);
            await carrier.StartAsync(cancellationToken);
            logger.LogInformation("Carrier {Instance} ({Kind}) started", instance.Name, instance.Kind);
            return new RunningCarrier(instance, carrier, null, clock);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogError(exception, "Carrier {Instance} could not start", instance.Name);
            return new RunningCarrier(instance, null, exception.Message, clock);
        }
    }

    private PrefixRouter BuildRouter(IReadOnlyList<RunningCarrier> instances, IEnumerable<CarrierRouteOptions> routes)
    {
        var byName = instances.ToDictionary(i => i.Name, i => (ICarrier)i, StringComparer.OrdinalIgnoreCase);
        var known = new List<CarrierRoute>();
        foreach (var route in routes)
        {
            if (byName.ContainsKey(route.Instance))
            {
                known.Add(new CarrierRoute(route.Prefix, route.Instance, route.Priority));
            }
            else
            {
                logger.LogError("Route {Prefix} names carrier instance {Instance}, which is not configured; the route is ignored", route.Prefix, route.Instance);
            }
        }

        return new PrefixRouter(known, byName);
    }
}
