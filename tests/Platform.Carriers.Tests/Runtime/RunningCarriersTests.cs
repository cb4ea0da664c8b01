using Microsoft.Extensions.Logging.Abstractions;
using Platform.Carriers.Abstractions;
using Platform.Carriers.Runtime;
using Platform.Carriers.Runtime.Limits;
using Platform.Carriers.Tests.Conformance;

namespace Platform.Carriers.Tests.Runtime;

/// <summary>The runtime's running instances: started from configuration, misconfigurations kept with their error, routes, and the rate shared among the live nodes.</summary>
public sealed class RunningCarriersTests
{
    private sealed class FakeFactory : ICarrierFactory
    {
        public string Kind => "fake";

        public IReadOnlyList<string> ValidateSettings(IReadOnlyDictionary<string, string> settings) =>
            settings.ContainsKey("Broken") ? ["Broken is not a setting a fake carrier understands."] : [];

        // …6 fails before reaching the carrier, …7 reaches it with the answer lost; everything else is accepted.
        public ICarrier Create(CarrierContext context) => new FakeCarrier(context.InstanceName, m =>
            m.To.EndsWith('6') ? SubmitResult.Failed("busy") : m.To.EndsWith('7') ? SubmitResult.Unknown("answer lost") : SubmitResult.Accepted(Guid.NewGuid().ToString("N")));
    }

    private sealed class FixedClusterNodes(int nodes) : IClusterNodes
    {
        public Task<int> LiveNodesAsync(CancellationToken cancellationToken) => Task.FromResult(nodes);
    }

    private static RunningCarriers Build(int liveNodes = 1) => new(
        new CarrierFactoryCatalog([new FakeFactory()]),
        new FixedClusterNodes(liveNodes),
        _ => new RecordingCallbacks(),
        NullLoggerFactory.Instance,
        TimeProvider.System);

    private static CarrierInstanceOptions Instance(string name, string kind = "fake", int maxPerSecond = 0, bool enabled = true, Dictionary<string, string>? settings = null) =>
        new() { Name = name, Kind = kind, MaxPerSecond = maxPerSecond, Enabled = enabled, Settings = settings ?? [] };

    [Fact]
    public async Task Enabled_instances_start_and_the_routes_send_through_them()
    {
        var carriers = Build();

        await carriers.ReplaceAsync([Instance("a"), Instance("off", enabled: false)], [new CarrierRouteOptions { Prefix = "+", Instance = "a", Priority = 1 }], CancellationToken.None);

        carriers.Instances.Should().ContainSingle().Which.State.Connected.Should().BeTrue();
        var sent = await carriers.Router.SendAsync([new OutboundMessage(Guid.NewGuid(), "P", "+4612345678", "hi", false)], CancellationToken.None);
        sent.Should().ContainSingle().Which.InstanceName.Should().Be("a");
        carriers.Instances[0].Sent.Should().Be(1);
    }

    [Fact]
    public async Task Each_instance_counts_sent_failed_and_unknown_apart()
    {
        var carriers = Build();
        await carriers.ReplaceAsync([Instance("a")], [new CarrierRouteOptions { Prefix = "+", Instance = "a", Priority = 1 }], CancellationToken.None);

        await carriers.Router.SendAsync(
            new[] { "+4612345678", "+4612345676", "+4612345677", "+4612345687" }.Select(to => new OutboundMessage(Guid.NewGuid(), "P", to, "hi", false)).ToList(),
            CancellationToken.None);

        var instance = carriers.Instances.Single();
        (instance.Sent, instance.Failed, instance.Unknown).Should().Be((1L, 1L, 2L));
    }

    [Fact]
    public async Task An_unknown_kind_or_bad_settings_keep_the_instance_with_its_error_and_routes_to_nothing_are_ignored()
    {
        var carriers = Build();

        await carriers.ReplaceAsync(
            [Instance("ghost", kind: "pigeon"), Instance("broken", settings: new() { ["Broken"] = "yes" })],
            [new CarrierRouteOptions { Prefix = "+", Instance = "nowhere" }],
            CancellationToken.None);

        carriers.Instances.Single(i => i.Name == "ghost").LastError.Should().Be("No carrier of kind 'pigeon' is installed (installed: fake).");
        carriers.Instances.Single(i => i.Name == "broken").LastError.Should().StartWith("Configuration: Broken");
        carriers.Router.Candidates("+4612345678").Should().BeEmpty();
    }

    [Fact]
    public async Task Each_instance_takes_this_nodes_share_of_its_rate()
    {
        var carriers = Build(liveNodes: 3);
        await carriers.ReplaceAsync([Instance("limited", maxPerSecond: 300), Instance("free")], [], CancellationToken.None);
        carriers.Instances.Single(i => i.Name == "limited").RatePerSecond.Should().Be(300);

        await carriers.ShareRateLimitsAsync(CancellationToken.None);

        carriers.Instances.Single(i => i.Name == "limited").RatePerSecond.Should().Be(100);
        carriers.Instances.Single(i => i.Name == "free").RatePerSecond.Should().Be(0);
    }
}
