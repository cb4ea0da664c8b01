using Microsoft.Extensions.Configuration;

namespace Platform.Modules.Shared;

/// <summary>
/// Absolute links that leave the site (emails, SMS, payment return addresses) are built here, from the configured
/// <c>Platform:PublicBaseUrl</c> only — never from the request's Host header, which a visitor controls (a reset link
/// pointing at their own host would hand them the token).
/// </summary>
public sealed class PublicLinks(IConfiguration configuration)
{
    public const string Setting = "Platform:PublicBaseUrl";

    /// <summary>Where ./run serves the demo, when nothing is configured.</summary>
    public const string LocalDefault = "http://localhost:5080";

    public Uri BaseUrl { get; } = new((configuration[Setting] is { Length: > 0 } configured ? configured : LocalDefault).TrimEnd('/') + "/");

    /// <summary>The absolute address of <paramref name="pathAndQuery"/> (starting with '/'; query values already escaped).</summary>
    public Uri To(string pathAndQuery) => new(BaseUrl, pathAndQuery.TrimStart('/'));
}
