using Platform.Host.Carriers;
using Platform.Host.Infrastructure;
using Platform.Modules.Shared;

namespace Platform.Tests.Integration.Infrastructure;

/// <summary>The modules the host migrates (the host's module list and its own tables), for tests that run without an in-memory host.</summary>
public static class ModuleCatalogForTests
{
    public static IReadOnlyList<IModule> All { get; } = [.. ModuleRegistry.Modules, CarrierServices.HostModule];
}
