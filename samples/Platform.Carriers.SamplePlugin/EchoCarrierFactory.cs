using Platform.Carriers.Abstractions;

namespace Platform.Carriers.SamplePlugin;

/// <summary>
/// Creates "echo" carriers (kind "sample-echo"). The host finds this class by scanning the plugin's assembly for
/// <see cref="ICarrierFactory"/> implementations and calls its parameterless constructor.
/// </summary>
internal sealed class EchoCarrierFactory : ICarrierFactory
{
    public const string KindName = "sample-echo";

    public string Kind => KindName;

    public IReadOnlyList<string> ValidateSettings(IReadOnlyDictionary<string, string> settings) => Read(settings).Reader.Problems;

    public ICarrier Create(CarrierContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (reader, settings) = Read(context.Settings);
        if (reader.Problems.Count > 0)
        {
            throw new CarrierConfigurationException(context.InstanceName, reader.Problems);
        }
        return new EchoCarrier(context, settings);
    }

    // CarrierSettingsReader gives ValidateSettings and Create the same checks and one clear sentence per problem.
    private static (CarrierSettingsReader Reader, EchoSettings Settings) Read(IReadOnlyDictionary<string, string>? raw)
    {
        var reader = new CarrierSettingsReader(raw);
        var settings = new EchoSettings(
            EchoPrefix: reader.Text("EchoPrefix", "echo: ", maxLength: 50),
            Echo: reader.OneOf("Echo", "true", "true", "false") == "true",
            LoseAnswerEvery: reader.Int("LoseAnswerEvery", 0, 0, 1_000_000));
        return (reader, settings);
    }
}

/// <summary>The echo carrier's settings: <c>Echo</c> (true: every message comes back as an inbound message from its
/// destination), <c>EchoPrefix</c> (put before the echoed text) and <c>LoseAnswerEvery</c> (every Nth message is
/// "sent" but its answer lost, to show the Unknown outcome; 0: never).</summary>
internal sealed record EchoSettings(string EchoPrefix, bool Echo, int LoseAnswerEvery = 0);
