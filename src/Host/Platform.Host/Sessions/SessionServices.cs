using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;
using Platform.Modules.Shared;
using Platform.Modules.Shared.Jobs;

namespace Platform.Host.Sessions;

/// <summary>Server-side sessions (ADR 21) for every cookie scheme a module declared with <see cref="ServerSessionServices.AddServerSideSessions"/>.</summary>
internal static class SessionServices
{
    public static IServiceCollection AddServerSessions(this IServiceCollection services)
    {
        services.AddHttpContextAccessor();
        // ADR 39: how long this node answers a session's requests from what it read (0 s reads the row on every request).
        services.AddSingleton(provider => new RecentSessions(provider.GetRequiredService<IConfiguration>().SessionMemory()));
        services.AddScoped<IUserSessions, UserSessions>();
        services.AddSingleton<IPostConfigureOptions<CookieAuthenticationOptions>, ServerSessionCookies>();
        services.AddRecurringJob<PurgeExpiredSessionsJob>(PurgeExpiredSessionsJob.Id, "0 15 * * * *",
            "Deletes expired sign-in sessions (an expired one already opens nothing; this keeps their claims from staying).");
        return services;
    }
}

/// <summary>Puts the PostgreSQL session store on each declared scheme's cookie; other cookie schemes (Identity's two-factor and external ones) keep theirs.</summary>
internal sealed class ServerSessionCookies(IEnumerable<ServerSessionScheme> schemes, IConfiguration configuration, TimeProvider clock, RecentSessions recent)
    : IPostConfigureOptions<CookieAuthenticationOptions>
{
    public void PostConfigure(string? name, CookieAuthenticationOptions options)
    {
        if (schemes.FirstOrDefault(s => s.Scheme == name) is { } scheme)
        {
            options.SessionStore = new PostgresTicketStore(scheme, configuration.PlatformConnectionString(), clock, recent);
        }
    }
}
