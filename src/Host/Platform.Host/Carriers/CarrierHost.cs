using MediatR;
using Microsoft.Extensions.Options;
using Platform.Carriers.Abstractions;
using Platform.Carriers.Runtime.Limits;
using Platform.Carriers.Runtime.Routing;
using Platform.Modules.Shared;

namespace Platform.Host.Carriers;

/// <summary>
/// Starts the configured carrier instances with the factories discovered (built-in carriers and plugins),
/// keeps them for the router and the admin page, shares each cluster-wide throughput limit among the live
/// nodes, and stops them (unbinding) when the host stops. A misconfigured instance is logged and shown
/// on the admin page; it never stops the host from starting.
/// </summary>
internal sealed class CarrierHost(
    IEnumerable<ICarrierFactory> factories,
    IOptions<CarrierOptions> seed,
    CarrierConfigurationStore store,
    IServiceScopeFactory scopes,
    IClusterNodes cluster,
    ILoggerFactory loggers,
    TimeProvider clock) : BackgroundService
{
    private readonly ILogger logger = loggers.CreateLogger<CarrierHost>();
    private readonly SemaphoreSlim reloading = new(1, 1);
    private volatile IReadOnlyList<RunningCarrier> running = [];
    private long version = -1;

    /// <summary>The configuration the running instances were started from.</summary>
    public CarrierOptions Configuration { get; private set; } = new();

    public IReadOnlyList<RunningCarrier> Instances => running;

    /// <summary>The routes over the configured instances (an empty router until the host has started).</summary>
    public PrefixRouter Router { get; private set; } = new([], new Dictionary<string, ICarrier>());

    private PrefixRouter BuildRouter(IReadOnlyList<RunningCarrier> instances, CarrierOptions configuration)
    {
        var byName = instances.ToDictionary(i => i.Name, i => (ICarrier)i, StringComparer.OrdinalIgnoreCase);
        var routes = new List<CarrierRoute>();
        foreach (var route in configuration.Routes)
        {
            if (byName.ContainsKey(route.Instance))
            {
                routes.Add(new CarrierRoute(route.Prefix, route.Instance, route.Priority));
            }
            else
            {
                logger.LogError("Route {Prefix} names carrier instance {Instance}, which is not configured; the route is ignored", route.Prefix, route.Instance);
            }
        }

        return new PrefixRouter(routes, byName);
    }

    public IReadOnlyCollection<string> Kinds => factories.Select(f => f.Kind).Distinct(StringComparer.OrdinalIgnoreCase).Order().ToList();

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await store.SeedOnceAsync(seed.Value, cancellationToken);
        await ReloadAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    /// <summary>
    /// Starts the instances as the database now says, then stops the previous ones. Called at start, after
    /// an admin's change on this node, and when another node's change moves the configuration version.
    /// </summary>
    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        await reloading.WaitAsync(cancellationToken);
        try
        {
            var (configuration, loadedVersion) = await store.LoadAsync(cancellationToken);
            var previous = running;
            await StopInstancesAsync(previous, cancellationToken);
            var started = new List<RunningCarrier>();
            foreach (var instance in configuration.Instances.Where(i => i.Enabled))
            {
                started.Add(await StartInstanceAsync(instance, cancellationToken));
            }

            Router = BuildRouter(started, configuration);
            Configuration = configuration;
            running = started;
            version = loadedVersion;
        }
        finally
        {
            reloading.Release();
        }
    }

    private async Task<RunningCarrier> StartInstanceAsync(CarrierInstanceOptions instance, CancellationToken cancellationToken)
    {
        var factory = factories.FirstOrDefault(f => string.Equals(f.Kind, instance.Kind, StringComparison.OrdinalIgnoreCase));
        if (factory is null)
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
            var context = new CarrierContext(instance.Name, instance.Settings, new MediatorCarrierCallbacks(instance.Name, scopes), loggers.CreateLogger($"Carrier.{instance.Name}"));
            // The runtime's LimitedCarrier keeps this node's in-flight limit; the rate limit is the node's share
            // of a cluster-wide number, which changes with the nodes, so RunningCarrier keeps that one.
            ICarrier carrier = factory.Create(context);
            if (instance.MaxInFlight > 0)
            {
                carrier = new LimitedCarrier(carrier, new CarrierLimits(MessagesPerSecond: null, Burst: null, MaxInFlight: instance.MaxInFlight));
            }

            await carrier.StartAsync(cancellationToken);
            logger.LogInformation("Carrier {Instance} ({Kind}) started", instance.Name, instance.Kind);
            var result = new RunningCarrier(instance, carrier, null, clock);
            result.Throughput.RatePerSecond = instance.MaxPerSecond;
            return result;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogError(exception, "Carrier {Instance} could not start", instance.Name);
            return new RunningCarrier(instance, null, exception.Message, clock);
        }
    }

    /// <summary>Every 10 s: reload when the configuration changed elsewhere; each node's share of a cluster-wide limit is the limit divided by the live nodes.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(10), clock);
        do
        {
            try
            {
                if (await store.VersionAsync(stoppingToken) != version)
                {
                    logger.LogInformation("Carrier configuration changed; restarting carriers on this node");
                    await ReloadAsync(stoppingToken);
                }

                var nodes = await cluster.LiveNodesAsync(stoppingToken);
                foreach (var instance in running)
                {
                    instance.Throughput.RatePerSecond = instance.Options.MaxPerSecond <= 0 ? 0 : (double)instance.Options.MaxPerSecond / Math.Max(1, nodes);
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                logger.LogWarning(exception, "Could not read the cluster's nodes; keeping the current carrier limits");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await StopInstancesAsync(running, cancellationToken);
    }

    private async Task StopInstancesAsync(IReadOnlyList<RunningCarrier> instances, CancellationToken cancellationToken)
    {
        foreach (var instance in instances.Where(i => i.Carrier is not null))
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
}

/// <summary>What carriers report goes into the modules as integration events, each in its own DI scope.</summary>
internal sealed class MediatorCarrierCallbacks(string instanceName, IServiceScopeFactory scopes) : ICarrierCallbacks
{
    public async Task OnDeliveryReceiptAsync(DeliveryReceipt receipt, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IMediator>().Publish(
            new DeliveryReceiptReceived(instanceName, receipt.CarrierMessageId, receipt.Status.ToString(), receipt.ErrorCode, receipt.Timestamp),
            cancellationToken);
    }

    /// <summary>
    /// Carriers hand over numbers as their protocol carries them (SMPP: international digits without "+");
    /// the modules get E.164 where the number is one, and the carrier's text otherwise (a short code).
    /// </summary>
    internal static string AsE164(string number)
    {
        var candidate = number.Trim();
        if (!candidate.StartsWith('+') && candidate.Length >= 8 && candidate.All(char.IsAsciiDigit))
        {
            candidate = "+" + candidate;
        }

        return PhoneNumbers.TryNormalizeE164(candidate, out var e164) ? e164 : number.Trim();
    }

    public async Task OnInboundMessageAsync(InboundMessage message, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IMediator>().Publish(
            new InboundSmsReceived(AsE164(message.From), AsE164(message.To), message.Text, message.ReceivedAt, instanceName, message.CarrierMessageId),
            cancellationToken);
    }
}
