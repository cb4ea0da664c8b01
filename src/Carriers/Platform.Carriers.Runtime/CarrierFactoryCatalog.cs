using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Carriers.Abstractions;

namespace Platform.Carriers.Runtime;

/// <summary>The registered factories by kind (case-insensitive). When two factories claim one kind, the first wins
/// and the other is logged, so a plugin cannot silently replace a built-in carrier.</summary>
internal sealed class CarrierFactoryCatalog
{
    private readonly Dictionary<string, ICarrierFactory> _byKind = new(StringComparer.OrdinalIgnoreCase);

    public CarrierFactoryCatalog(IEnumerable<ICarrierFactory> factories, ILogger<CarrierFactoryCatalog>? logger = null)
    {
        foreach (var factory in factories)
        {
            if (!_byKind.TryAdd(factory.Kind, factory))
            {
                (logger ?? (ILogger)NullLogger.Instance).LogWarning("Carrier kind {Kind} is provided by both {First} and {Second}; using {First}.",
                    factory.Kind, _byKind[factory.Kind].GetType().FullName, factory.GetType().FullName, _byKind[factory.Kind].GetType().FullName);
            }
        }
    }

    /// <summary>The installed kinds, in order (for messages and the admin page).</summary>
    public IReadOnlyList<string> Kinds => _byKind.Keys.Order(StringComparer.Ordinal).ToList();

    public bool TryGet(string kind, out ICarrierFactory factory) => _byKind.TryGetValue(kind, out factory!);

    /// <summary>Validates and creates an instance; an unknown kind or bad settings throw <see cref="CarrierConfigurationException"/>.</summary>
    public ICarrier Create(string kind, CarrierContext context)
    {
        if (!TryGet(kind, out var factory))
        {
            throw new CarrierConfigurationException(context.InstanceName,
                [$"Kind '{kind}' is not a known carrier kind; known kinds: {string.Join(", ", Kinds)}."]);
        }
        return factory.Create(context);
    }
}
