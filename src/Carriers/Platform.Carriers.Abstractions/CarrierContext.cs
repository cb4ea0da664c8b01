using Microsoft.Extensions.Logging;

namespace Platform.Carriers.Abstractions;

/// <summary>Everything the host gives a carrier instance when creating it.</summary>
public sealed class CarrierContext
{
    /// <summary>Creates a context.</summary>
    /// <param name="instanceName">The configured instance's name, unique per host (for logs and metrics).</param>
    /// <param name="settings">The instance's settings; keys are compared case-insensitively by the carriers shipped with the platform.</param>
    /// <param name="callbacks">Where to report receipts and inbound messages.</param>
    /// <param name="logger">The logger for this instance.</param>
    public CarrierContext(string instanceName, IReadOnlyDictionary<string, string> settings, ICarrierCallbacks callbacks, ILogger logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceName);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(callbacks);
        ArgumentNullException.ThrowIfNull(logger);
        InstanceName = instanceName;
        Settings = settings;
        Callbacks = callbacks;
        Logger = logger;
    }

    /// <summary>The configured instance's name.</summary>
    public string InstanceName { get; }

    /// <summary>The instance's settings, as configured (strings; the carrier parses them).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; }

    /// <summary>Where to report receipts and inbound messages.</summary>
    public ICarrierCallbacks Callbacks { get; }

    /// <summary>The logger for this instance.</summary>
    public ILogger Logger { get; }
}
