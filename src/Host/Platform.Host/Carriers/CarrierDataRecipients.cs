using Platform.Modules.Shared;

namespace Platform.Host.Carriers;

/// <summary>
/// The carriers that receive numbers and texts, as configured now (the carrier store: what Admin → Carriers shows), each with
/// the number prefixes routed to it; the built-in simulator is named as what it is, a stand-in where nothing leaves the platform.
/// </summary>
internal sealed class CarrierDataRecipients(CarrierConfigurationStore store) : IDataRecipientSource
{
    public async Task<IReadOnlyList<DataRecipient>> RecipientsAsync(CancellationToken cancellationToken)
    {
        var (options, _) = await store.LoadAsync(cancellationToken);
        return options.Instances.Where(i => i.Enabled).OrderBy(i => i.Name, StringComparer.Ordinal).Select(instance =>
        {
            var prefixes = options.Routes.Where(r => string.Equals(r.Instance, instance.Name, StringComparison.OrdinalIgnoreCase))
                .Select(r => r.Prefix.Trim()).Distinct().Order(StringComparer.Ordinal).ToList();
            var scope = prefixes.Count == 0 ? "No numbers are routed to it now"
                : prefixes.Contains("+") ? "Every number" : $"Numbers starting {string.Join(", ", prefixes)}";
            return string.Equals(instance.Kind, "simulator", StringComparison.OrdinalIgnoreCase)
                ? new DataRecipient($"The built-in carrier simulator '{instance.Name}'", "Mobile numbers and message texts",
                    "A stand-in for a mobile network on demo and test installations: the messages stay on the platform's own servers", scope)
                : new DataRecipient($"Mobile network carrier '{instance.Name}' ({instance.Kind.ToUpperInvariant()})",
                    "Mobile numbers, sender names and message texts of the SMS we send and receive for these numbers",
                    "To deliver SMS to phones and receive replies; they also see delivery reports", scope);
        }).ToList();
    }
}
