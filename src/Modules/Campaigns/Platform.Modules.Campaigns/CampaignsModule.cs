using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Platform.Modules.Campaigns.Features;
using Platform.Modules.Campaigns.Features.Api;
using Platform.Modules.Campaigns.Features.Contacts;
using Platform.Modules.Campaigns.Features.Suppressions;
using Platform.Modules.Campaigns.Jobs;
using Platform.Modules.Campaigns.Sending;
using Platform.Modules.Privacy.Contracts;
using Platform.Modules.Shared;
using Platform.Modules.Shared.Jobs;

namespace Platform.Modules.Campaigns;

/// <summary>Entry points the host's module registry calls. Contact lists, audiences, templates, scheduled and batched campaign sending, the send API.</summary>
public static class CampaignsModule
{
    public const string Name = "Campaigns";

    /// <summary>The module as the host runs it: its one line in the host's module list.</summary>
    public static IModule Definition { get; } = new ModuleDescriptor(Name, CampaignsDbContext.Schema, typeof(CampaignsModule).Assembly)
        { AreaPolicy = AuthorizationPolicies.CompanyUser, Services = AddCampaigns, Endpoints = MapCampaigns };

    public static IServiceCollection AddCampaigns(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddModule<CampaignsDbContext>(configuration, Definition);
        services.AddOptions<CampaignsOptions>().Bind(configuration.GetSection(CampaignsOptions.Section)).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<CampaignsOptions>, CampaignsOptionsValidation>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<CampaignsDataSource>();
        services.AddScoped<CompanyCountry>();
        services.AddSingleton<MessageStore>();
        services.AddSingleton<Features.Reports.RecipientReport>();
        services.AddSingleton<OptOutRoute>();
        services.AddSingleton<Features.TwoWay.ConversationStore>();
        services.AddSingleton<Features.TwoWay.RecipientContacts>();
        services.AddSingleton<Features.TwoWay.InboxStore>();
        services.AddSingleton<Features.TwoWay.UnreadBadgeCounts>();
        services.AddSingleton<Features.TwoWay.InboxNotifications>();
        services.AddHostedService(provider => provider.GetRequiredService<Features.TwoWay.InboxNotifications>());
        services.AddSingleton<CampaignPageCache>();
        services.AddSingleton<CampaignSettlement>();
        services.AddSingleton<CampaignJobs>();
        services.AddSingleton<LaneCampaigns>();
        services.AddScoped<CampaignPreparation>();
        services.AddScoped<CampaignSender>();
        services.AddSingleton<ReceiptIngestor>();
        services.AddHostedService(provider => provider.GetRequiredService<ReceiptIngestor>());
        services.AddContacts();
        services.AddSuppressions();
        services.AddScoped<IPersonalDataContributor, CampaignsPersonalData>();
        services.AddSendApi(configuration);
        services.AddScoped<Features.Segments.SegmentQuery>();
        services.AddScoped<Features.Segments.SegmentRules>();
        services.AddScoped<Areas.Campaigns.Pages.Segments.SegmentWords>();
        services.AddSingleton<Features.Links.TrackedLinks>();
        services.AddSingleton<Features.Links.LinkTargets>();
        services.AddSingleton<Features.Links.LinkClickWriter>();
        services.AddHostedService(provider => provider.GetRequiredService<Features.Links.LinkClickWriter>());

        var maintenanceSeconds = Math.Max(1, configuration.GetValue($"{CampaignsOptions.Section}:MaintenanceSeconds", 30));
        var retentionSeconds = Math.Max(1, configuration.GetValue($"{CampaignsOptions.Section}:InboxRetentionSweepSeconds", 3600));
        services.AddRecurringJob<CampaignMaintenanceJob>(CampaignMaintenanceJob.Id, RecurringJobServices.Every(TimeSpan.FromSeconds(maintenanceSeconds)),
            "Lost claims → Unknown, receipt timeouts → Expired, late receipts applied, campaigns completed and settled, stalled sending runs and imports resumed.");
        services.AddRecurringJob<ResumeSendingSlotsJob>(ResumeSendingSlotsJob.Id, "*/10 * * * * *",
            "Hands the sending slots of a killed host to a live one (their 30 s lease ran out), so a campaign goes on within a minute.");
        services.AddKeyedSingleton(Features.RecurringCampaignsJob.ClockKey, (provider, _) => provider.GetRequiredService<TimeProvider>());
        services.AddRecurringJob<Features.RecurringCampaignsJob>(Features.RecurringCampaignsJob.Id, "0 * * * * *",
            "Makes each recurring campaign's next occurrence a few minutes before it is due and schedules it.");
        var abTestSeconds = Math.Max(1, configuration.GetValue($"{CampaignsOptions.Section}:AbTestSeconds", 60));
        services.AddKeyedSingleton(Features.AbWinnerJob.ClockKey, (provider, _) => provider.GetRequiredService<TimeProvider>());
        services.AddRecurringJob<Features.AbWinnerJob>(Features.AbWinnerJob.Id, RecurringJobServices.Every(TimeSpan.FromSeconds(abTestSeconds)),
            "Counts each A/B test's variants and, once its decision time has passed, picks the winner and sends it to the held rest (or drops the rest).");
        services.AddRecurringJob<Features.Segments.ContactActivityJob>(Features.Segments.ContactActivityJob.Id, "30 * * * * *",
            "Folds campaigns' sent, delivered and failed messages and link clicks into each number's last activity, which segments filter on.");
        services.AddRecurringJob<InboxRetentionJob>(InboxRetentionJob.Id, RecurringJobServices.Every(TimeSpan.FromSeconds(retentionSeconds)),
            "Deletes inbox conversations past the inbox retention, who-messaged-whom rows past the STOP look-back, and link clicks past the click retention.");
        var partitionSeconds = Math.Max(1, configuration.GetValue($"{CampaignsOptions.Section}:MessagePartitionSeconds", 60));
        services.AddKeyedSingleton(MessagePartitionsJob.ClockKey, (provider, _) => provider.GetRequiredService<TimeProvider>());
        services.AddRecurringJob<MessagePartitionsJob>(MessagePartitionsJob.Id, RecurringJobServices.Every(TimeSpan.FromSeconds(partitionSeconds)),
            "Keeps the next partition of the messages made ahead, starts a new one each month, notes which may still get receipts, and drops those past MessageRetentionMonths.");
        return services;
    }

    public static IEndpointRouteBuilder MapCampaigns(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapContacts();
        endpoints.MapSendApi();
        Features.Links.ShortLinkEndpoint.MapTrackedLinks(endpoints);
        return endpoints;
    }
}
