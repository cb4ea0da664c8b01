using Platform.Carriers.Abstractions;
using Platform.Carriers.Runtime.Routing;

namespace Platform.Carriers.Tests.Runtime;

public sealed class PrefixRouterTests
{
    private static OutboundMessage To(string to) => new(Guid.NewGuid(), "Platform", to, "hi", false);

    private static (PrefixRouter Router, Dictionary<string, ICarrier> Carriers) Build(params FakeCarrier[] carriers)
    {
        var map = carriers.ToDictionary(c => c.Name, c => (ICarrier)c);
        var routes = new[]
        {
            new CarrierRoute("46", "se-main", 1),
            new CarrierRoute("+46", "se-backup", 2),
            new CarrierRoute("4670", "se-mobile", 1),
            new CarrierRoute("", "global", 1),
        };
        return (new PrefixRouter(routes, map), map);
    }

    [Fact]
    public void Longest_prefix_first_then_priority_then_catch_all()
    {
        var (router, _) = Build(new("se-main"), new("se-backup"), new("se-mobile"), new("global"));

        router.Candidates("+46701234567").Should().Equal("se-mobile", "se-main", "se-backup", "global");
        router.Candidates("4681234567").Should().Equal("se-main", "se-backup", "global");
        router.Candidates("4412345").Should().Equal("global");
    }

    [Fact]
    public async Task Transient_failures_fail_over_and_rejections_do_not()
    {
        var main = new FakeCarrier("se-main", m => m.To.EndsWith('6') ? SubmitResult.Failed("busy") : m.To.EndsWith('5') ? SubmitResult.Rejected("bad number") : SubmitResult.Accepted("main-1"));
        var backup = new FakeCarrier("se-backup");
        var (router, _) = Build(main, backup, new("se-mobile") { Connected = false }, new("global"));

        var results = await router.SendAsync([To("4681111111"), To("4681111116"), To("4681111115")], CancellationToken.None);

        results.Select(r => (r.Result.Outcome, r.InstanceName)).Should().Equal(
            (SubmitOutcome.Accepted, "se-main"),
            (SubmitOutcome.Accepted, "se-backup"),
            (SubmitOutcome.Rejected, "se-main"));
        backup.Sent.Should().ContainSingle().Which.To.Should().Be("4681111116");
    }

    [Fact]
    public async Task An_unknown_outcome_stays_with_its_carrier_and_is_never_failed_over()
    {
        // se-main may have the message (its answer was lost): the backup sending it too could deliver it twice.
        var main = new FakeCarrier("se-main", m => m.To.EndsWith('7') ? SubmitResult.Unknown("connection lost after submit_sm was sent") : SubmitResult.Failed("busy"));
        var backup = new FakeCarrier("se-backup");
        var (router, _) = Build(main, backup, new("se-mobile") { Connected = false }, new("global"));

        var results = await router.SendAsync([To("4681111117"), To("4681111116")], CancellationToken.None);

        results.Select(r => (r.Result.Outcome, r.InstanceName)).Should().Equal(
            (SubmitOutcome.Unknown, "se-main"),
            (SubmitOutcome.Accepted, "se-backup"));
        backup.Sent.Should().ContainSingle().Which.To.Should().Be("4681111116", "only the Failed message went on to the next route");
    }

    [Fact]
    public async Task A_disconnected_first_choice_is_skipped_without_a_try()
    {
        var mobile = new FakeCarrier("se-mobile") { Connected = false };
        var main = new FakeCarrier("se-main");
        var (router, _) = Build(main, new("se-backup"), mobile, new("global"));

        var results = await router.SendAsync([To("46701234567")], CancellationToken.None);

        results[0].InstanceName.Should().Be("se-main");
        mobile.Sent.Should().BeEmpty();
    }

    [Fact]
    public async Task No_route_is_a_rejection_and_the_last_failure_stands_when_all_fail()
    {
        var failing = new FakeCarrier("only", _ => SubmitResult.Failed("down"));
        var router = new PrefixRouter([new CarrierRoute("1", "only", 1)], new Dictionary<string, ICarrier> { ["only"] = failing });

        var results = await router.SendAsync([To("4412345"), To("15551234")], CancellationToken.None);

        results[0].Result.Outcome.Should().Be(SubmitOutcome.Rejected);
        results[0].Result.Reason.Should().Contain("no carrier route");
        results[1].Result.Should().Match<SubmitResult>(r => r.Outcome == SubmitOutcome.Failed && r.Reason == "down");
    }

    [Fact]
    public void Routes_to_unknown_instances_are_refused()
    {
        var build = () => new PrefixRouter([new CarrierRoute("1", "ghost", 1)], new Dictionary<string, ICarrier>());
        build.Should().Throw<ArgumentException>().WithMessage("*ghost*");
    }
}
