using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using System.Runtime.Loader;
using Platform.Carriers.Abstractions;
using Platform.Carriers.Runtime;
using Platform.Carriers.Runtime.Plugins;
using Platform.Carriers.Simulator;

namespace Platform.Carriers.Tests.Runtime;

public sealed class PluginLoadingTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "carrier-plugins-" + Guid.NewGuid().ToString("N"));

    public PluginLoadingTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    // A real carrier assembly shipped as a plugin: the simulator's, copied into plugins/<name>/.
    private string AddPlugin(string name, string manifestJson, bool withAssembly = true, byte[]? assemblyBytes = null)
    {
        var directory = Directory.CreateDirectory(Path.Combine(_root, name)).FullName;
        File.WriteAllText(Path.Combine(directory, "plugin.json"), manifestJson);
        if (withAssembly)
        {
            var target = Path.Combine(directory, "Platform.Carriers.Simulator.dll");
            if (assemblyBytes is null)
            {
                File.Copy(typeof(SimulatorCarrierFactory).Assembly.Location, target);
            }
            else
            {
                File.WriteAllBytes(target, assemblyBytes);
            }
        }
        return directory;
    }

    private static string Manifest(string sdkVersion = "1.0") =>
        $$"""{ "name": "sim-plugin", "version": "2.1.0", "sdkVersion": "{{sdkVersion}}", "assembly": "Platform.Carriers.Simulator.dll" }""";

    [Fact]
    public void A_compatible_plugin_loads_in_its_own_context_sharing_the_sdk()
    {
        AddPlugin("sim-plugin", Manifest("1.3"));

        var (loaded, skipped) = new CarrierPluginLoader(NullLogger.Instance).LoadAll(_root);

        skipped.Should().BeEmpty();
        var plugin = loaded.Should().ContainSingle().Subject;
        plugin.Manifest.Version.Should().Be("2.1.0");
        AssemblyLoadContext.GetLoadContext(plugin.Assembly).Should().BeOfType<PluginLoadContext>();
        plugin.Assembly.Should().NotBeSameAs(typeof(SimulatorCarrierFactory).Assembly);
        var factoryType = plugin.Assembly.GetTypes().Single(t => t.Name == nameof(SimulatorCarrierFactory));
        typeof(ICarrierFactory).IsAssignableFrom(factoryType).Should().BeTrue("the SDK is shared with the host");
    }

    [Theory]
    [InlineData("1.0")] // built before SubmitOutcome.Unknown existed: a minor version only adds, so it still loads
    [InlineData("1.1")]
    public void A_plugin_built_against_any_1_x_sdk_loads(string sdkVersion)
    {
        CarrierSdk.Version.Should().Be("1.1");
        AddPlugin("sim-plugin", Manifest(sdkVersion));

        var (loaded, skipped) = new CarrierPluginLoader(NullLogger.Instance).LoadAll(_root);

        skipped.Should().BeEmpty();
        loaded.Should().ContainSingle().Which.Manifest.SdkVersion.Should().Be(sdkVersion);
    }

    [Fact]
    public void Broken_or_incompatible_plugins_are_skipped_with_a_reason()
    {
        AddPlugin("a-incompatible", Manifest("2.0"));
        AddPlugin("b-bad-json", "{ not json");
        AddPlugin("c-missing-assembly", Manifest(), withAssembly: false);
        AddPlugin("d-garbage-assembly", Manifest(), assemblyBytes: [1, 2, 3, 4]);
        AddPlugin("e-escaping", """{ "name": "e", "version": "1", "sdkVersion": "1.0", "assembly": "../../evil.dll" }""");
        Directory.CreateDirectory(Path.Combine(_root, "f-no-manifest"));

        var (loaded, skipped) = new CarrierPluginLoader(NullLogger.Instance).LoadAll(_root);

        loaded.Should().BeEmpty();
        skipped.Select(s => (Path.GetFileName(s.Directory), s.Reason)).Should().SatisfyRespectively(
            s => s.Reason.Should().Contain("SDK 2.0"),
            s => s.Reason.Should().Contain("not valid JSON"),
            s => s.Reason.Should().Contain("is missing"),
            s => s.Reason.Should().Contain("could not be loaded"),
            s => s.Reason.Should().Contain("file name in the plugin's folder"),
            s => s.Reason.Should().Contain("no plugin.json"));
    }

    [Fact]
    public void A_missing_plugins_folder_is_no_plugins()
    {
        var (loaded, skipped) = new CarrierPluginLoader(NullLogger.Instance).LoadAll(Path.Combine(_root, "nope"));
        loaded.Should().BeEmpty();
        skipped.Should().BeEmpty();
    }

    [Fact]
    public void Factories_are_discovered_in_built_in_and_plugin_assemblies()
    {
        AddPlugin("sim-plugin", Manifest());
        var (loaded, _) = new CarrierPluginLoader(NullLogger.Instance).LoadAll(_root);
        var services = new ServiceCollection().AddLogging();

        services.AddCarrierFactories(loaded.Select(p => p.Assembly));
        using var provider = services.BuildServiceProvider();

        var factories = provider.GetServices<ICarrierFactory>().ToList();
        factories.Select(f => f.Kind).Should().BeEquivalentTo("simulator", "smpp", "http", "simulator");
        var catalog = provider.GetRequiredService<CarrierFactoryCatalog>();
        catalog.Kinds.Should().BeEquivalentTo("simulator", "smpp", "http");
        catalog.TryGet("SIMULATOR", out var simulator).Should().BeTrue();
        simulator.GetType().Assembly.Should().BeSameAs(typeof(SimulatorCarrierFactory).Assembly, "the built-in carrier wins over a plugin claiming its kind");
        ((SimulatorCarrierFactory)simulator).Network.Should().BeSameAs(provider.GetRequiredService<ISimulatorOutbox>(), "the host's outbox is the factory's network");

        var unknown = () => catalog.Create("pigeon", new CarrierContext("x", new Dictionary<string, string>(), new Conformance.RecordingCallbacks(), NullLogger.Instance));
        unknown.Should().Throw<CarrierConfigurationException>().WithMessage("*pigeon*simulator, smpp*");
    }
}
