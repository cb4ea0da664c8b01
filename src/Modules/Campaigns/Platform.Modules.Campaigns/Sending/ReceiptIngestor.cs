using System.Threading.Channels;
using MediatR;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Platform.Modules.Campaigns.Domain;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Sending;

/// <summary>
/// Receipts arrive one by one from the carriers; they are written in batches (one UPDATE … FROM unnest per batch).
/// A carrier's callback completes only once its receipt's batch is committed, so a carrier acknowledges nothing that
/// a crash could lose, and under load batches grow by themselves (everything that arrived during the last write).
/// </summary>
internal sealed class ReceiptIngestor(MessageStore store, ILogger<ReceiptIngestor> logger) : BackgroundService
{
    private const int MaxBatch = 5000;
    private readonly Channel<(ReceiptRow Receipt, TaskCompletionSource Done)> queue =
        Channel.CreateBounded<(ReceiptRow, TaskCompletionSource)>(new BoundedChannelOptions(100_000) { SingleReader = true });

    public async Task IngestAsync(ReceiptRow receipt, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await queue.Writer.WriteAsync((receipt, done), cancellationToken);
        await done.Task.WaitAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<(ReceiptRow Receipt, TaskCompletionSource Done)>(MaxBatch);
        while (await queue.Reader.WaitToReadAsync(stoppingToken))
        {
            while (batch.Count < MaxBatch && queue.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            try
            {
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                await store.ApplyReceiptsAsync(batch.Select(b => b.Receipt).ToList(), stoppingToken);
                logger.LogDebug("{Count} receipts stored in {Elapsed} ms", batch.Count, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                batch.ForEach(b => b.Done.TrySetResult());
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                logger.LogError(exception, "{Count} delivery receipts could not be stored; the carriers will deliver them again", batch.Count);
                batch.ForEach(b => b.Done.TrySetException(exception));
            }

            batch.Clear();
        }
    }

    /// <summary>The carrier's status word as a message state; null for a status that changes nothing (unknown, en route).</summary>
    public static MessageState? StateOf(string status) => status switch
    {
        "Delivered" => MessageState.Delivered,
        "Failed" or "Rejected" => MessageState.Failed,
        "Expired" => MessageState.Expired,
        _ => null,
    };
}

/// <summary>Every receipt the carriers report goes to the ingestor (receipts of transactional texts find no message and age out).</summary>
internal sealed class DeliveryReceiptHandler(ReceiptIngestor ingestor) : INotificationHandler<DeliveryReceiptReceived>
{
    public Task Handle(DeliveryReceiptReceived notification, CancellationToken cancellationToken) =>
        ReceiptIngestor.StateOf(notification.Status) is { } state
            ? ingestor.IngestAsync(new ReceiptRow(notification.CarrierMessageId, state, notification.ErrorCode, notification.At.ToUniversalTime()), cancellationToken)
            : Task.CompletedTask;
}
