using MediatR;
using Microsoft.Extensions.Options;
using Platform.Carriers.Abstractions;
using Platform.Carriers.Runtime;
using Platform.Carriers.Runtime.Routing;
using Platform.Modules.Shared;

namespace Platform.Host.Carriers;

/// <summary>
/// Runs the carrier runtime (<see cref="RunningCarriers"/>) from the configuration in the database: seeds it once from
/// <c>Platform:Carriers</c>, starts the instances with the host, restarts them when an admin changes the configuration
/// here or on another node, shares each cluster-wide rate among the live nodes, and stops them when the host stops.
/// </summary>
internal sealed class CarrierHost(
    RunningCarriers carriers,
    IOptions<CarrierOptions> seed,
    CarrierConfigurationStore store,
    ILogger<CarrierHost> logger,
    TimeProvider clock) : BackgroundService
{
    private readonly SemaphoreSlim reloading = new(1, 1);
    private long version = -1;

    /// <summary>The configuration the running instances were started from.</summary>
    public CarrierOptions Configuration { get; private set; } = new();

    public IReadOnlyList<RunningCarrier> Instances => carriers.Instances;

    public PrefixRouter Router => carriers.Router;

    public IReadOnlyList<string> Kinds => carriers.Kinds;

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
            await carriers.ReplaceAsync(configuration.Instances, configuration.Routes, cancellationToken);
            Configuration = configuration;
            version = loadedVersion;
        }
        finally
        {
            reloading.Release();
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

                await carriers.ShareRateLimitsAsync(stoppingToken);
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
        await carriers.StopAsync(cancellationToken);
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
