using Dapper;
using Npgsql;
using Platform.Modules.Shared;

namespace Platform.Host.Sessions;

/// <summary>
/// Lists and ends a person's sessions in <c>platform.sessions</c>; "this session" is the one the request's cookie opened or
/// just issued. Ended sessions are forgotten by this node's <see cref="RecentSessions"/> too, so it refuses them at once.
/// </summary>
internal sealed class UserSessions(IConfiguration configuration, IHttpContextAccessor accessor, TimeProvider clock, RecentSessions recent) : IUserSessions
{
    public async Task<IReadOnlyList<UserSession>> ListAsync(string scheme, string subject, CancellationToken cancellationToken)
    {
        var current = Current(scheme);
        await using var connection = new NpgsqlConnection(configuration.PlatformConnectionString());
        var rows = await connection.QueryAsync<(Guid Id, DateTime CreatedAt, DateTime LastSeenAt, DateTime ExpiresAt, bool Persistent)>(new CommandDefinition(
            """
            SELECT id, created_at, last_seen_at, expires_at, persistent FROM platform.sessions
            WHERE scheme = @Scheme AND subject = @Subject AND expires_at > @Now ORDER BY created_at DESC, id DESC
            """,
            new { Scheme = scheme, Subject = subject, Now = clock.GetUtcNow() }, cancellationToken: cancellationToken));
        return rows.Select(r => new UserSession(r.Id, Utc(r.CreatedAt), Utc(r.LastSeenAt), Utc(r.ExpiresAt), r.Persistent, r.Id == current)).ToList();
    }

    public async Task<int> EndAllAsync(string scheme, string subject, bool keepCurrent, CancellationToken cancellationToken)
    {
        var keep = keepCurrent ? Current(scheme) : null;
        await using var connection = new NpgsqlConnection(configuration.PlatformConnectionString());
        var ended = await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM platform.sessions WHERE scheme = @Scheme AND subject = @Subject AND (@Keep::uuid IS NULL OR id <> @Keep::uuid)",
            new { Scheme = scheme, Subject = subject, Keep = keep }, cancellationToken: cancellationToken));
        recent.Forget(e => e.Scheme == scheme && e.Subject == subject && e.Id != keep);
        return ended;
    }

    public async Task<bool> EndAsync(string scheme, string subject, Guid sessionId, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(configuration.PlatformConnectionString());
        var ended = await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM platform.sessions WHERE id = @Id AND scheme = @Scheme AND subject = @Subject",
            new { Id = sessionId, Scheme = scheme, Subject = subject }, cancellationToken: cancellationToken)) > 0;
        recent.Forget(e => e.Id == sessionId);
        return ended;
    }

    private Guid? Current(string scheme) =>
        accessor.HttpContext?.Items[PostgresTicketStore.CurrentSessionItem(scheme)] as Guid?;

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
