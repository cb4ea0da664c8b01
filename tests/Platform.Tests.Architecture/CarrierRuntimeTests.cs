using Platform.Carriers.Abstractions;
using Platform.Carriers.Runtime;

namespace Platform.Tests.Architecture;

/// <summary>One carrier runtime: it lives in Platform.Carriers.Runtime, and the host only composes it.</summary>
public sealed class CarrierRuntimeTests
{
    [Fact]
    public void The_carrier_runtime_knows_neither_the_jobs_engine_nor_the_modules_nor_the_host()
    {
        var references = typeof(RunningCarriers).Assembly.GetReferencedAssemblies().Select(r => r.Name!);

        references.Should().NotContain(name => name.StartsWith("Hangfire", StringComparison.Ordinal)
                || name.StartsWith("Platform.Modules.", StringComparison.Ordinal)
                || name == "Platform.Host",
            "the cluster size comes through IClusterNodes and callbacks through CarrierCallbacksFor, both given by the host");
    }

    [Fact]
    public void The_host_has_no_carrier_machinery_of_its_own()
    {
        var carrierTypes = typeof(Platform.Host.Infrastructure.ModuleRegistry).Assembly.GetTypes()
            .Where(t => typeof(ICarrier).IsAssignableFrom(t) || typeof(ICarrierFactory).IsAssignableFrom(t)
                || t.Name.Contains("TokenBucket", StringComparison.Ordinal) || t.Name.Contains("Router", StringComparison.Ordinal))
            .Select(t => t.FullName);

        carrierTypes.Should().BeEmpty("limits, routing and running instances live in Platform.Carriers.Runtime");
    }
}
