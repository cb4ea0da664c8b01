using Platform.Carriers.Abstractions;
using Platform.Carriers.Smpp;
using Platform.Carriers.Tests.Smsc;

namespace Platform.Carriers.Tests.Conformance;

/// <summary>The conformance kit run against the SMPP client, with the npm "smpp" SMSC as the peer.</summary>
public sealed class SmppConformanceTests(SmscFixture fixture) : CarrierConformanceTests, IClassFixture<SmscFixture>
{
    protected override ICarrierFactory CreateFactory() => new SmppCarrierFactory();

    protected override IReadOnlyDictionary<string, string> ValidSettings() => new Dictionary<string, string>
    {
        ["Host"] = "127.0.0.1",
        ["Port"] = fixture.Smsc.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["SystemId"] = "platform",
        ["Password"] = "secret",
        ["WindowSize"] = "10",
        ["EnquireLinkSeconds"] = "1",
        ["ReconnectMinDelayMs"] = "100",
    };

    protected override IEnumerable<(IReadOnlyDictionary<string, string> Settings, string MentionedSetting)> InvalidSettings()
    {
        IReadOnlyDictionary<string, string> With(string key, string? value)
        {
            var settings = new Dictionary<string, string>(ValidSettings());
            if (value is null)
            {
                settings.Remove(key);
            }
            else
            {
                settings[key] = value;
            }
            return settings;
        }
        yield return (With("Host", null), "Host");
        yield return (With("Port", "two thousand"), "Port");
        yield return (With("Port", "70000"), "Port");
        yield return (With("SystemId", "a-system-id-far-too-long"), "SystemId");
        yield return (With("Password", "longer-than-8"), "Password");
        yield return (With("WindowSize", "0"), "WindowSize");
        yield return (With("BindMode", "sideways"), "BindMode");
        yield return (With("EnquireLinkSeconds", "-1"), "EnquireLinkSeconds");
        yield return (With("SourceTon", "9"), "SourceTon");
    }

    protected override string? PermanentlyRejectedNumber => "46700000015";

    protected override int ExpectedMaxInFlight => 10;

    public override async Task InitializeAsync()
    {
        await fixture.Smsc.ExpectOkAsync(new { cmd = "reset" });
        await base.InitializeAsync();
    }

    protected override Task DeliverInboundFromPeerAsync(string from, string to, string text) =>
        fixture.Smsc.ExpectOkAsync(new { cmd = "inbound", from, to, text, coding = "ucs2" });

    protected override Task SlowPeerDownAsync() => fixture.Smsc.ExpectOkAsync(new { cmd = "delay", ms = 20 });

    protected override Task RestorePeerSpeedAsync() => fixture.Smsc.ExpectOkAsync(new { cmd = "delay", ms = 0 });

    // The SMSC receives submit number afterSubmits + 1 and closes the connection without answering it or the ones
    // still waiting for their (delayed) answer.
    protected override async Task DropConnectionMidWindowAsync(int afterSubmits)
    {
        await fixture.Smsc.ExpectOkAsync(new { cmd = "reset" });
        await fixture.Smsc.ExpectOkAsync(new { cmd = "delay", ms = 20 });
        await fixture.Smsc.ExpectOkAsync(new { cmd = "dropEvery", every = afterSubmits + 1, answer = false, times = 1 });
    }

    protected override async Task<IReadOnlyCollection<string>> DestinationsReceivedByPeerAsync() => [.. await fixture.Smsc.ReceivedAsync()];

    protected override Task RestoreConnectionAsync() => fixture.Smsc.ExpectOkAsync(new { cmd = "dropEvery", every = 0 });

    [Fact]
    public async Task The_smsc_saw_the_window_limit_too()
    {
        await SlowPeerDownAsync();
        var results = await Carrier.SendAsync(Batch(100, receipts: false), CancellationToken.None);
        await RestorePeerSpeedAsync();

        results.Should().OnlyContain(r => r.Outcome == SubmitOutcome.Accepted);
        var maxOutstanding = (await fixture.Smsc.StatsAsync()).GetProperty("maxOutstanding").GetInt32();
        maxOutstanding.Should().Be(10, "the client keeps exactly WindowSize submits outstanding when the SMSC is slow");
    }
}
