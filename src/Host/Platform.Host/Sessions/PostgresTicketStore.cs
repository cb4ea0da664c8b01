using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.WebUtilities;
using Npgsql;
using Platform.Modules.Shared;

namespace Platform.Host.Sessions;

/// <summary>
/// The cookie handler's session store for one scheme (ADR 21): the ticket is a row of <c>platform.sessions</c> and the
/// cookie carries only a random key (its SHA-256 is the row's <c>key_hash</c>). A request reads the row unless this node
/// read it in the last couple of seconds (<see cref="RecentSessions"/>, ADR 39): a session deleted on this node is over at
/// its next request, on the other nodes within that lifetime.
/// </summary>
internal sealed class PostgresTicketStore(ServerSessionScheme scheme, string connectionString, TimeProvider clock, RecentSessions recent) : ITicketStore
{
    /// <summary>Where the request's session id is kept once known (read or just issued), so "keep this session" knows which one it is.</summary>
    public static string CurrentSessionItem(string scheme) => $"platform.session:{scheme}";

    /// <summary>Carried in the ticket's properties, so a re-issued ticket (a refreshed sign-in) keeps when the session began.</summary>
    private const string CreatedItem = "platform.session.created";

    /// <summary>Reading a session writes its last-seen time at most this often: a page's burst of requests is one write.</summary>
    private static readonly TimeSpan LastSeenResolution = TimeSpan.FromMinutes(1);

    public Task<string> StoreAsync(AuthenticationTicket ticket) => StoreAsync(ticket, null, CancellationToken.None);

    public Task<string> StoreAsync(AuthenticationTicket ticket, CancellationToken cancellationToken) => StoreAsync(ticket, null, cancellationToken);

    public async Task<string> StoreAsync(AuthenticationTicket ticket, HttpContext? httpContext, CancellationToken cancellationToken)
    {
        var subject = ticket.Principal.FindFirst(scheme.SubjectClaim)?.Value
            ?? throw new InvalidOperationException($"A {scheme.Scheme} sign-in without the claim {scheme.SubjectClaim}: its session could not be ended by subject.");
        var now = clock.GetUtcNow();
        var createdAt = ticket.Properties.Items.TryGetValue(CreatedItem, out var created) && DateTimeOffset.TryParse(created, out var parsed) ? parsed : now;
        ticket.Properties.Items[CreatedItem] = createdAt.ToString("O");
        var key = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var id = Guid.CreateVersion7(now);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO platform.sessions (id, key_hash, scheme, subject, ticket, persistent, created_at, last_seen_at, expires_at)
            VALUES (@Id, @KeyHash, @Scheme, @Subject, @Ticket, @Persistent, @CreatedAt, @Now, @ExpiresAt)
            """,
            new
            {
                Id = id,
                KeyHash = Hash(key),
                scheme.Scheme,
                Subject = subject,
                Ticket = TicketSerializer.Default.Serialize(ticket),
                Persistent = ticket.Properties.IsPersistent,
                CreatedAt = createdAt,
                Now = now,
                ExpiresAt = ExpiresAt(ticket, now),
            }, cancellationToken: cancellationToken));
        httpContext?.Items[CurrentSessionItem(scheme.Scheme)] = id;
        return key;
    }

    public Task RenewAsync(string key, AuthenticationTicket ticket) => RenewAsync(key, ticket, null, CancellationToken.None);

    public Task RenewAsync(string key, AuthenticationTicket ticket, CancellationToken cancellationToken) => RenewAsync(key, ticket, null, cancellationToken);

    /// <summary>Sliding expiry and a ticket the security-stamp check rebuilt: the same session, further out. A session ended meanwhile stays ended.</summary>
    public async Task RenewAsync(string key, AuthenticationTicket ticket, HttpContext? httpContext, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE platform.sessions SET ticket = @Ticket, persistent = @Persistent, last_seen_at = @Now, expires_at = @ExpiresAt WHERE key_hash = @KeyHash AND scheme = @Scheme",
            new
            {
                KeyHash = Hash(key),
                scheme.Scheme,
                Ticket = TicketSerializer.Default.Serialize(ticket),
                Persistent = ticket.Properties.IsPersistent,
                Now = now,
                ExpiresAt = ExpiresAt(ticket, now),
            }, cancellationToken: cancellationToken));
        ForgetRecent(Hash(key)); // the next request reads the new ticket
    }

    public Task<AuthenticationTicket?> RetrieveAsync(string key) => RetrieveAsync(key, null, CancellationToken.None);

    public Task<AuthenticationTicket?> RetrieveAsync(string key, CancellationToken cancellationToken) => RetrieveAsync(key, null, cancellationToken);

    /// <summary>The live session's ticket, or null (ended or expired): the cookie handler then treats the request as signed out.</summary>
    public async Task<AuthenticationTicket?> RetrieveAsync(string key, HttpContext? httpContext, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var keyHash = Hash(key);
        if (recent.Find(scheme.Scheme, keyHash, now) is { } known)
        {
            httpContext?.Items[CurrentSessionItem(scheme.Scheme)] = known.Id;
            return TicketSerializer.Default.Deserialize(known.Ticket);
        }

        var readSince = recent.Generation;
        await using var connection = new NpgsqlConnection(connectionString);
        var row = await connection.QuerySingleOrDefaultAsync<SessionRow>(new CommandDefinition(
            "SELECT id, subject, ticket, last_seen_at AS LastSeenAt, expires_at AS ExpiresAt FROM platform.sessions WHERE key_hash = @KeyHash AND scheme = @Scheme AND expires_at > @Now",
            new { KeyHash = keyHash, scheme.Scheme, Now = now }, cancellationToken: cancellationToken));
        if (row is null)
        {
            return null;
        }

        if (now.UtcDateTime - row.LastSeenAt >= LastSeenResolution)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE platform.sessions SET last_seen_at = @Now WHERE id = @Id", new { row.Id, Now = now }, cancellationToken: cancellationToken));
        }

        recent.Remember(readSince, scheme.Scheme, keyHash, new RecentSessions.Entry(row.Id, scheme.Scheme, row.Subject, keyHash, row.Ticket, Utc(row.ExpiresAt)));
        httpContext?.Items[CurrentSessionItem(scheme.Scheme)] = row.Id;
        return TicketSerializer.Default.Deserialize(row.Ticket);
    }

    public Task RemoveAsync(string key) => RemoveAsync(key, null, CancellationToken.None);

    public Task RemoveAsync(string key, CancellationToken cancellationToken) => RemoveAsync(key, null, cancellationToken);

    /// <summary>Logout: the row goes, so the cookie (and any copy of it) opens nothing any more, on any node.</summary>
    public async Task RemoveAsync(string key, HttpContext? httpContext, CancellationToken cancellationToken)
    {
        var keyHash = Hash(key);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM platform.sessions WHERE key_hash = @KeyHash AND scheme = @Scheme",
            new { KeyHash = keyHash, scheme.Scheme }, cancellationToken: cancellationToken));
        ForgetRecent(keyHash);
        httpContext?.Items.Remove(CurrentSessionItem(scheme.Scheme));
    }

    /// <summary>The cookie handler sets the ticket's expiry on every sign-in and renewal (remember me or not); the row lives as long.</summary>
    private static DateTimeOffset ExpiresAt(AuthenticationTicket ticket, DateTimeOffset now) =>
        ticket.Properties.ExpiresUtc ?? now.AddHours(8);

    /// <summary>This node answers the session's next request from its row again (ADR 39).</summary>
    private void ForgetRecent(byte[] keyHash) => recent.Forget(e => e.Scheme == scheme.Scheme && e.KeyHash.AsSpan().SequenceEqual(keyHash));

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private sealed class SessionRow
    {
        public Guid Id { get; init; }

        public string Subject { get; init; } = string.Empty;

        public byte[] Ticket { get; init; } = [];

        /// <summary>UTC, as Npgsql reads timestamptz.</summary>
        public DateTime LastSeenAt { get; init; }

        /// <summary>UTC, as Npgsql reads timestamptz.</summary>
        public DateTime ExpiresAt { get; init; }
    }
}
