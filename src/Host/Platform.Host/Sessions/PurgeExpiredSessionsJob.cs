using Dapper;
using Npgsql;
using Platform.Modules.Shared;
using Platform.Modules.Shared.Jobs;

namespace Platform.Host.Sessions;

/// <summary>
/// Deletes sessions past their expiry. An expired row already opens nothing (the store checks <c>expires_at</c>); this
/// keeps the table, and the claims its tickets hold, from outliving the sessions.
/// </summary>
internal sealed class PurgeExpiredSessionsJob(IConfiguration configuration, TimeProvider clock) : IRecurringJob
{
    public const string Id = "platform.purge-sessions";

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(configuration.PlatformConnectionString());
        var purged = await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM platform.sessions WHERE expires_at <= @Now", new { Now = clock.GetUtcNow() }, cancellationToken: cancellationToken));
        return $"{purged} expired sessions deleted";
    }
}
