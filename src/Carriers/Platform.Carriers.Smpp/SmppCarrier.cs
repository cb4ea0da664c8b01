using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Platform.Carriers.Abstractions;
using Platform.Carriers.Smpp.Protocol;

namespace Platform.Carriers.Smpp;

/// <summary>
/// An SMPP 3.4 ESME client (section 2): binds as a transceiver (or as a transmitter plus a receiver), <c>Sessions</c>
/// times over, submits with a window of outstanding submit_sm per session (a batch is spread over the bound sessions), splits long texts with a concatenation UDH, reports deliver_sm receipts and inbound
/// messages, keeps the link alive with enquire_link, backs off when throttled, reconnects with exponential back-off
/// and unbinds on stop.
/// </summary>
internal sealed class SmppCarrier : ICarrier
{
    private const byte InterfaceVersion = 0x34;
    private static readonly TimeSpan InitialThrottleBackoff = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxThrottleBackoff = TimeSpan.FromSeconds(5);

    private readonly CarrierContext _context;
    private readonly SmppSettings _settings;
    private readonly ILogger _logger;
    // One lane per transmitting bind (transceiver or transmitter), each with its own window: an SMSC counts the window
    // per session, so a lane whose session is down never pushes its share onto another.
    private readonly SubmitLane[] _lanes;
    // The receiving sessions when bound as transmitter plus receiver (in transceiver mode the lanes receive too).
    private readonly SmppSession?[] _receivers;
    // deliver_sm is handled off the read loop, so a slow host callback (or one that sends) never stalls the responses
    // that the window waits for. Receipts are handed to the host concurrently (up to ReceiptWindow), inbound texts in
    // arrival order.
    private readonly Channel<(SmppSession Session, ShortMessagePdu Pdu)> _incoming =
        Channel.CreateUnbounded<(SmppSession, ShortMessagePdu)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly InboundReassembly _reassembly = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _errorLock = new();
    private readonly List<Task> _loops = [];
    private string? _lastError;
    private DateTimeOffset? _lastErrorAt;
    private int _state; // 0 created, 1 started, 2 stopping/stopped
    private int _concatenationReference = Random.Shared.Next(256);
    private long _throttledUntil; // Stopwatch timestamp
    private long _throttleBackoffTicks = InitialThrottleBackoff.Ticks;

    public SmppCarrier(CarrierContext context, SmppSettings settings)
    {
        _context = context;
        _settings = settings;
        _logger = context.Logger;
        _lanes = Enumerable.Range(0, settings.Sessions).Select(_ => new SubmitLane(settings.WindowSize)).ToArray();
        _receivers = new SmppSession?[settings.Sessions];
        Capabilities = new CarrierCapabilities(settings.MaxParts, SmsAlphabets.Gsm7 | SmsAlphabets.Ucs2, SupportsDeliveryReceipts: true, SupportsInbound: true);
    }

    public string Kind => SmppCarrierFactory.KindName;

    public CarrierCapabilities Capabilities { get; }

    public CarrierState State
    {
        get
        {
            lock (_errorLock)
            {
                return new CarrierState(IsConnected, _lanes.Sum(l => l.InFlight), _lastError, _lastErrorAt);
            }
        }
    }

    private bool IsConnected => _lanes.Any(l => l.Bound)
        && (_settings.BindMode == SmppBindMode.Transceiver || Receivers().Any(r => r is { IsClosed: false }));

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException($"SMPP carrier '{_context.InstanceName}' was already started.");
        }
        var stopping = _stopping.Token;
        _loops.Add(Task.Run(() => ProcessIncomingAsync(stopping), CancellationToken.None));
        for (var index = 0; index < _settings.Sessions; index++)
        {
            var lane = index;
            if (_settings.BindMode == SmppBindMode.Transceiver)
            {
                _loops.Add(Task.Run(() => MaintainSessionAsync(SmppCommand.BindTransceiver, lane, stopping), CancellationToken.None));
            }
            else
            {
                _loops.Add(Task.Run(() => MaintainSessionAsync(SmppCommand.BindTransmitter, lane, stopping), CancellationToken.None));
                _loops.Add(Task.Run(() => MaintainSessionAsync(SmppCommand.BindReceiver, lane, stopping), CancellationToken.None));
            }
        }
        return Task.CompletedTask;
    }

    public async Task<IReadOnlyList<SubmitResult>> SendAsync(IReadOnlyList<OutboundMessage> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var results = new SubmitResult[batch.Count];
        // The batch is dealt over the lanes bound now (message i to lane i mod n; a message's parts stay on one session),
        // and the lanes submit at once. With none bound, the first lane answers "not connected" for each message.
        var lanes = _lanes.Where(l => l.Bound).ToArray();
        if (lanes.Length <= 1)
        {
            await SendThroughLaneAsync(lanes.FirstOrDefault() ?? _lanes[0], batch, Enumerable.Range(0, batch.Count).ToArray(), results, cancellationToken).ConfigureAwait(false);
            return results;
        }
        await Task.WhenAll(lanes.Select((lane, k) => SendThroughLaneAsync(lane, batch,
            Enumerable.Range(0, batch.Count).Where(i => i % lanes.Length == k).ToArray(), results, cancellationToken))).ConfigureAwait(false);
        return results;
    }

    private async Task SendThroughLaneAsync(SubmitLane lane, IReadOnlyList<OutboundMessage> batch, int[] indexes, SubmitResult[] results, CancellationToken cancellationToken)
    {
        // Phase 1 submits in batch order, each part waiting for a window slot; phase 2 collects the responses.
        var pending = new Task<SubmitResult>[indexes.Length];
        for (var k = 0; k < indexes.Length; k++)
        {
            pending[k] = await SubmitMessageAsync(lane, batch[indexes[k]], cancellationToken).ConfigureAwait(false);
        }
        for (var k = 0; k < indexes.Length; k++)
        {
            results[indexes[k]] = await pending[k].ConfigureAwait(false);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _state, 2) != 1)
        {
            return;
        }
        // Let outstanding submits get their responses, then unbind each session (section 4.2) before closing.
        try
        {
            while (_lanes.Any(l => l.InFlight > 0) && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(20, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Out of patience: unbind anyway.
        }
        foreach (var session in Sessions())
        {
            try
            {
                await session.RequestAsync(new EmptyPdu(SmppCommand.Unbind), TimeSpan.FromSeconds(2)).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                _logger.LogDebug(ex, "SMPP {Instance}: unbind was not answered.", _context.InstanceName);
            }
            session.Close("unbound on stop");
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        _incoming.Writer.TryComplete();
        try
        {
            await Task.WhenAll(_loops).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The loops end on their own shortly.
        }
        _logger.LogInformation("SMPP {Instance}: stopped.", _context.InstanceName);
    }

    public async ValueTask DisposeAsync()
    {
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await StopAsync(patience.Token).ConfigureAwait(false);
        foreach (var session in Sessions())
        {
            session.Close("disposed");
        }
        _stopping.Dispose();
    }

    private IEnumerable<SmppSession> Sessions() =>
        _lanes.Select(l => l.Session).Concat(Receivers()).OfType<SmppSession>().Distinct().ToList();

    private IEnumerable<SmppSession?> Receivers() => Enumerable.Range(0, _receivers.Length).Select(i => Volatile.Read(ref _receivers[i]));

    // ---- submitting ----

    /// <summary>One transmitting bind's session (null while it is not bound) and its window of outstanding submit_sm.</summary>
    private sealed class SubmitLane(int windowSize)
    {
        private SmppSession? _session;

        public SemaphoreSlim Window { get; } = new(windowSize, windowSize);

        public SmppSession? Session => Volatile.Read(ref _session);

        public bool Bound => Session is { IsClosed: false };

        public int InFlight => windowSize - Window.CurrentCount;

        public void Bind(SmppSession session) => Volatile.Write(ref _session, session);

        public void Unbind(SmppSession? session) => Interlocked.CompareExchange(ref _session, null, session);
    }

    private async Task<Task<SubmitResult>> SubmitMessageAsync(SubmitLane lane, OutboundMessage message, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _state) != 1)
        {
            return Task.FromResult(SubmitResult.Failed("not connected: the carrier is not running"));
        }
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromResult(SubmitResult.Failed("cancelled before submit"));
        }
        var alphabet = SmsEncoding.DetectAlphabet(message.Text);
        var parts = SmsEncoding.Split(message.Text, alphabet);
        if (parts.Count > _settings.MaxParts)
        {
            return Task.FromResult(SubmitResult.Rejected($"the text needs {parts.Count} parts; this carrier allows at most {_settings.MaxParts} (MaxParts)."));
        }
        var pdus = BuildSubmitPdus(message, alphabet, parts);
        var responses = new List<Task<SmppPdu>>(pdus.Length);
        foreach (var pdu in pdus)
        {
            try
            {
                responses.Add(await SendPartAsync(lane, pdu, cancellationToken).ConfigureAwait(false));
            }
            catch (OperationCanceledException)
            {
                // Earlier parts are on their way to the SMSC: sending the message again would repeat them.
                return Task.FromResult(responses.Count == 0
                    ? SubmitResult.Failed("cancelled before submit")
                    : SubmitResult.Unknown($"cancelled after {responses.Count} of {pdus.Length} parts were handed to the connection; not resent"));
            }
            catch (SmppSessionClosedException ex)
            {
                return Task.FromResult(responses.Count == 0
                    ? SubmitResult.Failed($"not connected: {ex.Message}")
                    : SubmitResult.Unknown($"connection lost after {responses.Count} of {pdus.Length} parts were handed to it ({ex.Message}); not resent"));
            }
        }
        return CompleteMessageAsync(lane, pdus, responses, cancellationToken);
    }

    private ShortMessagePdu[] BuildSubmitPdus(OutboundMessage message, SmsAlphabet alphabet, IReadOnlyList<string> parts)
    {
        var alphanumericSender = message.From.Any(c => !char.IsAsciiDigit(c) && c != '+');
        var template = new ShortMessagePdu(SmppCommand.SubmitSm)
        {
            ServiceType = "",
            SourceTon = _settings.SourceTon ?? (byte)(alphanumericSender ? 5 : 1),
            SourceNpi = _settings.SourceNpi ?? (byte)(alphanumericSender ? 0 : 1),
            SourceAddress = message.From.TrimStart('+'),
            DestinationTon = _settings.DestTon,
            DestinationNpi = _settings.DestNpi,
            DestinationAddress = message.To.TrimStart('+'),
            RegisteredDelivery = message.RequestReceipt ? (byte)0x01 : (byte)0x00,
            DataCoding = alphabet == SmsAlphabet.Gsm7 ? DataCoding.SmscDefault : DataCoding.Ucs2,
        };
        if (parts.Count == 1)
        {
            return [template with { ShortMessage = SmsEncoding.Encode(parts[0], alphabet) }];
        }
        var reference = (byte)Interlocked.Increment(ref _concatenationReference);
        var pdus = new ShortMessagePdu[parts.Count];
        for (var i = 0; i < parts.Count; i++)
        {
            var header = SmsEncoding.CreateConcatenationHeader(reference, parts.Count, i + 1);
            pdus[i] = template with { EsmClass = EsmClass.UdhIndicator, ShortMessage = [.. header, .. SmsEncoding.Encode(parts[i], alphabet)] };
        }
        return pdus;
    }

    // Waits for a window slot (and any throttle back-off), then queues the submit_sm. The returned task is its response;
    // the slot is given back when that response (or a timeout, or the connection's end) arrives.
    private async Task<Task<SmppPdu>> SendPartAsync(SubmitLane lane, ShortMessagePdu pdu, CancellationToken cancellationToken)
    {
        await lane.Window.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await WaitOutThrottleAsync(cancellationToken).ConfigureAwait(false);
            var session = lane.Session;
            if (session is null || session.IsClosed)
            {
                throw new SmppSessionClosedException(LastErrorOr("no bound transmitter session"));
            }
            var response = session.RequestAsync(pdu, _settings.ResponseTimeout);
            _ = response.ContinueWith(static (_, window) => ((SemaphoreSlim)window!).Release(), lane.Window,
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return response;
        }
        catch
        {
            lane.Window.Release();
            throw;
        }
    }

    private async Task<SubmitResult> CompleteMessageAsync(SubmitLane lane, ShortMessagePdu[] pdus, List<Task<SmppPdu>> responses, CancellationToken cancellationToken)
    {
        // Every part's fate is awaited (each is bounded by the response timeout or the connection's end), because the
        // message's outcome depends on all of them: a Failed part next to an accepted one is no reason to resend.
        var ids = new string[pdus.Length];
        var problems = new SubmitResult?[pdus.Length];
        for (var i = 0; i < pdus.Length; i++)
        {
            (var id, problems[i]) = await AwaitPartAsync(lane, pdus[i], responses[i], cancellationToken).ConfigureAwait(false);
            ids[i] = id ?? "";
        }
        return Combine(ids, problems);
    }

    /// <summary>
    /// One message's outcome from its parts': Accepted when every part was; Unknown when any part's answer was lost or
    /// some parts were accepted and others failed (the handset has part of it, so a resend would repeat that part);
    /// else the first Rejected; else Failed (no part reached the SMSC).
    /// </summary>
    internal static SubmitResult Combine(string[] ids, SubmitResult?[] problems)
    {
        var first = Array.Find(problems, p => p is not null);
        if (first is null)
        {
            return SubmitResult.Accepted(ids[0], ids);
        }
        if (problems.Length == 1)
        {
            return first;
        }
        var accepted = problems.Count(p => p is null);
        var lost = Array.Find(problems, p => p?.Outcome == SubmitOutcome.Unknown);
        if (lost is not null || (accepted > 0 && first.Outcome == SubmitOutcome.Failed))
        {
            return SubmitResult.Unknown($"{accepted} of {problems.Length} parts accepted; {(lost ?? first).Reason}");
        }
        return Array.Find(problems, p => p?.Outcome == SubmitOutcome.Rejected) ?? first;
    }

    private async Task<(string? Id, SubmitResult? Problem)> AwaitPartAsync(SubmitLane lane, ShortMessagePdu pdu, Task<SmppPdu> response, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            SmppPdu resp;
            try
            {
                resp = await response.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            // From here on the submit_sm was queued on the session. Whether it was also written to the socket decides
            // between Failed (never reached the SMSC: safe to send again) and Unknown (the SMSC may have it: never resent).
            catch (OperationCanceledException)
            {
                // A queued submit_sm still goes out after the caller stops waiting (it cannot be taken back from the
                // session's queue), so it is as good as written.
                return (null, SubmitResult.Unknown("cancelled while waiting for submit_sm_resp; the SMSC may still accept the message, so it is not resent"));
            }
            catch (SmppResponseTimeoutException ex)
            {
                return (null, ex.Written
                    ? SubmitResult.Unknown($"no submit_sm_resp within {_settings.ResponseTimeout.TotalSeconds:0} s after submit_sm was sent; the SMSC may have accepted the message, so it is not resent")
                    : SubmitResult.Failed($"submit_sm not sent within {_settings.ResponseTimeout.TotalSeconds:0} s (the connection was backed up)"));
            }
            catch (SmppSessionClosedException ex)
            {
                return (null, ex.Written
                    ? SubmitResult.Unknown($"connection lost after submit_sm was sent, before submit_sm_resp; the SMSC may have accepted the message, so it is not resent ({ex.Message})")
                    : SubmitResult.Failed($"not connected: the connection was lost before submit_sm was sent ({ex.Message})"));
            }
            catch (SmppProtocolException ex)
            {
                return (null, SubmitResult.Unknown($"malformed submit_sm_resp, so whether the SMSC took the message cannot be told: {ex.Message}"));
            }

            if (resp.Status == SmppStatus.Ok && resp is MessageIdRespPdu { MessageId.Length: > 0 } accepted)
            {
                NoteNotThrottled();
                return (accepted.MessageId, null);
            }
            if (resp.Status == SmppStatus.Ok)
            {
                return (null, SubmitResult.Failed("the SMSC answered submit_sm without a message_id"));
            }
            var description = $"{(resp.Command == SmppCommand.GenericNack ? "generic_nack" : "submit_sm_resp")} {SmppStatus.Describe(resp.Status)}";
            if (!SmppStatus.IsThrottling(resp.Status))
            {
                return (null, SmppStatus.IsTransient(resp.Status) ? SubmitResult.Failed(description) : SubmitResult.Rejected(description));
            }
            NoteThrottled();
            if (attempt >= _settings.ThrottleRetries)
            {
                return (null, SubmitResult.Failed($"throttled by the SMSC: {description}, still after {attempt} retries"));
            }
            try
            {
                response = await SendPartAsync(lane, pdu, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return (null, SubmitResult.Failed("cancelled while backing off after throttling"));
            }
            catch (SmppSessionClosedException ex)
            {
                return (null, SubmitResult.Failed($"not connected: {ex.Message}"));
            }
        }
    }

    // Throttling (ESME_RTHROTTLED / ESME_RMSGQFUL) pauses every sender for a back-off that doubles while the SMSC
    // keeps throttling and resets on the first accepted submit.
    private void NoteThrottled()
    {
        var backoff = Interlocked.Read(ref _throttleBackoffTicks);
        Interlocked.Exchange(ref _throttledUntil, Stopwatch.GetTimestamp() + (long)(TimeSpan.FromTicks(backoff).TotalSeconds * Stopwatch.Frequency));
        Interlocked.Exchange(ref _throttleBackoffTicks, Math.Min(backoff * 2, MaxThrottleBackoff.Ticks));
        _logger.LogDebug("SMPP {Instance}: throttled by the SMSC; pausing submits for {Backoff} ms.", _context.InstanceName, TimeSpan.FromTicks(backoff).TotalMilliseconds);
    }

    private void NoteNotThrottled()
    {
        if (Interlocked.Read(ref _throttleBackoffTicks) != InitialThrottleBackoff.Ticks)
        {
            Interlocked.Exchange(ref _throttleBackoffTicks, InitialThrottleBackoff.Ticks);
        }
    }

    private async Task WaitOutThrottleAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var remaining = Interlocked.Read(ref _throttledUntil) - Stopwatch.GetTimestamp();
            if (remaining <= 0)
            {
                return;
            }
            await Task.Delay(TimeSpan.FromSeconds((double)remaining / Stopwatch.Frequency), cancellationToken).ConfigureAwait(false);
        }
    }

    // ---- sessions ----

    private async Task MaintainSessionAsync(SmppCommand bindCommand, int lane, CancellationToken stopping)
    {
        var role = bindCommand switch
        {
            SmppCommand.BindTransceiver => "transceiver",
            SmppCommand.BindTransmitter => "transmitter",
            _ => "receiver",
        };
        var name = _settings.Sessions == 1 ? $"{_context.InstanceName}/{role}" : $"{_context.InstanceName}/{role}#{lane + 1}";
        var delay = _settings.ReconnectMinDelay;
        while (!stopping.IsCancellationRequested)
        {
            SmppSession? session = null;
            try
            {
                session = await SmppSession.ConnectAsync(_settings.Host, _settings.Port, _settings.ConnectTimeout, name, _logger, OnDeliverSm, stopping).ConfigureAwait(false);
                var bind = new BindPdu(bindCommand, _settings.SystemId, _settings.Password, _settings.SystemType, InterfaceVersion, 0, 0, "");
                var response = await session.RequestAsync(bind, _settings.ResponseTimeout).WaitAsync(stopping).ConfigureAwait(false);
                if (response.Status != SmppStatus.Ok)
                {
                    throw new SmppSessionClosedException($"{name}: bind refused with {SmppStatus.Describe(response.Status)}");
                }
                _logger.LogInformation("SMPP {Session}: bound to {Host}:{Port} as {SystemId}.", name, _settings.Host, _settings.Port, _settings.SystemId);
                if (bindCommand != SmppCommand.BindReceiver)
                {
                    _lanes[lane].Bind(session);
                }
                if (bindCommand == SmppCommand.BindReceiver)
                {
                    Volatile.Write(ref _receivers[lane], session);
                }
                delay = _settings.ReconnectMinDelay;
                await KeepAliveAsync(session, stopping).ConfigureAwait(false);
                if (!stopping.IsCancellationRequested)
                {
                    RecordError($"{name}: connection lost ({session.CloseReason})");
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                RecordError($"{name}: {ex.Message}");
            }
            finally
            {
                _lanes[lane].Unbind(session);
                Interlocked.CompareExchange(ref _receivers[lane], null, session);
                if (session is not null)
                {
                    await session.DisposeAsync().ConfigureAwait(false);
                }
            }
            try
            {
                // Exponential back-off with jitter, so a fleet of instances does not reconnect in lock-step.
                var jittered = delay * (0.8 + 0.4 * Random.Shared.NextDouble());
                await Task.Delay(jittered, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _settings.ReconnectMaxDelay.Ticks));
        }
    }

    // Sends enquire_link every EnquireLinkSeconds (section 4.11) until the session closes; an unanswered one closes it.
    private async Task KeepAliveAsync(SmppSession session, CancellationToken stopping)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, session.ClosedToken);
        using var timer = new PeriodicTimer(_settings.EnquireLinkInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(linked.Token).ConfigureAwait(false))
            {
                try
                {
                    await session.RequestAsync(new EmptyPdu(SmppCommand.EnquireLink), _settings.ResponseTimeout).ConfigureAwait(false);
                }
                catch (SmppResponseTimeoutException)
                {
                    session.Close("enquire_link was not answered");
                }
                catch (SmppSessionClosedException)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Session closed or carrier stopping.
        }
    }

    // ---- receipts and inbound ----

    private void OnDeliverSm(SmppSession session, ShortMessagePdu pdu) => _incoming.Writer.TryWrite((session, pdu));

    private async Task ProcessIncomingAsync(CancellationToken stopping)
    {
        // Receipts are many and independent: the host stores them in batches, so a receipt waiting for its batch's commit
        // must not hold up the next one (one at a time, batches held one receipt: ~500/s, issue #16). Each is acknowledged
        // once the host has it, so a host that dies first gets it again from the SMSC.
        // Not disposed: receipts still in the host when the loop ends release their slot afterwards.
        var receiptSlots = new SemaphoreSlim(_settings.ReceiptWindow);
        try
        {
            await foreach (var (session, pdu) in _incoming.Reader.ReadAllAsync(stopping).ConfigureAwait(false))
            {
                if (DeliverSmInterpreter.IsDeliveryReceipt(pdu))
                {
                    await receiptSlots.WaitAsync(stopping).ConfigureAwait(false);
                    _ = AcknowledgeWhenTakenAsync(session, pdu, receiptSlots, stopping);
                    continue;
                }

                // Inbound texts keep their order (a STOP after a keyword, the parts of a long text).
                Acknowledge(session, pdu, await HandleDeliverSmAsync(pdu, stopping).ConfigureAwait(false));
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping; unacknowledged deliver_sm are re-delivered by the SMSC after the next bind.
        }
    }

    private async Task AcknowledgeWhenTakenAsync(SmppSession session, ShortMessagePdu pdu, SemaphoreSlim receiptSlots, CancellationToken stopping)
    {
        try
        {
            var status = await HandleDeliverSmAsync(pdu, stopping).ConfigureAwait(false);
            if (!stopping.IsCancellationRequested)
            {
                Acknowledge(session, pdu, status);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping: the SMSC delivers the unacknowledged receipt again after the next bind.
        }
        finally
        {
            receiptSlots.Release();
        }
    }

    // Acknowledged only after the host took it: if the host failed, the SMSC delivers it again later.
    // deliver_sm_resp carries a message_id that is unused and set to NULL (section 4.6.2).
    private static void Acknowledge(SmppSession session, ShortMessagePdu pdu, uint status) =>
        session.Send(new MessageIdRespPdu(SmppCommand.DeliverSmResp, "") { Status = status, Sequence = pdu.Sequence });

    private async Task<uint> HandleDeliverSmAsync(ShortMessagePdu pdu, CancellationToken stopping)
    {
        var receivedAt = DateTimeOffset.UtcNow;
        try
        {
            if (DeliverSmInterpreter.IsDeliveryReceipt(pdu))
            {
                var receipt = DeliverSmInterpreter.ReadReceipt(pdu, receivedAt);
                if (receipt is null)
                {
                    // Cannot be matched to anything, now or on re-delivery: acknowledge so it is not sent forever.
                    _logger.LogWarning("SMPP {Instance}: delivery receipt without a message id ignored: {Text}",
                        _context.InstanceName, System.Text.Encoding.Latin1.GetString(pdu.ShortMessage));
                    return SmppStatus.Ok;
                }
                await _context.Callbacks.OnDeliveryReceiptAsync(receipt, stopping).ConfigureAwait(false);
                return SmppStatus.Ok;
            }
            var text = DeliverSmInterpreter.ReadText(pdu, out var concatenation);
            var whole = concatenation is null ? text : _reassembly.Add(pdu.SourceAddress, pdu.DestinationAddress, concatenation, text, receivedAt);
            if (whole is not null)
            {
                await _context.Callbacks.OnInboundMessageAsync(new InboundMessage(pdu.SourceAddress, pdu.DestinationAddress, whole, receivedAt, null), stopping).ConfigureAwait(false);
            }
            return SmppStatus.Ok;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            _logger.LogWarning(ex, "SMPP {Instance}: the host could not take a deliver_sm; answering ESME_RX_T_APPN so the SMSC retries.", _context.InstanceName);
            return SmppStatus.ReceiverTemporaryAppError;
        }
    }

    private void RecordError(string error)
    {
        lock (_errorLock)
        {
            _lastError = error;
            _lastErrorAt = DateTimeOffset.UtcNow;
        }
        _logger.LogWarning("SMPP {Instance}: {Error}", _context.InstanceName, error);
    }

    private string LastErrorOr(string fallback)
    {
        lock (_errorLock)
        {
            return _lastError ?? fallback;
        }
    }
}
