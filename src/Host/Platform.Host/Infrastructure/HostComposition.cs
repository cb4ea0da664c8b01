using System.Text.Json;
using System.Threading.RateLimiting;
using MediatR;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Platform.Host.Carriers;
using Platform.Host.Infrastructure;
using Platform.Host.Mail;
using Platform.Modules.Accounts;
using Platform.Modules.Accounts.Contracts;
using Platform.Modules.OptIns.Contracts;
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

        services.AddRazorPages(options =>
        {
            options.Conventions.AuthorizeAreaFolder("Admin", "/", AccountsModule.PlatformAdminPolicy);
            foreach (var area in new[] { "OptIns", "Campaigns", "SenderIds", "Billing", "Privacy" })
            {
                options.Conventions.AuthorizeAreaFolder(area, "/", AccountsModule.CompanyUserPolicy);
            }

            options.Conventions.AuthorizePage("/Dashboard", AccountsModule.CompanyUserPolicy);
        });
        // Antiforgery refuses to issue a Secure cookie over plain HTTP, so a local http://localhost run
        // (Development, ./run, the process tests) allows HTTP explicitly; everywhere else it is HTTPS only.
        var allowHttp = configuration.GetValue("Platform:Security:AllowHttp", builder.Environment.IsDevelopment());
        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = "platform.antiforgery";
            options.Cookie.SecurePolicy = allowHttp ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
            options.Cookie.SameSite = SameSiteMode.Strict;
        });
        services.AddDataProtection()
            .SetApplicationName("Platform")
            .AddKeyManagementOptions(options => options.XmlRepository = new PostgresDataProtectionKeys(configuration.PlatformConnectionString()));
        services.AddProblemDetails();
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

        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database")
            .AddCheck<JobsHealthCheck>("jobs");

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

/// <summary>
/// Seeds the demo that <c>./run</c> shows: a platform admin, the company "Demo Pizza" with its Owner, its
/// keyword PIZZA and three subscribers who texted it.
/// Idempotent: a second run finds them and changes nothing. Passwords come from configuration (./run
/// generates them once into .run/demo.env), never from the repository.
/// </summary>
internal static class DemoSeeder
{
    public static async Task SeedAsync(IServiceProvider services, IConfiguration configuration, ILogger logger)
    {
        var demo = configuration.GetSection("Platform:Demo");
        var adminEmail = demo["AdminEmail"] ?? "admin@platform.local";
        var ownerEmail = demo["OwnerEmail"] ?? "owner@demopizza.local";
        var adminPassword = demo["AdminPassword"];
        var ownerPassword = demo["OwnerPassword"];
        if (string.IsNullOrEmpty(adminPassword) || string.IsNullOrEmpty(ownerPassword))
        {
            throw new InvalidOperationException("Seeding the demo needs Platform:Demo:AdminPassword and Platform:Demo:OwnerPassword (./run sets them).");
        }

        await using var scope = services.CreateAsyncScope();
        var mediator = scope.ServiceProvider.GetRequiredService<IMediator>();
        await mediator.Send(new EnsurePlatformAdmin(adminEmail, adminPassword));
        var companyId = await mediator.Send(new EnsureCompanyWithOwner(
            "Demo Pizza", "Food and drink", ownerEmail, ownerPassword, "Dana", "Demo", "+15555550100", "90210"));

        // Demo Pizza's keyword, and three people who texted it — through the real inbound flow, so they get
        // their user codes in the simulator's outbox like anyone would. Only on the run that creates the keyword.
        var platformNumber = configuration.GetSection("Platform:Messaging:PlatformNumbers").Get<string[]>()?.FirstOrDefault() ?? "+15550100100";
        var created = await mediator.Send(new EnsureKeyword(companyId, platformNumber, "PIZZA", "Weekly pizza deals from Demo Pizza",
            "Thanks for joining Demo Pizza deals! Up to 4 msgs/month. Reply STOP to opt out, HELP for help."));
        if (created)
        {
            // The carriers start with the host, so the texts go in once it has started.
            var lifetime = services.GetRequiredService<IHostApplicationLifetime>();
            var network = services.GetRequiredService<Platform.Carriers.Simulator.SimulatorNetwork>();
            lifetime.ApplicationStarted.Register(() => _ = Task.Run(async () =>
            {
                foreach (var handset in new[] { "+15551230001", "+15551230002", "+15551230003" })
                {
                    if (!await network.InjectInboundAsync(handset, platformNumber, "PIZZA"))
                    {
                        logger.LogWarning("No simulator carrier is running; the demo subscribers were not created");
                        return;
                    }
                }
            }));
        }

        logger.LogInformation("Demo seeded: admin {AdminEmail}, company {CompanyId} owned by {OwnerEmail}, keyword PIZZA on {Number}", adminEmail, companyId, ownerEmail, platformNumber);
    }
}
