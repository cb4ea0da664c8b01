namespace Platform.Host.Infrastructure;

/// <summary>
/// Security headers on every response. The CSP allows only our own scripts and styles (no inline
/// script), which is why every page's script lives in wwwroot/js.
/// </summary>
internal static class SecurityHeaders
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
        "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>
    /// The Hangfire Dashboard (/Admin/Jobs, platform admins only) sets inline styles from its scripts and style attributes
    /// in its pages (its charts, progress bars and state colours): there it may, and nowhere else. Scripts stay ours only.
    /// </summary>
    public const string JobsDashboardPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; " +
        "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            // Read now: the dashboard moves its prefix from Path to PathBase before the response starts.
            var dashboard = context.Request.Path.StartsWithSegments(PlatformJobs.DashboardPath, StringComparison.OrdinalIgnoreCase);
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy = dashboard ? JobsDashboardPolicy : ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
                headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
                headers["Cross-Origin-Opener-Policy"] = "same-origin";
                return Task.CompletedTask;
            });
            await next();
        });
}
