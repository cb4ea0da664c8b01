using System.Reflection;
using System.Runtime.Loader;
using Platform.Carriers.Abstractions;

namespace Platform.Carriers.Runtime.Plugins;

/// <summary>
/// Loads one plugin's assembly and its private dependencies. It shares with the host only the carrier SDK and the
/// shared-framework assemblies (so <see cref="ICarrier"/>, <c>ILogger</c>, <c>Task</c> are the same types on both
/// sides); everything else the plugin ships is its own copy, whatever version the host has.
/// </summary>
internal sealed class PluginLoadContext(string pluginAssemblyPath) : AssemblyLoadContext($"carrier-plugin:{Path.GetFileNameWithoutExtension(pluginAssemblyPath)}")
{
    private static readonly string SdkAssemblyName = typeof(ICarrier).Assembly.GetName().Name!;
    private static readonly HashSet<string> FrameworkAssemblyNames = FindFrameworkAssemblyNames();
    private readonly AssemblyDependencyResolver _resolver = new(pluginAssemblyPath);

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var name = assemblyName.Name;
        if (name is null || name == SdkAssemblyName || FrameworkAssemblyNames.Contains(name))
        {
            return null; // from the host (default context)
        }
        var path = _resolver.ResolveAssemblyToPath(assemblyName);
        return path is null ? null : LoadFromAssemblyPath(path);
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var path = _resolver.ResolveUnmanagedDllToPath(unmanagedDllName);
        return path is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
    }

    // The shared frameworks (Microsoft.NETCore.App, Microsoft.AspNetCore.App) live under "<dotnet>/shared/"; the host's
    // own dependencies (Scrutor, Npgsql...) do not, and are deliberately not shared.
    private static HashSet<string> FindFrameworkAssemblyNames()
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var trusted = AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? "";
        var sharedMarker = $"{Path.DirectorySeparatorChar}shared{Path.DirectorySeparatorChar}";
        foreach (var path in trusted.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            if (path.Contains(sharedMarker, StringComparison.Ordinal))
            {
                names.Add(Path.GetFileNameWithoutExtension(path));
            }
        }
        return names;
    }
}
