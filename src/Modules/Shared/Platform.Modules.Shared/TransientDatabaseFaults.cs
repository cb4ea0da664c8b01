using Microsoft.Extensions.Logging;
using Npgsql;

namespace Platform.Modules.Shared;

/// <summary>
/// The one rule for riding out a database that went away for a moment (a restart, a failover, a network stall):
/// which errors count as transient, and how long to keep trying. Used where giving up costs more than waiting — e.g. a
/// sending run that holds carrier outcomes only in memory (ADR 8: they would otherwise turn Unknown).
/// </summary>
public static class TransientDatabaseFaults
{
    /// <summary>Connection lost or refused, server shutting down or starting, a command or connect that timed out.</summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        NpgsqlException { IsTransient: true } => true,
        // 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now (starting up).
        PostgresException { SqlState: "57P01" or "57P02" or "57P03" } => true,
        NpgsqlException { InnerException: TimeoutException or IOException or System.Net.Sockets.SocketException } => true,
        TimeoutException => true,
        _ => false,
    };

    /// <summary>
    /// Runs <paramref name="operation"/> until it succeeds, retrying transient faults with back-off (0.5 s doubling
    /// to 5 s) for at most <paramref name="budget"/>; then, or on any other error, the last exception is thrown.
    /// <paramref name="operation"/> must be safe to run again after a fault whose commit may or may not have happened.
    /// The pool of <paramref name="dataSource"/> is cleared on each fault: after a server restart every idle pooled
    /// connection is dead, and each would otherwise cost one attempt.
    /// </summary>
    public static async Task<T> RetryAsync<T>(NpgsqlDataSource dataSource, Func<CancellationToken, Task<T>> operation, TimeSpan budget, ILogger logger, string what, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + budget;
        var delay = TimeSpan.FromMilliseconds(500);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await operation(cancellationToken);
            }
            catch (Exception exception) when (IsTransient(exception) && DateTime.UtcNow + delay < deadline && !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("{What}: the database did not answer ({Error}); attempt {Attempt} again in {Delay} ms",
                    what, exception.Message, attempt + 1, (int)delay.TotalMilliseconds);
                dataSource.Clear();
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    /// <inheritdoc cref="RetryAsync{T}"/>
    public static Task RetryAsync(NpgsqlDataSource dataSource, Func<CancellationToken, Task> operation, TimeSpan budget, ILogger logger, string what, CancellationToken cancellationToken) =>
        RetryAsync(dataSource, async token =>
        {
            await operation(token);
            return true;
        }, budget, logger, what, cancellationToken);
}
