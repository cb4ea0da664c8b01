using System.Globalization;

namespace Platform.Carriers.Abstractions;

/// <summary>
/// Reads typed values from an instance's string settings (keys case-insensitive) and collects one clear sentence per
/// problem, naming the setting, so <see cref="ICarrierFactory.ValidateSettings"/> can report them all at once.
/// </summary>
/// <example>
/// <code>
/// var reader = new CarrierSettingsReader(settings);
/// var host = reader.Text("Host", required: true);
/// var port = reader.Int("Port", defaultValue: 443, min: 1, max: 65535);
/// return reader.Problems;
/// </code>
/// </example>
public sealed class CarrierSettingsReader
{
    private readonly Dictionary<string, string> _settings;
    private readonly List<string> _problems = [];

    /// <summary>Reads from <paramref name="settings"/>; null counts as empty (and every required setting is then a problem).</summary>
    public CarrierSettingsReader(IReadOnlyDictionary<string, string>? settings)
    {
        _settings = settings is null
            ? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            : new Dictionary<string, string>(settings, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Every problem found so far.</summary>
    public IReadOnlyList<string> Problems => _problems;

    /// <summary>Records a problem of the caller's own (a rule between settings, say).</summary>
    public void AddProblem(string problem) => _problems.Add(problem);

    /// <summary>True when the setting is present and not blank.</summary>
    public bool Has(string key) => _settings.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value);

    /// <summary>A trimmed text setting: <paramref name="defaultValue"/> when absent (a problem when <paramref name="required"/>),
    /// a problem when longer than <paramref name="maxLength"/>.</summary>
    public string Text(string key, string defaultValue = "", bool required = false, int maxLength = int.MaxValue)
    {
        if (!Has(key))
        {
            if (required)
            {
                _problems.Add($"{key} is required.");
            }
            return defaultValue;
        }
        var value = _settings[key].Trim();
        if (value.Length > maxLength)
        {
            _problems.Add($"{key} may be at most {maxLength} characters, got {value.Length}.");
        }
        return value;
    }

    /// <summary>A whole-number setting between <paramref name="min"/> and <paramref name="max"/>; <paramref name="defaultValue"/> when absent.</summary>
    public int Int(string key, int defaultValue, int min, int max)
    {
        if (!Has(key))
        {
            return defaultValue;
        }
        var text = _settings[key].Trim();
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }
        _problems.Add($"{key} must be a whole number between {min} and {max}, got '{text}'.");
        return defaultValue;
    }

    /// <summary>Like <see cref="Int"/> but null when absent.</summary>
    public int? OptionalInt(string key, int min, int max) => Has(key) ? Int(key, min, min, max) : null;

    /// <summary>One of <paramref name="allowed"/> (case-insensitive), returned as spelled in <paramref name="allowed"/>;
    /// <paramref name="defaultValue"/> when absent.</summary>
    public string OneOf(string key, string defaultValue, params string[] allowed)
    {
        if (!Has(key))
        {
            return defaultValue;
        }
        var text = _settings[key].Trim();
        var match = allowed.FirstOrDefault(a => string.Equals(a, text, StringComparison.OrdinalIgnoreCase));
        if (match is null)
        {
            _problems.Add($"{key} must be one of {string.Join(", ", allowed.Select(a => $"'{a}'"))}, got '{text}'.");
            return defaultValue;
        }
        return match;
    }
}
