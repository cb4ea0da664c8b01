namespace Platform.Carriers.Abstractions;

/// <summary>
/// Creates carriers of one <see cref="Kind"/>. One kind can have many configured instances (for example two SMPP
/// accounts), each created from its own settings. Implementations must be thread-safe and have a public
/// constructor the host can call (parameterless, or taking services the host registers).
/// </summary>
public interface ICarrierFactory
{
    /// <summary>The kind this factory creates, for example "smpp" or "simulator". Case-insensitive, unique per host.</summary>
    string Kind { get; }

    /// <summary>
    /// Checks an instance's settings without connecting anywhere. Returns every problem found as a sentence that names
    /// the setting (for example "Port must be a whole number between 1 and 65535, got 'abc'."); empty when valid.
    /// Must not throw.
    /// </summary>
    IReadOnlyList<string> ValidateSettings(IReadOnlyDictionary<string, string> settings);

    /// <summary>
    /// Creates a carrier instance. Throws <see cref="CarrierConfigurationException"/> (and nothing else) when
    /// <see cref="CarrierContext.Settings"/> is not valid.
    /// </summary>
    ICarrier Create(CarrierContext context);
}
