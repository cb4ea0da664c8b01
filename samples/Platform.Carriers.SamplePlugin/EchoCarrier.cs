using Microsoft.Extensions.Logging;
using Platform.Carriers.Abstractions;

namespace Platform.Carriers.SamplePlugin;

/// <summary>
/// A carrier with no peer: it accepts every message, reports a Delivered receipt when one was asked for and, when
/// <c>Echo</c> is on, sends the text back as an inbound message from the destination. Replace the body of
/// <see cref="SubmitAsync"/> with a call to your API and you have a real carrier.
/// </summary>
internal sealed class EchoCarrier(CarrierContext context, EchoSettings settings) : ICarrier
{
    private readonly string _idPrefix = "echo-" + Guid.NewGuid().ToString("N")[..8] + "-";
    private long _nextId;
    private long _submits;
    private int _inFlight;
    private int _state; // 0 created, 1 started, 2 stopped

    public string Kind => EchoCarrierFactory.KindName;

    public CarrierCapabilities Capabilities { get; } = new(MaxMessageParts: 10, SmsAlphabets.Gsm7 | SmsAlphabets.Ucs2, SupportsDeliveryReceipts: true, SupportsInbound: true);

    public CarrierState State => new(Volatile.Read(ref _state) == 1, Volatile.Read(ref _inFlight), null, null);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Interlocked.CompareExchange(ref _state, 1, 0);
        context.Logger.LogInformation("Echo carrier {Instance} started.", context.InstanceName);
        return Task.CompletedTask;
    }

    public async Task<IReadOnlyList<SubmitResult>> SendAsync(IReadOnlyList<OutboundMessage> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        // Exactly one result per message, in order; a message's problem is a result, never an exception.
        var results = new List<SubmitResult>(batch.Count);
        foreach (var message in batch)
        {
            if (Volatile.Read(ref _state) != 1)
            {
                results.Add(SubmitResult.Failed("not connected: the echo carrier is not running"));
            }
            else if (cancellationToken.IsCancellationRequested)
            {
                results.Add(SubmitResult.Failed("cancelled before submit"));
            }
            else
            {
                results.Add(await SubmitAsync(message, cancellationToken).ConfigureAwait(false));
            }
        }
        return results;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref _state, 2);
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => new(StopAsync(CancellationToken.None));

    private async Task<SubmitResult> SubmitAsync(OutboundMessage message, CancellationToken cancellationToken)
    {
        if (SmsEncoding.Analyze(message.Text).Segments > Capabilities.MaxMessageParts)
        {
            return SubmitResult.Rejected($"text is longer than {Capabilities.MaxMessageParts} parts");
        }
        Interlocked.Increment(ref _inFlight);
        // The one question that tells Failed from Unknown (SDK 1.1): has the message been handed to the peer? Set it
        // right before the bytes go out (a socket write, an HTTP request body), never after the answer.
        var handedOver = false;
        try
        {
            var id = _idPrefix + Interlocked.Increment(ref _nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var now = DateTimeOffset.UtcNow;
            handedOver = true;
            // Here the "peer" is the echo: the handset answers at once. A real carrier writes the message to its API.
            if (settings.Echo)
            {
                await context.Callbacks.OnInboundMessageAsync(new InboundMessage(message.To, message.From, settings.EchoPrefix + message.Text, now, id + "-mo"), cancellationToken).ConfigureAwait(false);
            }
            if (settings.LoseAnswerEvery > 0 && Interlocked.Increment(ref _submits) % settings.LoseAnswerEvery == 0)
            {
                // Imitates a connection that drops after the peer got the message and before it answered.
                throw new IOException("the connection dropped before the peer answered");
            }
            // A real carrier reports these when its peer sends them (a webhook, a deliver_sm...); the host matches
            // receipts by carrier message id, so a receipt may even arrive before SendAsync returns the id.
            if (message.RequestReceipt)
            {
                await context.Callbacks.OnDeliveryReceiptAsync(new DeliveryReceipt(id, DeliveryStatus.Delivered, null, now), cancellationToken).ConfigureAwait(false);
            }
            return SubmitResult.Accepted(id);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // Never written: Failed, the host may send it again. Written and not answered: Unknown, the peer may have
            // it, so the host records it and never resends it (a resend could deliver it twice).
            return handedOver
                ? SubmitResult.Unknown($"{(ex is OperationCanceledException ? "cancelled" : ex.Message)} after the message was handed to the peer; not resent")
                : SubmitResult.Failed("cancelled before submit");
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }
}
