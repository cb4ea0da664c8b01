using System.Text.Json;
using System.Text.Json.Serialization;
using Platform.Carriers.Abstractions;

namespace Platform.Carriers.Runtime.Plugins;

/// <summary>
/// <c>plugins/&lt;name&gt;/plugin.json</c>: <c>{ "name", "version", "sdkVersion", "assembly"? }</c>. The assembly defaults
/// to <c>&lt;name&gt;.dll</c> in the same folder.
/// </summary>
internal sealed record PluginManifest(
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("version")] string? Version,
    [property: JsonPropertyName("sdkVersion")] string? SdkVersion,
    [property: JsonPropertyName("assembly")] string? Assembly)
{
    public const string FileName = "plugin.json";

    private static readonly JsonSerializerOptions Options = new() { PropertyNameCaseInsensitive = true, ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    public string AssemblyFileName => string.IsNullOrWhiteSpace(Assembly) ? $"{Name}.dll" : Assembly;

    /// <summary>Parses and checks a manifest; returns null with the problems when it is unusable.</summary>
    public static (PluginManifest? Manifest, IReadOnlyList<string> Problems) Parse(string json)
    {
        PluginManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<PluginManifest>(json, Options);
        }
        catch (JsonException ex)
        {
            return (null, [$"{FileName} is not valid JSON: {ex.Message}"]);
        }
        if (manifest is null)
        {
            return (null, [$"{FileName} is empty."]);
        }
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(manifest.Name))
        {
            problems.Add($"{FileName} has no \"name\".");
        }
        if (string.IsNullOrWhiteSpace(manifest.Version))
        {
            problems.Add($"{FileName} has no \"version\".");
        }
        if (string.IsNullOrWhiteSpace(manifest.SdkVersion))
        {
            problems.Add($"{FileName} has no \"sdkVersion\".");
        }
        else if (!CarrierSdk.IsCompatible(manifest.SdkVersion))
        {
            problems.Add($"the plugin was built for carrier SDK {manifest.SdkVersion}; this host has SDK {CarrierSdk.Version} (the major versions must match).");
        }
        if (manifest.AssemblyFileName.IndexOfAny(['/', '\\']) >= 0 || manifest.AssemblyFileName.Contains("..", StringComparison.Ordinal))
        {
            problems.Add($"{FileName} \"assembly\" must be a file name in the plugin's folder, got '{manifest.Assembly}'.");
        }
        return problems.Count == 0 ? (manifest, problems) : (null, problems);
    }
}
