using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Platform.Carriers.Smpp.Protocol;

namespace Platform.Carriers.Smpp;

/// <summary>The session ended (connection lost, unbound, closed) before a request got its response.
/// <paramref name="written"/>: the request had been handed to the socket, so the SMSC may have acted on it.</summary>
internal sealed class SmppSessionClosedException(string message, bool written = false) : Exception(message)
{
    public bool Written { get; } = written;
}

/// <summary>No response arrived within the response timeout. <paramref name="written"/>: the request had been handed
/// to the socket (a request still queued when its time ran out never reached the SMSC).</summary>
internal sealed class SmppResponseTimeoutException(string message, bool written = true) : Exception(message)
{
    public bool Written { get; } = written;
}

/// <summary>The response could not be decoded.</summary>
internal sealed class SmppProtocolException(string message) : Exception(message);

/// <summary>
/// One TCP connection to an SMSC: frames PDUs off the stream, matches responses to requests by sequence_number,
/// answers enquire_link and unbind, nacks malformed PDUs, and hands deliver_sm to the owner. Writes go through one
/// queue drained by one writer that coalesces PDUs into few socket writes, which is what makes a wide window fast.
/// </summary>
internal sealed class SmppSession : IAsyncDisposable
{
    private const int ReadBufferSize = 64 * 1024;
    private const int WriteBufferSize = 64 * 1024;

    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly ILogger _logger;
    private readonly Action<SmppSession, ShortMessagePdu> _onDeliverSm;
    // Each PDU travels with the request it belongs to (null for PDUs that need no response), so the writer can mark
    // the request written when it hands the bytes to the socket: that is what tells "never sent" from "sent, answer lost".
    private readonly Channel<Outgoing> _outgoing = Channel.CreateUnbounded<Outgoing>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<uint, PendingRequest> _pending = new();
    private readonly CancellationTokenSource _closed = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _sequence;
    private int _closing;
    private Task _writer = Task.CompletedTask;

    private SmppSession(TcpClient client, string name, ILogger logger, Action<SmppSession, ShortMessagePdu> onDeliverSm)
    {
        _client = client;
        _stream = client.GetStream();
        Name = name;
        _logger = logger;
        _onDeliverSm = onDeliverSm;
    }

    /// <summary>For logs: instance name and role.</summary>
    public string Name { get; }

    /// <summary>Completes when the session has closed, for whatever reason.</summary>
    public Task Completion => _completion.Task;

    /// <summary>Cancelled when the session closes.</summary>
    public CancellationToken ClosedToken => _closed.Token;

    /// <summary>True once the session has started closing; safe to read at any time, also after disposal.</summary>
    public bool IsClosed => Volatile.Read(ref _closing) != 0;

    /// <summary>Why the session closed, once it has.</summary>
    public string? CloseReason { get; private set; }

    public int PendingCount => _pending.Count;

    public static async Task<SmppSession> ConnectAsync(string host, int port, TimeSpan timeout, string name, ILogger logger,
        Action<SmppSession, ShortMessagePdu> onDeliverSm, CancellationToken cancellationToken)
    {
        var client = new TcpClient { NoDelay = true };
        try
        {
            using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            connectTimeout.CancelAfter(timeout);
            try
            {
                await client.ConnectAsync(host, port, connectTimeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"Could not connect to {host}:{port} within {timeout.TotalSeconds:0.#} s.");
            }
            var session = new SmppSession(client, name, logger, onDeliverSm);
            session.Start();
            return session;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Sends a request and returns its response (which may carry an error status). Fails with
    /// <see cref="SmppSessionClosedException"/>, <see cref="SmppResponseTimeoutException"/> or <see cref="SmppProtocolException"/>.</summary>
    public Task<SmppPdu> RequestAsync(SmppPdu request, TimeSpan timeout)
    {
        if (_closed.IsCancellationRequested)
        {
            return Task.FromException<SmppPdu>(new SmppSessionClosedException($"{Name}: the session is closed ({CloseReason})."));
        }
        var sequence = NextSequence();
        var pending = new PendingRequest(request.Command, Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency));
        _pending[sequence] = pending;
        if (!_outgoing.Writer.TryWrite(new Outgoing(SmppCodec.Encode(request with { Sequence = sequence }), pending)) || _closed.IsCancellationRequested)
        {
            // Closed in between: make sure the request does not wait for a response that cannot come.
            if (_pending.TryRemove(sequence, out _))
            {
                pending.Source.TrySetException(new SmppSessionClosedException($"{Name}: the session is closed ({CloseReason}).", written: !pending.TryAbandon()));
            }
        }
        return pending.Source.Task;
    }

    /// <summary>Queues a PDU that needs no response (a response of ours, a generic_nack).</summary>
    public bool Send(SmppPdu pdu) => _outgoing.Writer.TryWrite(new Outgoing(SmppCodec.Encode(pdu), null));

    /// <summary>Closes the connection at once; every waiting request fails.</summary>
    public void Close(string reason)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0)
        {
            return;
        }
        CloseReason = reason;
        _logger.LogInformation("SMPP {Session}: closing: {Reason}", Name, reason);
        _outgoing.Writer.TryComplete();
        _closed.Cancel();
        // A request still queued is abandoned (the writer skips it), and the socket is disposed first anyway: one
        // answered "not sent" here can no longer reach the wire.
        _client.Dispose();
        var notWritten = new SmppSessionClosedException($"{Name}: connection closed ({reason}) before the request was sent.");
        var lost = new SmppSessionClosedException($"{Name}: connection closed ({reason}) after the request was sent, before its response arrived.", written: true);
        foreach (var sequence in _pending.Keys)
        {
            if (_pending.TryRemove(sequence, out var pending))
            {
                pending.Source.TrySetException(pending.TryAbandon() ? notWritten : lost);
            }
        }
        _completion.TrySetResult();
    }

    /// <summary>Lets queued PDUs (a final nack or unbind_resp) reach the socket, then closes.</summary>
    public async Task FlushAndCloseAsync(string reason)
    {
        _outgoing.Writer.TryComplete();
        await Task.WhenAny(_writer, Task.Delay(TimeSpan.FromSeconds(1))).ConfigureAwait(false);
        Close(reason);
    }

    public async ValueTask DisposeAsync()
    {
        Close("disposed");
        await _writer.ConfigureAwait(false);
        // _closed is not disposed: it has no timer to free, and State or a keep-alive may still read its token.
    }

    private void Start()
    {
        _writer = Task.Run(WriteLoopAsync);
        _ = Task.Run(ReadLoopAsync);
        _ = Task.Run(SweepTimeoutsAsync);
    }

    private uint NextSequence()
    {
        // sequence_number runs 0x00000001..0x7FFFFFFF and then wraps (section 5.1.4).
        var next = (uint)Interlocked.Increment(ref _sequence) & 0x7FFFFFFF;
        return next == 0 ? (uint)Interlocked.Increment(ref _sequence) & 0x7FFFFFFF : next;
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[ReadBufferSize];
        var start = 0;
        var end = 0;
        try
        {
            while (!_closed.IsCancellationRequested)
            {
                if (end == buffer.Length)
                {
                    // Make room: move the partial PDU to the front, or grow for a PDU larger than the buffer.
                    var pendingLength = end - start;
                    var target = pendingLength == buffer.Length ? new byte[buffer.Length * 2] : buffer;
                    Buffer.BlockCopy(buffer, start, target, 0, pendingLength);
                    buffer = target;
                    start = 0;
                    end = pendingLength;
                }
                var read = await _stream.ReadAsync(buffer.AsMemory(end), _closed.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    Close("the SMSC closed the connection");
                    return;
                }
                end += read;
                while (end - start >= 4)
                {
                    var length = SmppCodec.ReadCommandLength(buffer.AsSpan(start));
                    if (!SmppCodec.IsValidCommandLength(length))
                    {
                        await AbandonStreamAsync(buffer.AsSpan(start, end - start).ToArray(), length).ConfigureAwait(false);
                        return;
                    }
                    if (end - start < length)
                    {
                        break;
                    }
                    HandleFrame(buffer.AsSpan(start, (int)length));
                    start += (int)length;
                }
                if (start == end)
                {
                    start = end = 0;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            Close(_closed.IsCancellationRequested ? CloseReason ?? "closed" : $"read failed: {ex.Message}");
        }
        catch (Exception ex)
        {
            // A bug of ours must end this session, never the process.
            _logger.LogError(ex, "SMPP {Session}: unexpected error while reading.", Name);
            Close($"unexpected error: {ex.Message}");
        }
    }

    // A command_length outside 16..MaxPduLength means we cannot find where the next PDU starts: answer with
    // generic_nack ESME_RINVCMDLEN (section 2.9) and drop the connection; the carrier reconnects.
    private async Task AbandonStreamAsync(byte[] rest, uint length)
    {
        var sequence = rest.Length >= 16 ? BinaryPrimitives.ReadUInt32BigEndian(rest.AsSpan(12)) : 0u;
        _logger.LogWarning("SMPP {Session}: invalid command_length {Length}; answering generic_nack ESME_RINVCMDLEN and reconnecting.", Name, length);
        Send(new EmptyPdu(SmppCommand.GenericNack) { Status = SmppStatus.InvalidCommandLength, Sequence = sequence });
        await FlushAndCloseAsync($"invalid command_length {length}").ConfigureAwait(false);
    }

    private void HandleFrame(ReadOnlySpan<byte> frame)
    {
        var pdu = SmppCodec.Decode(frame, out var error);
        if (pdu is null)
        {
            HandleUndecodable(error!);
            return;
        }
        if (pdu.IsResponse)
        {
            if (_pending.TryRemove(pdu.Sequence, out var pending))
            {
                pending.Source.TrySetResult(pdu);
            }
            else
            {
                _logger.LogDebug("SMPP {Session}: {Command} for unknown sequence {Sequence} ignored (late, after a timeout?).", Name, pdu.Command, pdu.Sequence);
            }
            return;
        }
        switch (pdu.Command)
        {
            case SmppCommand.EnquireLink:
                Send(new EmptyPdu(SmppCommand.EnquireLinkResp) { Sequence = pdu.Sequence });
                break;
            case SmppCommand.Unbind:
                Send(new EmptyPdu(SmppCommand.UnbindResp) { Sequence = pdu.Sequence });
                _ = FlushAndCloseAsync("the SMSC unbound");
                break;
            case SmppCommand.DeliverSm:
                _onDeliverSm(this, (ShortMessagePdu)pdu);
                break;
            default:
                // Requests an ESME does not serve (bind, submit_sm sent to us...): not valid in this direction.
                _logger.LogWarning("SMPP {Session}: unexpected {Command} from the SMSC; answering generic_nack ESME_RINVCMDID.", Name, pdu.Command);
                Send(new EmptyPdu(SmppCommand.GenericNack) { Status = SmppStatus.InvalidCommandId, Sequence = pdu.Sequence });
                break;
        }
    }

    private void HandleUndecodable(PduDecodeError error)
    {
        var isResponse = (error.CommandId & 0x80000000) != 0 && Enum.IsDefined(typeof(SmppCommand), error.CommandId);
        if (isResponse)
        {
            // Responses are never answered; fail the request that waits for it so the message is not stuck.
            _logger.LogWarning("SMPP {Session}: {Problem} (sequence {Sequence}); the request fails.", Name, error.Message, error.Sequence);
            if (_pending.TryRemove(error.Sequence, out var pending))
            {
                pending.Source.TrySetException(new SmppProtocolException(error.Message));
            }
            return;
        }
        if (error.CommandId == (uint)SmppCommand.AlertNotification)
        {
            return; // alert_notification has no response and we do not use it.
        }
        _logger.LogWarning("SMPP {Session}: {Problem} (sequence {Sequence}); answering generic_nack {Status}.",
            Name, error.Message, error.Sequence, SmppStatus.Describe(error.Status));
        Send(new EmptyPdu(SmppCommand.GenericNack) { Status = error.Status, Sequence = error.Sequence });
    }

    private async Task WriteLoopAsync()
    {
        var buffer = new byte[WriteBufferSize];
        var reader = _outgoing.Reader;
        try
        {
            while (await reader.WaitToReadAsync(_closed.Token).ConfigureAwait(false))
            {
                var length = 0;
                while (reader.TryRead(out var item))
                {
                    // Marked before the bytes reach the socket: a write that fails half-way may still have delivered
                    // them, so "written" errs on the side of Unknown, never of a resend. A request already abandoned
                    // (its time ran out while it waited here, and it was answered "not sent") must never go out.
                    if (item.Request is { } request && !request.TryMarkWritten())
                    {
                        continue;
                    }
                    var pdu = item.Bytes;
                    if (pdu.Length > buffer.Length - length)
                    {
                        await _stream.WriteAsync(buffer.AsMemory(0, length), _closed.Token).ConfigureAwait(false);
                        length = 0;
                        if (pdu.Length > buffer.Length)
                        {
                            await _stream.WriteAsync(pdu, _closed.Token).ConfigureAwait(false);
                            continue;
                        }
                    }
                    pdu.CopyTo(buffer, length);
                    length += pdu.Length;
                }
                if (length > 0)
                {
                    await _stream.WriteAsync(buffer.AsMemory(0, length), _closed.Token).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            Close(_closed.IsCancellationRequested ? CloseReason ?? "closed" : $"write failed: {ex.Message}");
        }
    }

    private async Task SweepTimeoutsAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        try
        {
            while (await timer.WaitForNextTickAsync(_closed.Token).ConfigureAwait(false))
            {
                var now = Stopwatch.GetTimestamp();
                foreach (var (sequence, pending) in _pending)
                {
                    if (pending.Deadline < now && _pending.TryRemove(sequence, out _))
                    {
                        // Still queued: abandon it, so the writer skips it and "not sent" stays true.
                        var written = !pending.TryAbandon();
                        pending.Source.TrySetException(new SmppResponseTimeoutException(written
                            ? $"{Name}: no response to {pending.Command} (sequence {sequence}) in time."
                            : $"{Name}: {pending.Command} (sequence {sequence}) was still waiting to be sent when its time ran out.", written));
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Session closed.
        }
    }

    private sealed class PendingRequest(SmppCommand command, long deadline)
    {
        private const int Queued = 0, WrittenState = 1, Abandoned = 2;
        private int _state;

        public SmppCommand Command { get; } = command;
        public long Deadline { get; } = deadline;
        public TaskCompletionSource<SmppPdu> Source { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The writer has handed (or is handing) this request's bytes to the socket.</summary>
        public bool Written => Volatile.Read(ref _state) == WrittenState;

        /// <summary>The writer's claim: false when the request was abandoned first (then it must not be written).</summary>
        public bool TryMarkWritten() => Interlocked.CompareExchange(ref _state, WrittenState, Queued) != Abandoned;

        /// <summary>Gives up a request still queued, so it is never written; false when it was written already.</summary>
        public bool TryAbandon() => Interlocked.CompareExchange(ref _state, Abandoned, Queued) != WrittenState;
    }

    private readonly record struct Outgoing(byte[] Bytes, PendingRequest? Request);
}
