using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Carriers.Abstractions;
using Platform.Carriers.Smpp;
using Platform.Carriers.Tests.Conformance;
using Platform.Carriers.Tests.Smsc;

namespace Platform.Carriers.Tests.Smpp;

/// <summary>SMPP behaviour beyond the conformance kit, against the npm "smpp" SMSC.</summary>
public sealed class SmppCarrierTests(SmscFixture fixture) : IClassFixture<SmscFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private readonly RecordingCallbacks _callbacks = new();
    private readonly List<ICarrier> _carriers = [];

    private SmscProcess Smsc => fixture.Smsc;

    public Task InitializeAsync() => Smsc.ExpectOkAsync(new { cmd = "reset" });

    public async Task DisposeAsync()
    {
        foreach (var carrier in _carriers)
        {
            await carrier.DisposeAsync();
        }
    }

    private async Task<ICarrier> StartAsync(params (string Key, string Value)[] overrides)
    {
        var settings = new Dictionary<string, string>
        {
            ["Host"] = "127.0.0.1",
            ["Port"] = Smsc.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["SystemId"] = "platform",
            ["Password"] = "secret",
            ["ReconnectMinDelayMs"] = "100",
        };
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }
        var carrier = new SmppCarrierFactory().Create(new CarrierContext("smpp-test", settings, _callbacks, NullLogger.Instance));
        _carriers.Add(carrier);
        await carrier.StartAsync(CancellationToken.None);
        await RecordingCallbacks.WaitUntilAsync(() => carrier.State.Connected, Patience, "the bind");
        return carrier;
    }

    private static OutboundMessage Message(string text = "hello", bool receipt = false, string to = "46701234561", string from = "46700000000") =>
        new(Guid.NewGuid(), from, to, text, receipt);

    private async Task<JsonElement> StatsAsync() => await Smsc.StatsAsync();

    [Fact]
    public async Task Binds_as_transceiver_with_the_configured_credentials()
    {
        await StartAsync();
        var bind = (await StatsAsync()).GetProperty("binds").EnumerateArray().Single();
        bind.GetProperty("cmd").GetString().Should().Be("bind_transceiver");
        bind.GetProperty("system_id").GetString().Should().Be("platform");
        bind.GetProperty("password").GetString().Should().Be("secret");
        bind.GetProperty("interface_version").GetInt32().Should().Be(0x34);
    }

    [Fact]
    public async Task Transmitter_and_receiver_mode_binds_two_sessions_and_still_gets_receipts()
    {
        var carrier = await StartAsync(("BindMode", "TransmitterAndReceiver"));
        var results = await carrier.SendAsync([Message(receipt: true)], CancellationToken.None);

        results[0].Outcome.Should().Be(SubmitOutcome.Accepted);
        await RecordingCallbacks.WaitUntilAsync(() => _callbacks.Receipts.Any(r => r.CarrierMessageId == results[0].CarrierMessageId), Patience, "the receipt on the receiver session");
        (await StatsAsync()).GetProperty("binds").EnumerateArray().Select(b => b.GetProperty("cmd").GetString())
            .Should().BeEquivalentTo("bind_transmitter", "bind_receiver");
    }

    [Fact]
    public async Task Sessions_binds_that_many_times_and_spreads_a_batch_over_them_each_with_its_own_window()
    {
        var carrier = await StartAsync(("Sessions", "3"), ("WindowSize", "4"));
        await RecordingCallbacks.WaitUntilAsync(() => StatsAsync().Result.GetProperty("bySession").GetArrayLength() == 3 && carrier.State.Connected, Patience, "three binds");
        // Answers held back, so each session's window fills before its first answer comes.
        await Smsc.ExpectOkAsync(new { cmd = "delay", ms = 200 });

        var batch = Enumerable.Range(0, 60).Select(i => Message(to: $"4670{i:D6}1")).ToList();
        var results = await carrier.SendAsync(batch, CancellationToken.None);

        results.Should().OnlyContain(r => r.Outcome == SubmitOutcome.Accepted);
        results.Select(r => r.CarrierMessageId).Should().OnlyHaveUniqueItems("each message has its own answer, in batch order");
        var stats = await StatsAsync();
        stats.GetProperty("binds").EnumerateArray().Select(b => b.GetProperty("cmd").GetString()).Should().Equal("bind_transceiver", "bind_transceiver", "bind_transceiver");
        var sessions = stats.GetProperty("bySession").EnumerateArray().ToList();
        sessions.Select(x => x.GetProperty("submits").GetInt32()).Should().Equal(20, 20, 20);
        sessions.Should().OnlyContain(x => x.GetProperty("maxOutstanding").GetInt32() == 4, "each session fills its own window of 4 and never goes over it");
        stats.GetProperty("maxOutstanding").GetInt32().Should().Be(12, "the three windows are in use at once");
    }

    [Fact]
    public async Task Gsm_text_goes_as_data_coding_0_and_unicode_as_8()
    {
        var carrier = await StartAsync();
        await carrier.SendAsync([Message("plain GSM €")], CancellationToken.None);
        var gsm = (await StatsAsync()).GetProperty("lastSubmit");
        gsm.GetProperty("data_coding").GetInt32().Should().Be(0);
        gsm.GetProperty("registered_delivery").GetInt32().Should().Be(0);
        gsm.GetProperty("source_addr_ton").GetInt32().Should().Be(1);

        await carrier.SendAsync([Message("Привет", receipt: true, from: "Platform")], CancellationToken.None);
        var ucs2 = (await StatsAsync()).GetProperty("lastSubmit");
        ucs2.GetProperty("data_coding").GetInt32().Should().Be(8);
        ucs2.GetProperty("registered_delivery").GetInt32().Should().Be(1);
        ucs2.GetProperty("source_addr_ton").GetInt32().Should().Be(5, "an alphanumeric sender is TON 5");
    }

    [Fact]
    public async Task Long_messages_are_split_with_a_concatenation_udh()
    {
        var carrier = await StartAsync();
        var results = await carrier.SendAsync([Message(new string('a', 400), receipt: true)], CancellationToken.None);

        results[0].Outcome.Should().Be(SubmitOutcome.Accepted);
        results[0].PartMessageIds.Should().HaveCount(3);
        var stats = await StatsAsync();
        stats.GetProperty("submits").GetInt32().Should().Be(3);
        stats.GetProperty("lastSubmit").GetProperty("esm_class").GetInt32().Should().Be(0x40);
        await RecordingCallbacks.WaitUntilAsync(() => results[0].PartMessageIds.All(id => _callbacks.Receipts.Any(r => r.CarrierMessageId == id)), Patience, "a receipt per part");
    }

    [Fact]
    public async Task Throttling_backs_off_and_then_succeeds()
    {
        var carrier = await StartAsync();
        await Smsc.ExpectOkAsync(new { cmd = "throttle", count = 2 });

        var results = await carrier.SendAsync([Message()], CancellationToken.None);

        results[0].Outcome.Should().Be(SubmitOutcome.Accepted);
        (await StatsAsync()).GetProperty("throttled").GetInt32().Should().Be(2);
    }

    [Fact]
    public async Task Persistent_throttling_ends_in_a_transient_failure()
    {
        var carrier = await StartAsync(("ThrottleRetries", "2"));
        await Smsc.ExpectOkAsync(new { cmd = "throttle", count = 100 });

        var results = await carrier.SendAsync([Message()], CancellationToken.None);

        results[0].Outcome.Should().Be(SubmitOutcome.Failed);
        results[0].Reason.Should().Contain("ESME_RTHROTTLED");
        (await StatsAsync()).GetProperty("throttled").GetInt32().Should().Be(3, "one try and two retries");
    }

    [Fact]
    public async Task A_receipt_arriving_before_the_submit_resp_is_not_lost()
    {
        var carrier = await StartAsync(("WindowSize", "5"));
        await Smsc.ExpectOkAsync(new { cmd = "receiptFirst", on = true });

        var results = await carrier.SendAsync(Enumerable.Range(0, 30).Select(i => Message(receipt: true, to: $"4670{i:D6}1")).ToList(), CancellationToken.None);

        results.Should().OnlyContain(r => r.Outcome == SubmitOutcome.Accepted);
        var ids = results.Select(r => r.CarrierMessageId!).ToHashSet();
        await RecordingCallbacks.WaitUntilAsync(() => ids.IsSubsetOf(_callbacks.Receipts.Select(r => r.CarrierMessageId)), Patience, "every receipt");
    }

    [Fact]
    public async Task Receipts_are_handed_to_the_host_many_at_once_and_each_is_acknowledged_only_once_the_host_has_it()
    {
        // A host that holds every receipt until the test lets go: handed over one at a time (issue #16's ~500/s), only one
        // would ever be with it, and the test would time out waiting for 20.
        var host = new GatedCallbacks();
        var carrier = new SmppCarrierFactory().Create(new CarrierContext("smpp-gated", new Dictionary<string, string>
        {
            ["Host"] = "127.0.0.1",
            ["Port"] = Smsc.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["SystemId"] = "platform",
            ["Password"] = "secret",
            ["WindowSize"] = "64",
        }, host, NullLogger.Instance));
        _carriers.Add(carrier);
        await carrier.StartAsync(CancellationToken.None);
        await RecordingCallbacks.WaitUntilAsync(() => carrier.State.Connected, Patience, "the bind");

        var results = await carrier.SendAsync(Enumerable.Range(0, 50).Select(i => Message(receipt: true, to: $"4671{i:D6}1")).ToList(), CancellationToken.None);

        await RecordingCallbacks.WaitUntilAsync(() => host.MostAtOnce >= 20, Patience, "20 receipts with the host at once");
        (await StatsAsync()).GetProperty("deliverSmResps").GetInt32().Should().Be(0, "nothing is acknowledged before the host has it");
        host.Open();
        var ids = results.Select(r => r.CarrierMessageId!).ToHashSet();
        await RecordingCallbacks.WaitUntilAsync(() => ids.IsSubsetOf(host.Taken.Select(r => r.CarrierMessageId)), Patience, "every receipt");
        await RecordingCallbacks.WaitUntilAsync(() => StatsAsync().Result.GetProperty("deliverSmResps").GetInt32() == 50, Patience, "every deliver_sm_resp");
        host.Taken.Select(r => r.CarrierMessageId).Should().OnlyHaveUniqueItems();
    }

    /// <summary>Host callbacks that keep every receipt waiting until the test calls <see cref="Open"/>, counting how many wait at once.</summary>
    private sealed class GatedCallbacks : ICarrierCallbacks
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly System.Collections.Concurrent.ConcurrentQueue<DeliveryReceipt> _taken = new();
        private int _waiting;
        private int _mostAtOnce;

        public int MostAtOnce => Volatile.Read(ref _mostAtOnce);

        public IReadOnlyCollection<DeliveryReceipt> Taken => _taken;

        public void Open() => _gate.TrySetResult();

        public async Task OnDeliveryReceiptAsync(DeliveryReceipt receipt, CancellationToken cancellationToken)
        {
            var now = Interlocked.Increment(ref _waiting);
            int seen;
            while ((seen = Volatile.Read(ref _mostAtOnce)) < now && Interlocked.CompareExchange(ref _mostAtOnce, now, seen) != seen)
            {
            }

            await _gate.Task.WaitAsync(cancellationToken);
            Interlocked.Decrement(ref _waiting);
            _taken.Enqueue(receipt);
        }

        public Task OnInboundMessageAsync(InboundMessage message, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    [Fact]
    public async Task Undeliverable_receipts_report_failed_with_the_error_code()
    {
        var carrier = await StartAsync();
        var results = await carrier.SendAsync([Message(receipt: true, to: "46701234513")], CancellationToken.None);

        await RecordingCallbacks.WaitUntilAsync(() => _callbacks.Receipts.Count == 1, Patience, "the receipt");
        var receipt = _callbacks.Receipts.Single();
        receipt.CarrierMessageId.Should().Be(results[0].CarrierMessageId);
        receipt.Status.Should().Be(DeliveryStatus.Failed);
        receipt.ErrorCode.Should().Be("001");
    }

    [Fact]
    public async Task A_host_that_cannot_take_a_receipt_is_answered_with_a_temporary_error_so_the_smsc_retries()
    {
        var carrier = await StartAsync();
        _callbacks.FailNext = 1;

        await carrier.SendAsync([Message(receipt: true)], CancellationToken.None);

        await RecordingCallbacks.WaitUntilAsync(() => StatsAsync().Result.GetProperty("deliverSmResps").GetInt32() == 1, Patience, "the deliver_sm_resp");
        (await StatsAsync()).GetProperty("deliverSmRespErrors").EnumerateArray().Select(e => e.GetInt32()).Should().Equal(0x64);
        _callbacks.Receipts.Should().BeEmpty();
    }

    [Theory]
    [InlineData("00000010 00000999 00000000 00000077", 0x03)]                 // unknown command_id
    [InlineData("00000014 00000005 00000000 00000078 00010134", 0x02)]         // deliver_sm cut inside a C-string
    [InlineData("00000010 00000103 00000000 00000079", 0x03)]                 // data_sm: not served
    public async Task Malformed_pdus_from_the_smsc_are_nacked_and_the_session_survives(string hex, int expectedStatus)
    {
        var carrier = await StartAsync();
        await Smsc.ExpectOkAsync(new { cmd = "raw", hex = hex.Replace(" ", "", StringComparison.Ordinal) });

        await RecordingCallbacks.WaitUntilAsync(() => StatsAsync().Result.GetProperty("genericNacks").GetArrayLength() == 1, Patience, "the generic_nack");
        (await StatsAsync()).GetProperty("genericNacks")[0].GetInt32().Should().Be(expectedStatus);
        var results = await carrier.SendAsync([Message()], CancellationToken.None);
        results[0].Outcome.Should().Be(SubmitOutcome.Accepted);
    }

    [Fact]
    public async Task A_bad_tlv_length_in_deliver_sm_is_nacked_with_invalid_parameter_length()
    {
        var carrier = await StartAsync();
        // deliver_sm with a complete body, then a TLV claiming 5 octets with 1 present.
        const string body = "00 01 01 343637303100 01 01 373230303000 00 00 00 00 00 00 00 00 00 02 6869 0427 0005 02";
        var bytes = Convert.FromHexString(body.Replace(" ", "", StringComparison.Ordinal));
        var hex = (16 + bytes.Length).ToString("X8", System.Globalization.CultureInfo.InvariantCulture) + "00000005" + "00000000" + "0000007A" + Convert.ToHexString(bytes);
        await Smsc.ExpectOkAsync(new { cmd = "raw", hex });

        await RecordingCallbacks.WaitUntilAsync(() => StatsAsync().Result.GetProperty("genericNacks").GetArrayLength() == 1, Patience, "the generic_nack");
        (await StatsAsync()).GetProperty("genericNacks")[0].GetInt32().Should().Be(0xC2);
        carrier.State.Connected.Should().BeTrue();
    }

    [Fact]
    public async Task An_impossible_command_length_is_nacked_and_the_client_reconnects()
    {
        var carrier = await StartAsync();
        await Smsc.ExpectOkAsync(new { cmd = "raw", hex = "00000008000000150000000000000001" });

        await RecordingCallbacks.WaitUntilAsync(() => StatsAsync().Result.GetProperty("binds").GetArrayLength() == 2, Patience, "the second bind");
        (await StatsAsync()).GetProperty("genericNacks").EnumerateArray().Select(e => e.GetInt32()).Should().Equal(0x02);
        await RecordingCallbacks.WaitUntilAsync(() => carrier.State.Connected, Patience, "the reconnect");
        (await carrier.SendAsync([Message()], CancellationToken.None))[0].Outcome.Should().Be(SubmitOutcome.Accepted);
    }

    [Fact]
    public async Task A_dropped_connection_is_reported_and_re_established()
    {
        var carrier = await StartAsync();
        await Smsc.ExpectOkAsync(new { cmd = "drop" });

        await RecordingCallbacks.WaitUntilAsync(() => carrier.State.LastError is not null, Patience, "the error to be recorded");
        carrier.State.LastError.Should().Contain("connection lost");
        await RecordingCallbacks.WaitUntilAsync(() => StatsAsync().Result.GetProperty("binds").GetArrayLength() == 2 && carrier.State.Connected, Patience, "the rebind");
        (await carrier.SendAsync([Message()], CancellationToken.None))[0].Outcome.Should().Be(SubmitOutcome.Accepted);
    }

    [Fact]
    public async Task Enquire_link_keeps_the_link_alive()
    {
        await StartAsync(("EnquireLinkSeconds", "1"));
        await RecordingCallbacks.WaitUntilAsync(() => StatsAsync().Result.GetProperty("enquireLinks").GetInt32() >= 2, Patience, "two enquire_links");
    }

    [Fact]
    public async Task Stopping_unbinds()
    {
        var carrier = await StartAsync();
        await carrier.StopAsync(CancellationToken.None);

        (await StatsAsync()).GetProperty("unbinds").GetInt32().Should().Be(1);
        carrier.State.Connected.Should().BeFalse();
    }

    [Fact]
    public async Task Inbound_gsm_text_is_decoded()
    {
        await StartAsync();
        await Smsc.ExpectOkAsync(new { cmd = "inbound", from = "46705550001", to = "72000", text = "Hej {ÅÄÖ}", coding = "gsm" });

        await RecordingCallbacks.WaitUntilAsync(() => _callbacks.Inbound.Count == 1, Patience, "the inbound message");
        _callbacks.Inbound.Single().Text.Should().Be("Hej {ÅÄÖ}");
    }

    [Fact]
    public async Task A_written_submit_whose_response_times_out_is_unknown_and_not_resent()
    {
        var carrier = await StartAsync(("ResponseTimeoutSeconds", "1"));
        await Smsc.ExpectOkAsync(new { cmd = "delay", ms = 3000 });

        var results = await carrier.SendAsync([Message()], CancellationToken.None);

        results[0].Outcome.Should().Be(SubmitOutcome.Unknown, "the SMSC received the submit_sm; only its answer was late");
        results[0].Reason.Should().Contain("no submit_sm_resp").And.Contain("not resent");
        (await Smsc.ReceivedAsync()).Should().ContainSingle();
    }

    [Fact]
    public async Task A_long_message_is_unknown_once_any_part_may_have_reached_the_smsc()
    {
        string[] ids = ["a", "b", ""];
        var failed = SubmitResult.Failed("not connected: the connection was lost before submit_sm was sent");
        var lost = SubmitResult.Unknown("connection lost after submit_sm was sent");
        var rejected = SubmitResult.Rejected("submit_sm_resp ESME_RINVDSTADR");

        SmppCarrier.Combine(["a", "b"], [null, null]).Should().Match<SubmitResult>(r => r.Outcome == SubmitOutcome.Accepted && r.PartMessageIds.SequenceEqual(new[] { "a", "b" }));
        SmppCarrier.Combine(ids, [null, null, failed]).Outcome.Should().Be(SubmitOutcome.Unknown, "two parts are on the handset: a resend would repeat them");
        SmppCarrier.Combine(ids, [failed, failed, failed]).Outcome.Should().Be(SubmitOutcome.Failed, "no part reached the SMSC");
        SmppCarrier.Combine(ids, [failed, lost, failed]).Outcome.Should().Be(SubmitOutcome.Unknown);
        SmppCarrier.Combine(ids, [rejected, failed, failed]).Outcome.Should().Be(SubmitOutcome.Rejected);
        SmppCarrier.Combine([""], [failed]).Should().BeSameAs(failed);
    }

    [Fact]
    public async Task Nothing_listening_is_a_transient_failure_not_a_crash()
    {
        var settings = new Dictionary<string, string> { ["Host"] = "127.0.0.1", ["Port"] = "1", ["SystemId"] = "x", ["ReconnectMinDelayMs"] = "50" };
        var carrier = new SmppCarrierFactory().Create(new CarrierContext("nowhere", settings, _callbacks, NullLogger.Instance));
        _carriers.Add(carrier);
        await carrier.StartAsync(CancellationToken.None);

        await RecordingCallbacks.WaitUntilAsync(() => carrier.State.LastError is not null, Patience, "the connection error");
        carrier.State.Connected.Should().BeFalse();
        var results = await carrier.SendAsync([Message()], CancellationToken.None);
        results[0].Outcome.Should().Be(SubmitOutcome.Failed);
        results[0].Reason.Should().StartWith("not connected");
    }
}
