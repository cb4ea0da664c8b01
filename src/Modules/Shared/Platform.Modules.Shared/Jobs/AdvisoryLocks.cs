using Dapper;
using Npgsql;

namespace Platform.Modules.Shared.Jobs;

/// <summary>
/// Session-level PostgreSQL advisory locks for "one run at a time" across hosts: they end with their connection, so a
/// killed host never leaves one behind. Released explicitly, because a pooled connection keeps session locks until its
/// next use resets it.
/// </summary>
public static class AdvisoryLocks
{
    /// <summary>Runs <paramref name="work"/> holding the lock <paramref name="key"/> on <paramref name="connection"/>; null when another session holds it.</summary>
    public static async Task<T?> TryRunAsync<T>(NpgsqlConnection connection, long key, Func<Task<T>> work, CancellationToken cancellationToken)
        where T : class
    {
        if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT pg_try_advisory_lock(@key)", new { key }, cancellationToken: cancellationToken)))
        {
            return null;
        }

        try
        {
            return await work();
        }
        finally
        {
            await connection.ExecuteScalarAsync<bool>("SELECT pg_advisory_unlock(@key)", new { key });
        }
    }
}
