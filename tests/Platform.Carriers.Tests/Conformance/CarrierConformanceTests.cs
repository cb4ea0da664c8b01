using Microsoft.Extensions.Logging.Abstractions;
using Platform.Carriers.Abstractions;

namespace Platform.Carriers.Tests.Conformance;

/// <summary>
/// The contract every carrier must meet, as tests. To check a carrier, subclass this in a test project, provide a
/// factory, valid settings, some invalid settings and a way to make the peer send an inbound message; every test here
/// then runs against it. See docs/carriers.md.
/// </summary>
public abstract class CarrierConformanceTests : IAsyncLifetime
{
    private ICarrier? _carrier;

    protected RecordingCallbacks Callbacks { get; } = new();

    protected ICarrier Carrier => _carrier ?? throw new InvalidOperationException("The carrier has not been started.");

    /// <summary>The factory under test.</summary>
    protected abstract ICarrierFactory CreateFactory();

    /// <summary>Settings that work against the peer the subclass provides.</summary>
    protected abstract IReadOnlyDictionary<string, string> ValidSettings();

    /// <summary>Broken settings, each with the setting name the problem must mention.</summary>
    protected abstract IEnumerable<(IReadOnlyDictionary<string, string> Settings, string MentionedSetting)> InvalidSettings();

    /// <summary>Makes the peer deliver a message from a handset to our number.</summary>
    protected abstract Task DeliverInboundFromPeerAsync(string from, string to, string text);

    /// <summary>A destination the peer rejects permanently at submit, or null when it has none.</summary>
    protected virtual string? PermanentlyRejectedNumber => null;

    /// <summary>The most submits that may be outstanding at once with <see cref="ValidSettings"/>.</summary>
    protected abstract int ExpectedMaxInFlight { get; }

    /// <summary>Makes the peer slow to answer so the in-flight limit is reached (optional).</summary>
    protected virtual Task SlowPeerDownAsync() => Task.CompletedTask;

    /// <summary>Undoes <see cref="SlowPeerDownAsync"/>.</summary>
    protected virtual Task RestorePeerSpeedAsync() => Task.CompletedTask;

    /// <summary>
    /// Makes the peer drop the connection once, mid-window: it takes <paramref name="afterSubmits"/> submits normally,
    /// then receives the next one(s) and closes the connection without answering them (a carrier with no connection,
    /// like the simulator, loses the answer instead). What the peer received from then on is what
    /// <see cref="DestinationsReceivedByPeerAsync"/> reports. SDK 1.1: every carrier must be able to say "sent, answer lost".
    /// </summary>
    protected abstract Task DropConnectionMidWindowAsync(int afterSubmits);

    /// <summary>The destinations the peer received since <see cref="DropConnectionMidWindowAsync"/>, answered or not.</summary>
    protected abstract Task<IReadOnlyCollection<string>> DestinationsReceivedByPeerAsync();

    /// <summary>Undoes <see cref="DropConnectionMidWindowAsync"/> (the peer answers everything again).</summary>
    protected abstract Task RestoreConnectionAsync();

    protected static TimeSpan Patience { get; } = TimeSpan.FromSeconds(15);

    // Numbers ending in 1 never hit a peer's special test suffixes (13..16).
    protected static string Deliverable(int i) => $"4670{i:D6}1";

    public virtual async Task InitializeAsync()
    {
        _carrier = CreateFactory().Create(new CarrierContext("conformance", ValidSettings(), Callbacks, NullLogger.Instance));
        await _carrier.StartAsync(CancellationToken.None);
        await RecordingCallbacks.WaitUntilAsync(() => _carrier.State.Connected, Patience, "the carrier to connect");
    }

    public virtual async Task DisposeAsync()
    {
        if (_carrier is not null)
        {
            await _carrier.DisposeAsync();
        }
    }

    protected static IReadOnlyList<OutboundMessage> Batch(int count, bool receipts, Func<int, string>? to = null, string text = "Hello from the conformance kit") =>
        Enumerable.Range(0, count)
            .Select(i => new OutboundMessage(Guid.NewGuid(), "46700000000", to?.Invoke(i) ?? Deliverable(i), $"{text} #{i}", receipts))
            .ToList();

    [Fact]
    public void Kind_and_capabilities_are_described()
    {
        Carrier.Kind.Should().Be(CreateFactory().Kind).And.NotBeNullOrWhiteSpace();
        Carrier.Capabilities.MaxMessageParts.Should().BeGreaterThan(0);
        Carrier.Capabilities.SupportedAlphabets.Should().HaveFlag(SmsAlphabets.Gsm7);
    }

    [Fact]
    public async Task A_batch_gets_one_result_per_message_in_order()
    {
        var rejected = PermanentlyRejectedNumber;
        var batch = Batch(40, receipts: false, to: i => rejected is not null && i % 7 == 3 ? rejected : Deliverable(i));

        var results = await Carrier.SendAsync(batch, CancellationToken.None);

        results.Should().HaveCount(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            var expected = batch[i].To == rejected ? SubmitOutcome.Rejected : SubmitOutcome.Accepted;
            results[i].Outcome.Should().Be(expected, $"message {i} went to {batch[i].To} ({results[i].Reason})");
        }
        var accepted = results.Where(r => r.Outcome == SubmitOutcome.Accepted).ToList();
        accepted.Should().OnlyContain(r => !string.IsNullOrEmpty(r.CarrierMessageId) && r.PartMessageIds.Count == 1 && r.Reason == null);
        accepted.Select(r => r.CarrierMessageId).Should().OnlyHaveUniqueItems();
        results.Where(r => r.Outcome == SubmitOutcome.Rejected).Should().OnlyContain(r => !string.IsNullOrWhiteSpace(r.Reason));
    }

    [Fact]
    public async Task Receipts_come_back_for_the_accepted_carrier_ids()
    {
        var results = await Carrier.SendAsync(Batch(25, receipts: true), CancellationToken.None);

        results.Should().OnlyContain(r => r.Outcome == SubmitOutcome.Accepted);
        var ids = results.Select(r => r.CarrierMessageId!).ToHashSet();
        await RecordingCallbacks.WaitUntilAsync(() => ids.IsSubsetOf(Callbacks.Receipts.Select(r => r.CarrierMessageId)), Patience, "a receipt for every accepted message");
        Callbacks.Receipts.Where(r => ids.Contains(r.CarrierMessageId)).Should().OnlyContain(r => r.Status == DeliveryStatus.Delivered);
    }

    [Fact]
    public async Task No_receipt_is_reported_when_none_was_requested()
    {
        var results = await Carrier.SendAsync(Batch(5, receipts: false), CancellationToken.None);
        var withReceipt = await Carrier.SendAsync(Batch(1, receipts: true), CancellationToken.None);

        // The requested receipt arriving shows the peer had time to send the others, had it wanted to.
        await RecordingCallbacks.WaitUntilAsync(() => Callbacks.Receipts.Any(r => r.CarrierMessageId == withReceipt[0].CarrierMessageId), Patience, "the requested receipt");
        var unrequested = results.Select(r => r.CarrierMessageId).ToHashSet();
        Callbacks.Receipts.Should().NotContain(r => unrequested.Contains(r.CarrierMessageId));
    }

    [Fact]
    public async Task Inbound_messages_reach_the_host()
    {
        await DeliverInboundFromPeerAsync("46709999991", "72000", "STOP please, café €5");

        await RecordingCallbacks.WaitUntilAsync(() => Callbacks.Inbound.Count > 0, Patience, "the inbound message");
        var inbound = Callbacks.Inbound.Single();
        inbound.From.Should().Be("46709999991");
        inbound.To.Should().Be("72000");
        inbound.Text.Should().Be("STOP please, café €5");
        inbound.ReceivedAt.Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task The_in_flight_limit_is_respected()
    {
        await SlowPeerDownAsync();
        try
        {
            var maxSeen = 0;
            using var sampling = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                while (!sampling.IsCancellationRequested)
                {
                    maxSeen = Math.Max(maxSeen, Carrier.State.InFlight);
                    await Task.Yield();
                }
            });
            var sends = Enumerable.Range(0, 4).Select(_ => Carrier.SendAsync(Batch(60, receipts: false), CancellationToken.None)).ToList();
            var results = (await Task.WhenAll(sends)).SelectMany(r => r).ToList();
            await sampling.CancelAsync();
            await sampler;

            results.Should().HaveCount(240).And.OnlyContain(r => r.Outcome == SubmitOutcome.Accepted);
            maxSeen.Should().BeLessThanOrEqualTo(ExpectedMaxInFlight);
            Carrier.State.InFlight.Should().Be(0);
        }
        finally
        {
            await RestorePeerSpeedAsync();
        }
    }

    [Fact]
    public async Task A_cancelled_send_returns_promptly_with_a_result_per_message()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var results = await Carrier.SendAsync(Batch(10, receipts: false), cancelled.Token).WaitAsync(Patience);

        results.Should().HaveCount(10).And.OnlyContain(r => r.Outcome == SubmitOutcome.Failed && r.Reason!.StartsWith("cancelled"));
    }

    [Fact]
    public async Task Cancelling_mid_send_leaves_the_carrier_usable()
    {
        await SlowPeerDownAsync();
        IReadOnlyList<SubmitResult> results;
        try
        {
            using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
            results = await Carrier.SendAsync(Batch(2000, receipts: false), cancellation.Token).WaitAsync(Patience);
        }
        finally
        {
            await RestorePeerSpeedAsync();
        }

        // Unknown: written before the cancellation and not answered (SDK 1.1); never Rejected for a deliverable number.
        results.Should().HaveCount(2000).And.OnlyContain(r => r.Outcome == SubmitOutcome.Accepted || r.Outcome == SubmitOutcome.Failed || r.Outcome == SubmitOutcome.Unknown);
        results.Should().Contain(r => r.Outcome == SubmitOutcome.Failed && r.Reason!.StartsWith("cancelled"));
        await RecordingCallbacks.WaitUntilAsync(() => Carrier.State.InFlight == 0, Patience, "the window to drain");
        var after = await Carrier.SendAsync(Batch(3, receipts: false), CancellationToken.None);
        after.Should().OnlyContain(r => r.Outcome == SubmitOutcome.Accepted);
    }

    [Fact]
    public async Task A_peer_dropping_the_connection_mid_window_gives_unknown_for_submits_it_may_have_never_failed()
    {
        // Numbers of their own, so what the peer received in other tests does not count here.
        var batch = Batch(40, receipts: false, to: i => $"4671{i:D6}1");
        await SlowPeerDownAsync(); // so the window is full when the connection drops
        await DropConnectionMidWindowAsync(afterSubmits: 12);
        IReadOnlyList<SubmitResult> results;
        IReadOnlyCollection<string> received;
        try
        {
            results = await Carrier.SendAsync(batch, CancellationToken.None).WaitAsync(Patience * 2);
            received = await DestinationsReceivedByPeerAsync();
        }
        finally
        {
            await RestoreConnectionAsync();
            await RestorePeerSpeedAsync();
        }

        results.Should().HaveCount(batch.Count);
        results.Should().Contain(r => r.Outcome == SubmitOutcome.Unknown, "the peer dropped submits it had received without answering them");
        var got = received.Select(d => d.TrimStart('+')).ToHashSet();
        for (var i = 0; i < batch.Count; i++)
        {
            var result = results[i];
            var because = $"message {i} to {batch[i].To}: {result.Outcome} ({result.Reason})";
            // The one thing that must never happen: the peer has it and we say "not sent", so the host sends it again.
            if (got.Contains(batch[i].To))
            {
                result.Outcome.Should().BeOneOf([SubmitOutcome.Accepted, SubmitOutcome.Unknown], because + " — the peer received it");
            }
            else
            {
                result.Outcome.Should().NotBe(SubmitOutcome.Accepted, because + " — the peer never received it");
            }
            switch (result.Outcome)
            {
                case SubmitOutcome.Accepted:
                    result.CarrierMessageId.Should().NotBeNullOrEmpty(because + " — accepted without an id");
                    break;
                case SubmitOutcome.Unknown:
                    result.Reason.Should().NotBeNullOrWhiteSpace(because);
                    result.CarrierMessageId.Should().BeNull(because);
                    break;
                default:
                    result.Outcome.Should().Be(SubmitOutcome.Failed, because + " — a deliverable number is never rejected for a dropped connection");
                    break;
            }
        }
        received.Should().OnlyHaveUniqueItems("the carrier itself never sends a message twice");

        // The carrier comes back by itself and sends normally again.
        await RecordingCallbacks.WaitUntilAsync(() => Carrier.State.Connected, Patience, "the carrier to reconnect");
        var after = await Carrier.SendAsync(Batch(3, receipts: false), CancellationToken.None);
        after.Should().OnlyContain(r => r.Outcome == SubmitOutcome.Accepted);
    }

    [Fact]
    public async Task A_long_unicode_message_is_one_result()
    {
        var text = string.Concat(Enumerable.Repeat("Привет мир ", 15)); // 165 UCS-2 units: 3 parts
        var results = await Carrier.SendAsync([new OutboundMessage(Guid.NewGuid(), "46700000000", Deliverable(1), text, false)], CancellationToken.None);

        results.Should().ContainSingle().Which.Outcome.Should().Be(SubmitOutcome.Accepted);
        results[0].PartMessageIds.Should().NotBeEmpty().And.Contain(results[0].CarrierMessageId!);
    }

    [Fact]
    public void Valid_settings_have_no_problems()
    {
        CreateFactory().ValidateSettings(ValidSettings()).Should().BeEmpty();
    }

    [Fact]
    public void Bad_configuration_is_rejected_with_a_clear_error()
    {
        var factory = CreateFactory();
        var cases = InvalidSettings().ToList();
        cases.Should().NotBeEmpty("the subclass must give at least one invalid configuration");
        foreach (var (settings, mentioned) in cases)
        {
            var problems = factory.ValidateSettings(settings);
            problems.Should().Contain(p => p.Contains(mentioned, StringComparison.OrdinalIgnoreCase), $"a problem should name {mentioned}");

            var create = () => factory.Create(new CarrierContext("broken", settings, Callbacks, NullLogger.Instance));
            create.Should().Throw<CarrierConfigurationException>()
                .Which.Message.Should().Contain("broken").And.Contain(mentioned);
        }
    }

    [Fact]
    public async Task Stopping_disconnects_and_later_sends_fail_transiently()
    {
        await Carrier.StopAsync(CancellationToken.None);

        Carrier.State.Connected.Should().BeFalse();
        var results = await Carrier.SendAsync(Batch(2, receipts: false), CancellationToken.None);
        results.Should().HaveCount(2).And.OnlyContain(r => r.Outcome == SubmitOutcome.Failed);
    }
}
