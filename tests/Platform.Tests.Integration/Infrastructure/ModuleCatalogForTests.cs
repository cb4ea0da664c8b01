using Microsoft.Extensions.Configuration;
using Platform.Modules.Shared;

namespace Platform.Tests.Integration.Infrastructure;

/// <summary>The modules as the host registers them, for tests that run without an in-memory host.</summary>
public static class ModuleCatalogForTests
{
    public static IReadOnlyList<IModule> All { get; } = Build();

    private static List<IModule> Build()
    {
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Platform"] = "Host=unused" })
            .Build();
        Platform.Host.Infrastructure.ModuleRegistry.AddModules(services, configuration);
        return services.Where(d => d.ServiceType == typeof(IModule)).Select(d => (IModule)d.ImplementationInstance!)
            .Append(Platform.Host.Carriers.CarrierServices.HostModule).ToList();
    }
}
