using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Platform.Host.Infrastructure;

namespace Platform.Tests.Architecture;

/// <summary>Every module's implementation assembly, read from the host's one module list.</summary>
internal static class ModuleCatalog
{
    public static readonly IReadOnlyList<Assembly> Implementations = ModuleRegistry.Modules.Select(m => m.Assembly).ToList();

    public static string ModuleName(Assembly assembly) => assembly.GetName().Name!["Platform.Modules.".Length..];

    public static IEnumerable<Type> DbContextTypes(Assembly assembly) =>
        assembly.GetTypes().Where(t => typeof(DbContext).IsAssignableFrom(t) && !t.IsAbstract);

    /// <summary>A DbContext built with the real provider and conventions, but never connected.</summary>
    public static DbContext CreateDbContext(Type contextType)
    {
        var optionsType = typeof(DbContextOptionsBuilder<>).MakeGenericType(contextType);
        var builder = (DbContextOptionsBuilder)Activator.CreateInstance(optionsType)!;
        builder.UseNpgsql("Host=unused").UseSnakeCaseNamingConvention();
        return (DbContext)Activator.CreateInstance(contextType, builder.Options)!;
    }
}
