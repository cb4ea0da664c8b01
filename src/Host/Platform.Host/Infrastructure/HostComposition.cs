using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Platform.Host.Carriers;
using Platform.Host.Infrastructure;
using Platform.Host.Mail;
using Platform.Host.Sessions;
using Platform.Modules.Shared;
using Hangfire;
using Hangfire.PostgreSql;
using Platform.Carriers.Runtime.Limits;
using Platform.Modules.Shared.Jobs;

namespace Platform.Host;

/// <summary>Composition of the host: services, the middleware pipeline, database preparation.</summary>
internal static class HostComposition
{
    public static WebApplicationBuilder AddPlatformHost(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;

        services.AddModules(configuration);
        services.AddCarriers(configuration, builder.Environment.ContentRootPath);
        services.AddPlatformMail(configuration);
        services.AddServerSessions();
        services.AddPublicHostFiltering(configuration, builder.Environment);

        services.AddRazorPages(options =>
        {
            options.Conventions.AuthorizeAreaFolder("Admin", "/", AuthorizationPolicies.PlatformAdmin);
            options.Conventions.AuthorizeModuleAreas();
            options.Conventions.AuthorizePage("/Dashboard", AuthorizationPolicies.CompanyUser);
        }).AddFormInput();
        // Antiforgery refuses to issue a Secure cookie over plain HTTP, so a local http://localhost run
        // (Development, ./run, the process tests) allows HTTP explicitly; everywhere else it is HTTPS only.
        var allowHttp = configuration.GetValue("Platform:Security:AllowHttp", builder.Environment.IsDevelopment());
        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = PlatformCookies.Antiforgery;
            options.Cookie.SecurePolicy = allowHttp ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
            options.Cookie.SameSite = SameSiteMode.Strict;
        });
        services.AddDataProtection()
            .SetApplicationName("Platform")
            .AddKeyManagementOptions(options => options.XmlRepository = new PostgresDataProtectionKeys(configuration.PlatformConnectionString()));
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context => FormInput.Bound(context.ProblemDetails));
        services.AddExceptionHandler<UserErrorExceptionHandler>();
        services.AddHsts(options => options.MaxAge = TimeSpan.FromDays(365));

        var loginPerMinute = configuration.GetValue("Platform:RateLimits:LoginPerMinute", 10);
        var inboundPerSecond = configuration.GetValue("Platform:RateLimits:InboundPerSecond", 200);
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            // Only sign-in attempts are limited, not the page itself, per client address.
            options.AddPolicy(RateLimitPolicies.Login, context => HttpMethods.IsPost(context.Request.Method)
                ? RateLimitPartition.GetFixedWindowLimiter(ClientAddress(context), _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = loginPerMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                })
                : RateLimitPartition.GetNoLimiter(string.Empty));
            options.AddPolicy(RateLimitPolicies.Inbound, context => RateLimitPartition.GetTokenBucketLimiter(ClientAddress(context), _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = inboundPerSecond,
                TokensPerPeriod = inboundPerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
            }));
            options.OnRejected = async (context, cancellationToken) =>
            {
                context.HttpContext.Response.ContentType = "text/plain; charset=utf-8";
                await context.HttpContext.Response.WriteAsync("Too many attempts. Wait a minute, then try again.", cancellationToken);
            };
        });

        var connectionString = configuration.PlatformConnectionString();
        services.AddPlatformJobs(configuration, connectionString);

        // Bounded, so a stalled database makes /healthz answer "unhealthy" in seconds instead of hanging the probe.
        var healthTimeout = TimeSpan.FromSeconds(5);
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", timeout: healthTimeout)
            .AddCheck<JobsHealthCheck>("jobs", timeout: healthTimeout);

        return builder;
    }

    private static string ClientAddress(HttpContext context) =>
        context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    /// <summary>Applies every module's migrations (under the advisory lock), then seeds the demo when asked.</summary>
    public static async Task PrepareDatabaseAsync(this WebApplication app, bool seedDemo)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Platform.Migrations");
        var migrator = new ModuleMigrator(app.Configuration.PlatformConnectionString(), logger);
        // Hangfire's tables are installed under the migrator's advisory lock too, so two hosts starting together cannot race.
        await migrator.MigrateAsync(app.Services.GetServices<IModule>(), connection => PostgreSqlObjectsInstaller.Install(connection, PlatformJobs.Schema));
        PlatformJobs.RegisterRecurringJobs(app.Services, logger);
        if (seedDemo || app.Configuration.GetValue("Platform:Demo:Seed", false))
        {
            await DemoSeeder.SeedAsync(app.Services, app.Configuration, logger);
        }
    }

    public static WebApplication UsePlatformPipeline(this WebApplication app)
    {
        if (app.Configuration.GetValue("Platform:Security:BehindProxy", false))
        {
            // TLS ends at the proxy: trust its X-Forwarded-Proto so the request counts as HTTPS (Secure cookies, HSTS).
            var forwarded = new ForwardedHeadersOptions { ForwardedHeaders = Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedProto };
            forwarded.KnownIPNetworks.Clear();
            forwarded.KnownProxies.Clear();
            app.UseForwardedHeaders(forwarded);
        }

        app.UseExceptionHandler("/Error");
        app.UseStatusCodePagesWithReExecute("/Error", "?status={0}");
        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts();
        }

        app.UseSecurityHeaders();
        app.UseStaticFiles();
        app.UseRouting();
        app.UseInputGuard(); // after routing: it needs the endpoint (page or API, its body limits) and the route values
        app.UseVisitorAnalytics();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapHealthChecks("/healthz", new HealthCheckOptions { ResponseWriter = WriteHealthAsync }).AllowAnonymous();
        app.MapRazorPages();
        app.MapJobsDashboard();
        app.MapModules();
        app.MapCarriers(app.Configuration, app.Environment);
        return app;
    }

    private static Task WriteHealthAsync(HttpContext context, Microsoft.Extensions.Diagnostics.HealthChecks.HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        }));
    }
}
