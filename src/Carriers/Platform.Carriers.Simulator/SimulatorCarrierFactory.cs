using Platform.Carriers.Abstractions;

namespace Platform.Carriers.Simulator;

/// <summary>Creates simulator carriers (kind "simulator") that share one <see cref="SimulatorNetwork"/>.</summary>
internal sealed class SimulatorCarrierFactory : ICarrierFactory
{
    public const string KindName = "simulator";

    /// <summary>A factory with a network of its own (tests, or a host that does not expose the outbox).</summary>
    public SimulatorCarrierFactory()
        : this(new SimulatorNetwork())
    {
    }

    /// <summary>A factory whose instances use <paramref name="network"/>, which the host also exposes over HTTP.</summary>
    public SimulatorCarrierFactory(SimulatorNetwork network)
    {
        Network = network;
    }

    public SimulatorNetwork Network { get; }

    public string Kind => KindName;

    public IReadOnlyList<string> ValidateSettings(IReadOnlyDictionary<string, string> settings) =>
        settings is null ? ["Settings are missing."] : SimulatorSettings.Parse(settings).Problems;

    public ICarrier Create(CarrierContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (settings, problems) = SimulatorSettings.Parse(context.Settings);
        if (problems.Count > 0)
        {
            throw new CarrierConfigurationException(context.InstanceName, problems);
        }
        return new SimulatorCarrier(context, settings, Network);
    }
}
