using System.Net;
using System.Net.Sockets;
using Platform.Modules.Privacy.Contracts;

namespace Platform.Host.Infrastructure;

/// <summary>
/// Non-personal visitor analytics: every page (HTML, status 200, GET) is counted by day, route, browser family,
/// operating system, referrer host and the visitor's network — the IP address cut to /24 (IPv4) or /48 (IPv6) here,
/// before anything leaves the request. No cookie is read or set, no user id is recorded.
/// </summary>
internal static class VisitorAnalytics
{
    public static IApplicationBuilder UseVisitorAnalytics(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        await next(context);
        if (!HttpMethods.IsGet(context.Request.Method) || context.Response.StatusCode != StatusCodes.Status200OK
            || context.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) != true)
        {
            return;
        }

        var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
        var userAgent = context.Request.Headers.UserAgent.ToString();
        context.RequestServices.GetRequiredService<IPageViewRecorder>().Record(new PageView(
            DateOnly.FromDateTime(DateTime.UtcNow),
            "/" + (route ?? "(other)").TrimStart('/'),
            BrowserFamily(userAgent),
            OperatingSystem(userAgent),
            ReferrerHost(context),
            Truncate(context.Connection.RemoteIpAddress)));
    });

    /// <summary>The network, not the address: IPv4 keeps 24 bits, IPv6 48; everything after is zeroed.</summary>
    public static string Truncate(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        var bytes = address.GetAddressBytes();
        var (keep, bits) = address.AddressFamily == AddressFamily.InterNetwork ? (3, 24) : (6, 48);
        for (var i = keep; i < bytes.Length; i++)
        {
            bytes[i] = 0;
        }

        return $"{new IPAddress(bytes)}/{bits}";
    }

    public static string BrowserFamily(string userAgent) => userAgent switch
    {
        "" => "Unknown",
        _ when Has(userAgent, "bot") || Has(userAgent, "crawl") || Has(userAgent, "spider") => "Bot",
        _ when Has(userAgent, "Edg/") => "Edge",
        _ when Has(userAgent, "OPR/") => "Opera",
        _ when Has(userAgent, "Firefox/") => "Firefox",
        _ when Has(userAgent, "Chrome/") || Has(userAgent, "Chromium/") => "Chrome",
        _ when Has(userAgent, "Safari/") => "Safari",
        _ => "Other",
    };

    public static string OperatingSystem(string userAgent) => userAgent switch
    {
        _ when Has(userAgent, "Android") => "Android",
        _ when Has(userAgent, "iPhone") || Has(userAgent, "iPad") => "iOS",
        _ when Has(userAgent, "Windows") => "Windows",
        _ when Has(userAgent, "Mac OS X") || Has(userAgent, "Macintosh") => "macOS",
        _ when Has(userAgent, "CrOS") => "ChromeOS",
        _ when Has(userAgent, "Linux") => "Linux",
        _ => "Other",
    };

    /// <summary>Only another site's host name; nothing of its path or query (which may carry personal data).</summary>
    private static string? ReferrerHost(HttpContext context) =>
        Uri.TryCreate(context.Request.Headers.Referer.ToString(), UriKind.Absolute, out var referrer)
        && !string.Equals(referrer.Host, context.Request.Host.Host, StringComparison.OrdinalIgnoreCase)
            ? referrer.Host.ToLowerInvariant()
            : null;

    private static bool Has(string userAgent, string part) => userAgent.Contains(part, StringComparison.OrdinalIgnoreCase);
}
