using MediatR;
using Platform.Modules.Accounts.Contracts;
using Platform.Modules.OptIns.Contracts;

namespace Platform.Host.Infrastructure;

/// <summary>
/// Seeds the demo that <c>./run</c> shows: a platform admin, the company "Demo Pizza" with its Owner, its
/// keyword PIZZA and three subscribers who texted it.
/// Idempotent: a second run finds them and changes nothing. Passwords come from configuration (./run
/// generates them once into .run/demo.env), never from the repository; so does the admin's authenticator key.
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
        // Admins must sign in with two factors (ADR 22): ./run generates the secret too and prints how to get a code.
        await mediator.Send(new EnsurePlatformAdmin(adminEmail, adminPassword, demo["AdminAuthenticatorKey"] is { Length: > 0 } key ? key : null));
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
