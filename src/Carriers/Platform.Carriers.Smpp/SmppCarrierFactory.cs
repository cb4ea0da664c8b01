using Platform.Carriers.Abstractions;

namespace Platform.Carriers.Smpp;

/// <summary>Creates SMPP 3.4 carriers (kind "smpp"), one per configured SMSC account.</summary>
internal sealed class SmppCarrierFactory : ICarrierFactory
{
    public const string KindName = "smpp";

    public string Kind => KindName;

    public IReadOnlyList<string> ValidateSettings(IReadOnlyDictionary<string, string> settings) => SmppSettings.Parse(settings).Problems;

    public ICarrier Create(CarrierContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (settings, problems) = SmppSettings.Parse(context.Settings);
        if (settings is null)
        {
            throw new CarrierConfigurationException(context.InstanceName, problems);
        }
        return new SmppCarrier(context, settings);
    }
}
