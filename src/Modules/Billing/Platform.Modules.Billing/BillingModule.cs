using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Platform.Modules.Billing.Features;
using Platform.Modules.Billing.Jobs;
using Platform.Modules.Billing.Payments;
using Platform.Modules.Privacy.Contracts;
using Platform.Modules.Shared;
using Platform.Modules.Shared.Jobs;

namespace Platform.Modules.Billing;

/// <summary>Entry points the host's module registry calls. Plans, price list, the credits ledger and card payments through Stripe Checkout.</summary>
public static class BillingModule
{
    public const string Name = "Billing";

    /// <summary>The module as the host runs it: its one line in the host's module list.</summary>
    public static IModule Definition { get; } = new ModuleDescriptor(Name, BillingDbContext.Schema, typeof(BillingModule).Assembly)
        { AreaPolicy = AuthorizationPolicies.CompanyUser, Services = AddBilling, Endpoints = MapBilling };

    public static IServiceCollection AddBilling(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddModule<BillingDbContext>(configuration, Definition);
        services.AddOptions<BillingOptions>().Bind(configuration.GetSection(BillingOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<BillingOptions>, TaxSettingsValidation>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient<StripeGateway>();
        services.AddSingleton<IDataRecipientSource, StripeDataRecipient>();
        services.AddOptions<DemoStripeOptions>().Bind(configuration.GetSection(DemoStripeOptions.Section));
        if (configuration.GetValue<bool>($"{DemoStripeOptions.Section}:Enabled"))
        {
            services.AddSingleton<DemoStripeSessions>();
            services.AddHttpClient(nameof(DemoStripe));
        }

        services.AddScoped<IPersonalDataContributor, BillingPersonalData>();
        services.AddRecurringJob<ReconcileCheckoutSessionsJob>(ReconcileCheckoutSessionsJob.Id, "0 */5 * * * *",
            "Asks Stripe about Checkout Sessions still pending after a few minutes and credits the paid ones once (webhooks that never came).");
        return services;
    }

    public static IEndpointRouteBuilder MapBilling(this IEndpointRouteBuilder endpoints)
    {
        StripeWebhook.Map(endpoints);
        // The demo's fake Stripe (Development only: Platform:Billing:FakeStripe:Enabled is false everywhere else).
        if (endpoints.ServiceProvider.GetRequiredService<IOptions<DemoStripeOptions>>().Value.Enabled)
        {
            DemoStripe.Map(endpoints);
        }

        return endpoints;
    }
}
