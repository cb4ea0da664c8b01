using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.Modules.Shared;

/// <summary>
/// A cookie scheme whose sessions live on the server (ADR 21): its cookie carries only a random session key, the ticket
/// is a row in the host's <c>platform.sessions</c>, so ending a session (logout, "sign out everywhere", a password
/// change, an admin) is deleting the row: refused at once by the node that deleted it, and by every other node within
/// <see cref="ServerSessionServices.SessionMemory"/> (ADR 39). The module that owns the scheme declares it with
/// <see cref="ServerSessionServices.AddServerSideSessions"/>; the host puts the store on the scheme's cookie options.
/// </summary>
/// <param name="Scheme">The authentication scheme's name.</param>
/// <param name="SubjectClaim">The claim that names whose session it is (the user or subscriber id): sessions are listed and ended by it.</param>
public sealed record ServerSessionScheme(string Scheme, string SubjectClaim);

/// <summary>One live session of a person, as their security page lists it.</summary>
/// <param name="IsCurrent">The session of the request asking (this browser).</param>
public sealed record UserSession(Guid Id, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, DateTimeOffset ExpiresAt, bool Persistent, bool IsCurrent);

/// <summary>The sessions of a person on one scheme: listed and ended by the module that owns the scheme. Implemented by the host.</summary>
public interface IUserSessions
{
    /// <summary>The person's live sessions, newest first.</summary>
    Task<IReadOnlyList<UserSession>> ListAsync(string scheme, string subject, CancellationToken cancellationToken);

    /// <summary>
    /// Ends every session of the person at once, on every node. <paramref name="keepCurrent"/> keeps the one of this
    /// request (a password change ends the others, not the browser that made it). Returns how many ended.
    /// </summary>
    Task<int> EndAllAsync(string scheme, string subject, bool keepCurrent, CancellationToken cancellationToken);

    /// <summary>Ends one of the person's sessions (by its <see cref="UserSession.Id"/>); false when it was not theirs or already over.</summary>
    Task<bool> EndAsync(string scheme, string subject, Guid sessionId, CancellationToken cancellationToken);
}

public static class ServerSessionServices
{
    /// <summary>
    /// How long a node answers a session's requests from the row it read, before reading it again (ADR 39): so how long
    /// a session ended on another node may still open pages here. <c>Platform:Sessions:CacheSeconds</c>, 2 by default;
    /// 0 reads the row on every request. The host's store and the public Security page both take it from here.
    /// </summary>
    public static TimeSpan SessionMemory(this IConfiguration configuration) =>
        TimeSpan.FromSeconds(Math.Max(0, configuration.GetValue("Platform:Sessions:CacheSeconds", 2.0)));

    /// <summary>Keeps <paramref name="scheme"/>'s sessions on the server (see <see cref="ServerSessionScheme"/>).</summary>
    public static IServiceCollection AddServerSideSessions(this IServiceCollection services, string scheme, string subjectClaim) =>
        services.AddSingleton(new ServerSessionScheme(scheme, subjectClaim));
}
