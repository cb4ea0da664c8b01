using System.Reflection;
using MediatR;
using Platform.Modules.Shared;

namespace Platform.Tests.Architecture;

public sealed class ModuleBoundaryTests
{
    public static TheoryData<string> Modules()
    {
        var data = new TheoryData<string>();
        foreach (var assembly in ModuleCatalog.Implementations)
        {
            data.Add(ModuleCatalog.ModuleName(assembly));
        }

        return data;
    }

    private static Assembly Implementation(string module) =>
        ModuleCatalog.Implementations.Single(a => ModuleCatalog.ModuleName(a) == module);

    [Theory]
    [MemberData(nameof(Modules))]
    public void A_module_references_no_other_modules_implementation(string module)
    {
        var references = Implementation(module).GetReferencedAssemblies().Select(r => r.Name!).ToList();
        var otherImplementations = ModuleCatalog.Implementations
            .Select(a => a.GetName().Name!)
            .Where(name => name != $"Platform.Modules.{module}");

        references.Should().NotContain(otherImplementations,
            "modules talk to each other only through .Contracts assemblies");
    }

    [Theory]
    [MemberData(nameof(Modules))]
    public void A_modules_contracts_reference_no_implementation(string module)
    {
        var contracts = Assembly.Load($"Platform.Modules.{module}.Contracts");
        var references = contracts.GetReferencedAssemblies().Select(r => r.Name!).ToList();

        references.Should().NotContain(ModuleCatalog.Implementations.Select(a => a.GetName().Name!));
        references.Where(r => r.StartsWith("Platform.", StringComparison.Ordinal))
            .Where(r => r != "Platform.Modules.Shared" && !r.EndsWith(".Contracts", StringComparison.Ordinal))
            .Should().BeEmpty("contracts may depend only on Shared and other contracts");
    }

    [Theory]
    [MemberData(nameof(Modules))]
    public void Handlers_and_validators_are_not_public(string module)
    {
        var handlerInterfaces = new[] { typeof(IRequestHandler<,>), typeof(INotificationHandler<>), typeof(IRequestValidator<>) };
        var publicHandlers = Implementation(module).GetTypes()
            .Where(t => t.IsClass && !t.IsAbstract)
            .Where(t => t.GetInterfaces().Any(i => i.IsGenericType && handlerInterfaces.Contains(i.GetGenericTypeDefinition())))
            .Where(t => t.IsPublic || t.IsNestedPublic)
            .Select(t => t.FullName);

        publicHandlers.Should().BeEmpty("a module's handlers are reached through IMediator, never called directly");
    }

    [Theory]
    [MemberData(nameof(Modules))]
    public void Only_the_entry_point_is_public_in_a_module(string module)
    {
        var publicTypes = Implementation(module).GetExportedTypes()
            .Where(t => !t.Name.StartsWith('<'))
            .Select(t => t.Name);

        publicTypes.Should().BeEquivalentTo([$"{module}Module"], "everything else in a module is internal");
    }

    [Fact]
    public void The_host_wires_every_module_explicitly()
    {
        var hostReferences = typeof(Platform.Host.Infrastructure.ModuleRegistry).Assembly.GetReferencedAssemblies().Select(r => r.Name);
        hostReferences.Should().Contain(ModuleCatalog.Implementations.Select(a => a.GetName().Name));
    }
}
