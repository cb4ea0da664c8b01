using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Platform.Modules.OptIns.Features;
using Platform.Modules.OptIns.Features.ConsentProof;
using Platform.Modules.Privacy.Contracts;
using Platform.Modules.Shared;
using Platform.Modules.Shared.Jobs;

namespace Platform.Modules.OptIns;

/// <summary>Entry points the host's module registry calls. Keyword opt-in by SMS, user codes, STOP/START/HELP, end-user accounts and request history.</summary>
public static class OptInsModule
{
    public const string Name = "OptIns";

    /// <summary>The cookie scheme of subscribers (people who opted in), separate from the business users' Identity cookie.</summary>
    public const string SubscriberScheme = Contracts.SubscriberSession.Scheme;

    /// <summary>The module as the host runs it: its one line in the host's module list.</summary>
    public static IModule Definition { get; } = new ModuleDescriptor(Name, OptInsDbContext.Schema, typeof(OptInsModule).Assembly)
        { AreaPolicy = AuthorizationPolicies.CompanyUser, Services = AddOptIns, Endpoints = MapOptIns };

    public static IServiceCollection AddOptIns(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddModule<OptInsDbContext>(configuration, Definition);
        services.AddOptions<OptInsOptions>().Bind(configuration.GetSection(OptInsOptions.Section));
        services.TryAddSingleton(TimeProvider.System);
        services.AddMemoryCache();
        services.AddSingleton<OptInsDataSource>();
        services.AddScoped<OptInsStore>();
        services.AddSingleton<ReplySenders>();
        services.AddScoped<CompanyNames>();
        services.AddScoped<SiteLinks>();
        services.AddSingleton<SubscriberResetLinks>();
        services.AddSingleton<PlatformNumberList>();
        services.AddSingleton<PhoneHashes>();
        services.AddScoped<IDataSubjectDirectory, SubscriberDirectory>();
        services.AddScoped<IPersonalDataContributor, OptInsPersonalData>();
        services.AddSingleton<ConsentSigningKey>();
        services.AddScoped<ConsentProofBundles>();
        // Schedules in configuration so a test (or an operator) can seal and sign at moments of its choosing.
        services.AddRecurringJob<SealConsentJob>(SealConsentJob.Id, configuration.GetValue("Platform:OptIns:ConsentSealCron", "0 * * * * *")!,
            "Seals each company's new consent records into a Merkle tree chained to the previous one (consent proof)");
        services.AddRecurringJob<ConsentCheckpointJob>(ConsentCheckpointJob.Id, configuration.GetValue("Platform:OptIns:ConsentCheckpointCron", "0 5 0 * * *")!,
            "Signs every company's consent chain head that grew since the last checkpoint and publishes it");

        // A scheme of its own: it never becomes the default, so company pages keep using Identity's cookie.
        services.AddAuthentication().AddCookie(SubscriberScheme, cookie =>
        {
            cookie.Cookie.Name = PlatformCookies.SubscriberSession;
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.Always;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.ExpireTimeSpan = PlatformCookies.SubscriberSessionIdle;
            cookie.SlidingExpiration = true;
            cookie.LoginPath = "/OptIns/Me/Login";
            cookie.LogoutPath = "/OptIns/Me/Logout";
            cookie.AccessDeniedPath = "/OptIns/Me/Login";
        });
        // The ticket lives on the server (ADR 21): logout, "sign out everywhere" and a password reset end it at once.
        services.AddServerSideSessions(SubscriberScheme, Contracts.SubscriberSession.SubscriberIdClaim);
        return services;
    }

    public static IEndpointRouteBuilder MapOptIns(this IEndpointRouteBuilder endpoints) => endpoints.MapConsentCheckpoints();
}
