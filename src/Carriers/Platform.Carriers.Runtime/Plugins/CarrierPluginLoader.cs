using System.Reflection;
using Microsoft.Extensions.Logging;
using Platform.Carriers.Abstractions;

namespace Platform.Carriers.Runtime.Plugins;

/// <summary>A plugin that loaded.</summary>
internal sealed record LoadedCarrierPlugin(PluginManifest Manifest, string Directory, Assembly Assembly);

/// <summary>A plugin that did not load, and why.</summary>
internal sealed record SkippedCarrierPlugin(string Directory, string Reason);

/// <summary>
/// Loads every <c>plugins/&lt;name&gt;/plugin.json</c> under a root folder. A plugin that is incompatible, has a broken
/// manifest or fails to load is logged and skipped; loading never throws because of a plugin.
/// </summary>
internal sealed class CarrierPluginLoader(ILogger logger)
{
    public (IReadOnlyList<LoadedCarrierPlugin> Loaded, IReadOnlyList<SkippedCarrierPlugin> Skipped) LoadAll(string pluginsRoot)
    {
        var loaded = new List<LoadedCarrierPlugin>();
        var skipped = new List<SkippedCarrierPlugin>();
        if (!Directory.Exists(pluginsRoot))
        {
            logger.LogInformation("No carrier plugins folder at {PluginsRoot}.", pluginsRoot);
            return (loaded, skipped);
        }
        foreach (var directory in Directory.GetDirectories(pluginsRoot).Order(StringComparer.Ordinal))
        {
            var (plugin, problem) = TryLoad(directory);
            if (plugin is not null)
            {
                logger.LogInformation("Loaded carrier plugin {Name} {Version} (SDK {SdkVersion}) from {Directory}.",
                    plugin.Manifest.Name, plugin.Manifest.Version, plugin.Manifest.SdkVersion, directory);
                loaded.Add(plugin);
            }
            else
            {
                logger.LogWarning("Skipped carrier plugin in {Directory}: {Reason}", directory, problem);
                skipped.Add(new SkippedCarrierPlugin(directory, problem!));
            }
        }
        return (loaded, skipped);
    }

    private static (LoadedCarrierPlugin? Plugin, string? Problem) TryLoad(string directory)
    {
        var manifestPath = Path.Combine(directory, PluginManifest.FileName);
        if (!File.Exists(manifestPath))
        {
            return (null, $"there is no {PluginManifest.FileName}.");
        }
        try
        {
            var (manifest, problems) = PluginManifest.Parse(File.ReadAllText(manifestPath));
            if (manifest is null)
            {
                return (null, string.Join(" ", problems));
            }
            var assemblyPath = Path.Combine(directory, manifest.AssemblyFileName);
            if (!File.Exists(assemblyPath))
            {
                return (null, $"the assembly {manifest.AssemblyFileName} named by {PluginManifest.FileName} is missing.");
            }
            var context = new PluginLoadContext(Path.GetFullPath(assemblyPath));
            var assembly = context.LoadFromAssemblyPath(Path.GetFullPath(assemblyPath));
            // Resolve every type now, so a plugin built against missing or incompatible types fails here, not later.
            var factories = assembly.GetTypes().Count(t => typeof(ICarrierFactory).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false });
            return factories == 0
                ? (null, $"{manifest.AssemblyFileName} contains no {nameof(ICarrierFactory)} implementation.")
                : (new LoadedCarrierPlugin(manifest, directory, assembly), null);
        }
        catch (ReflectionTypeLoadException ex)
        {
            return (null, $"its types could not be loaded: {string.Join("; ", ex.LoaderExceptions.Select(e => e?.Message).Distinct())}");
        }
        catch (Exception ex) when (ex is IOException or BadImageFormatException or UnauthorizedAccessException or FileLoadException or TypeLoadException)
        {
            return (null, $"it could not be loaded: {ex.Message}");
        }
    }
}
