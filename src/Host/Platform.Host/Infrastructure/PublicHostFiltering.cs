using Microsoft.AspNetCore.HostFiltering;
using Platform.Modules.Shared;

namespace Platform.Host.Infrastructure;

/// <summary>
/// In Production the host answers only requests for its public address: when <c>AllowedHosts</c> is not configured,
/// it is the host of <c>Platform:PublicBaseUrl</c>, so a request with another Host header gets 400 before any page runs.
/// Links are built from the configured address anyway (Shared <see cref="PublicLinks"/>); this closes the door for
/// anything that still reads the Host header. Setting <c>AllowedHosts</c> (semicolon-separated) replaces this choice: list
/// the public host and any other name, e.g. the one a load balancer's health probe uses, or <c>*</c> to turn the filter off.
/// </summary>
internal static class PublicHostFiltering
{
    public static IServiceCollection AddPublicHostFiltering(this IServiceCollection services, IConfiguration configuration, IWebHostEnvironment environment)
    {
        if (environment.IsProduction() && string.IsNullOrWhiteSpace(configuration["AllowedHosts"])
            && configuration[PublicLinks.Setting] is { Length: > 0 } publicBaseUrl && Uri.TryCreate(publicBaseUrl, UriKind.Absolute, out var address))
        {
            // After the web host's own PostConfigure, which put "*" there for the missing setting.
            services.PostConfigure<HostFilteringOptions>(options => options.AllowedHosts = [address.Host]);
        }

        return services;
    }
}
