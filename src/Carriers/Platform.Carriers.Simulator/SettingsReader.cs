using System.Globalization;

namespace Platform.Carriers.Simulator;

/// <summary>Reads typed values out of a carrier's string settings, collecting a clear sentence per problem.</summary>
internal sealed class SimulatorSettingsReader(IReadOnlyDictionary<string, string> settings)
{
    private readonly Dictionary<string, string> _settings = new(settings, StringComparer.OrdinalIgnoreCase);

    public List<string> Problems { get; } = [];

    public int Int(string key, int defaultValue, int min, int max)
    {
        if (!_settings.TryGetValue(key, out var text) || string.IsNullOrWhiteSpace(text))
        {
            return defaultValue;
        }
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }
        Problems.Add($"{key} must be a whole number between {min} and {max}, got '{text}'.");
        return defaultValue;
    }
}
