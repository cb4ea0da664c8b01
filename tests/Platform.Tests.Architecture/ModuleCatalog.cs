using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Accounts;
using Platform.Modules.Billing;
using Platform.Modules.Campaigns;
using Platform.Modules.OptIns;
using Platform.Modules.Privacy;
using Platform.Modules.SenderIds;

namespace Platform.Tests.Architecture;

/// <summary>Every module's implementation assembly, found through its public entry point.</summary>
internal static class ModuleCatalog
{
    public static readonly IReadOnlyList<Assembly> Implementations =
    [
        typeof(AccountsModule).Assembly,
        typeof(OptInsModule).Assembly,
        typeof(CampaignsModule).Assembly,
        typeof(SenderIdsModule).Assembly,
        typeof(BillingModule).Assembly,
        typeof(PrivacyModule).Assembly,
    ];

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
