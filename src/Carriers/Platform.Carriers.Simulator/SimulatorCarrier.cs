using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Platform.Carriers.Abstractions;

namespace Platform.Carriers.Simulator;

/// <summary>
/// A carrier that needs no network: it accepts every message and answers with receipts after a delay, with outcomes
/// chosen by the destination number's last two digits so tests and demos can exercise every path:
/// <list type="bullet">
/// <item>…13: accepted, the receipt says Failed.</item>
/// <item>…14: accepted, no receipt ever comes.</item>
/// <item>…15: Rejected at submit (permanent).</item>
/// <item>…16: Failed at submit (transient).</item>
/// <item>anything else: accepted, the receipt says Delivered.</item>
/// </list>
/// <c>LoseAnswerEvery</c> = N makes every Nth submit Unknown: the handset gets the message, the answer is "lost" and no
/// receipt comes, as when a real carrier's connection drops after the submit went out. (Not a number suffix: tests count
/// on every other ending being delivered.)
/// </summary>
internal sealed class SimulatorCarrier : ICarrier
{
    private const int MaxParts = 10;

    private readonly CarrierContext _context;
    private readonly SimulatorSettings _settings;
    private readonly SimulatorNetwork _network;
    private readonly SemaphoreSlim _window;
    // Receipts wait here in acceptance order; with one delay for all, that is also due order, so a single pump
    // with one timer at a time serves any rate (no Task.Delay per message).
    private readonly Channel<PendingReceipt> _receipts = Channel.CreateUnbounded<PendingReceipt>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly string _idPrefix = "sim-" + Guid.NewGuid().ToString("N")[..8] + "-";
    private long _nextId;
    private long _submits;
    private int _inFlight;
    private int _state; // 0 created, 1 started, 2 stopped
    private Task _receiptPump = Task.CompletedTask;

    public SimulatorCarrier(CarrierContext context, SimulatorSettings settings, SimulatorNetwork network)
    {
        _context = context;
        _settings = settings;
        _network = network;
        _window = new SemaphoreSlim(settings.WindowSize, settings.WindowSize);
        SubmitLatency = settings.SubmitLatency;
        LoseAnswerEvery = settings.LoseAnswerEvery;
    }

    public string InstanceName => _context.InstanceName;

    /// <summary>Starts as the <c>SubmitLatencyMs</c> setting; tests change it to slow the carrier down on the fly.</summary>
    public TimeSpan SubmitLatency { get; set; }

    /// <summary>Starts as the <c>LoseAnswerEvery</c> setting (0: never); tests change it to drop answers on the fly.</summary>
    public int LoseAnswerEvery { get; set; }

    public string Kind => SimulatorCarrierFactory.KindName;

    public CarrierCapabilities Capabilities { get; } = new(MaxParts, SmsAlphabets.Gsm7 | SmsAlphabets.Ucs2, SupportsDeliveryReceipts: true, SupportsInbound: true);

    public CarrierState State => new(Volatile.Read(ref _state) == 1, Volatile.Read(ref _inFlight), null, null);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException($"Simulator '{InstanceName}' was already started.");
        }
        _receiptPump = Task.Run(() => PumpReceiptsAsync(_stopping.Token), CancellationToken.None);
        _network.Register(this);
        _context.Logger.LogInformation("Simulator carrier {Instance} started (receipt delay {Delay} ms, window {Window}).",
            InstanceName, _settings.ReceiptDelay.TotalMilliseconds, _settings.WindowSize);
        return Task.CompletedTask;
    }

    public async Task<IReadOnlyList<SubmitResult>> SendAsync(IReadOnlyList<OutboundMessage> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var results = new SubmitResult[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            if (Volatile.Read(ref _state) != 1)
            {
                results[i] = SubmitResult.Failed("not connected: the simulator is not running");
                continue;
            }
            try
            {
                await _window.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                results[i] = SubmitResult.Failed("cancelled before submit");
                continue;
            }
            Interlocked.Increment(ref _inFlight);
            try
            {
                var latency = SubmitLatency;
                if (latency > TimeSpan.Zero)
                {
                    await Task.Delay(latency, cancellationToken).ConfigureAwait(false);
                }
                results[i] = Submit(batch[i]);
            }
            catch (OperationCanceledException)
            {
                results[i] = SubmitResult.Failed("cancelled before submit");
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
                _window.Release();
            }
        }
        return results;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _state, 2) != 1)
        {
            return;
        }
        _network.Unregister(this);
        _receipts.Writer.TryComplete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _receiptPump.WaitAsync(cancellationToken).ConfigureAwait(false);
        _context.Logger.LogInformation("Simulator carrier {Instance} stopped.", InstanceName);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        _stopping.Dispose();
        _window.Dispose();
    }

    internal Task DeliverInboundAsync(InboundMessage message, CancellationToken cancellationToken) =>
        _context.Callbacks.OnInboundMessageAsync(message, cancellationToken);

    private SubmitResult Submit(OutboundMessage message)
    {
        var to = message.To.Trim().TrimStart('+');
        if (to.EndsWith("15", StringComparison.Ordinal))
        {
            return SubmitResult.Rejected("simulated permanent rejection (destination ends in 15)");
        }
        if (to.EndsWith("16", StringComparison.Ordinal))
        {
            return SubmitResult.Failed("simulated transient failure (destination ends in 16)");
        }
        var parts = SmsEncoding.Analyze(message.Text).Segments;
        if (parts > MaxParts)
        {
            return SubmitResult.Rejected($"text needs {parts} parts, the simulator takes at most {MaxParts}");
        }

        var carrierId = _idPrefix + Interlocked.Increment(ref _nextId).ToString("x", System.Globalization.CultureInfo.InvariantCulture);
        var now = DateTimeOffset.UtcNow;
        if (_settings.RecordOutbox)
        {
            _network.Record(new HandsetMessage(message.From, to, message.Text, now, carrierId), _settings.OutboxCapacityPerHandset);
        }
        var every = LoseAnswerEvery;
        if (every > 0 && Interlocked.Increment(ref _submits) % every == 0)
        {
            // The handset has it (recorded above); only the answer is gone, so the host must not send it again.
            return SubmitResult.Unknown("simulated lost answer: the message was delivered, the connection dropped before the carrier answered");
        }
        if (message.RequestReceipt && !to.EndsWith("14", StringComparison.Ordinal))
        {
            var failed = to.EndsWith("13", StringComparison.Ordinal);
            var receipt = new DeliveryReceipt(carrierId, failed ? DeliveryStatus.Failed : DeliveryStatus.Delivered, failed ? "001" : "000", now);
            _receipts.Writer.TryWrite(new PendingReceipt(Stopwatch.GetTimestamp(), receipt));
        }
        return SubmitResult.Accepted(carrierId);
    }

    private async Task PumpReceiptsAsync(CancellationToken stopping)
    {
        // Like an SMSC with a window, the simulator has many receipts outstanding at once: the host acknowledges each
        // when it has stored it, and a host that stores them in batches needs them to arrive concurrently.
        using var outstanding = new SemaphoreSlim(_settings.ReceiptWindow, _settings.ReceiptWindow);
        try
        {
            await foreach (var pending in _receipts.Reader.ReadAllAsync(stopping).ConfigureAwait(false))
            {
                var wait = _settings.ReceiptDelay - Stopwatch.GetElapsedTime(pending.AcceptedAt);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, stopping).ConfigureAwait(false);
                }
                var receipt = pending.Receipt with { Timestamp = DateTimeOffset.UtcNow };
                await outstanding.WaitAsync(stopping).ConfigureAwait(false);
                _ = DeliverReceiptAsync(receipt, outstanding, stopping);
            }
            for (var i = 0; i < _settings.ReceiptWindow; i++)
            {
                await outstanding.WaitAsync(stopping).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping: receipts still waiting are dropped, as a disconnected SMSC would hold them.
        }
    }

    private async Task DeliverReceiptAsync(DeliveryReceipt receipt, SemaphoreSlim outstanding, CancellationToken stopping)
    {
        try
        {
            await _context.Callbacks.OnDeliveryReceiptAsync(receipt, stopping).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The host could not take it: like an SMSC, offer it again after the receipt delay (nothing is lost).
            _context.Logger.LogWarning(ex, "Simulator {Instance}: the host failed to take the receipt for {CarrierMessageId}; it will be offered again.", InstanceName, receipt.CarrierMessageId);
            _receipts.Writer.TryWrite(new PendingReceipt(Stopwatch.GetTimestamp(), receipt));
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
        finally
        {
            outstanding.Release();
        }
    }

    private readonly record struct PendingReceipt(long AcceptedAt, DeliveryReceipt Receipt);
}
