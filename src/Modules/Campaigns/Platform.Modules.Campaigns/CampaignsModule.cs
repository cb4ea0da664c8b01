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
using Quartz;

namespace Platform.Modules.Campaigns;

/// <summary>Entry points the host's module registry calls. Contact lists, audiences, templates, scheduled and batched campaign sending, the send API.</summary>
public static class CampaignsModule
{
    public const string Name = "Campaigns";

    public static IServiceCollection AddCampaigns(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddModule<CampaignsDbContext>(configuration, Name, CampaignsDbContext.Schema);
        services.AddOptions<CampaignsOptions>().Bind(configuration.GetSection(CampaignsOptions.Section));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<CampaignsDataSource>();
        services.AddSingleton<MessageStore>();
        services.AddSingleton<OptOutRoute>();
        services.AddSingleton<Features.TwoWay.ConversationStore>();
        services.AddSingleton<Features.TwoWay.RecipientContacts>();
        services.AddSingleton<Features.TwoWay.InboxStore>();
        services.AddSingleton<Features.TwoWay.InboxNotifications>();
        services.AddHostedService(provider => provider.GetRequiredService<Features.TwoWay.InboxNotifications>());
        services.AddSingleton<CampaignPageCache>();
        services.AddSingleton<CampaignSettlement>();
        services.AddSingleton<CampaignJobs>();
        services.AddScoped<CampaignPreparation>();
        services.AddScoped<CampaignSender>();
        services.AddSingleton<ReceiptIngestor>();
        services.AddHostedService(provider => provider.GetRequiredService<ReceiptIngestor>());
        services.AddContacts();
        services.AddSuppressions();
        services.AddScoped<IPersonalDataContributor, CampaignsPersonalData>();
        services.AddSendApi(configuration);

        var maintenanceSeconds = Math.Max(1, configuration.GetValue($"{CampaignsOptions.Section}:MaintenanceSeconds", 30));
        var retentionSeconds = Math.Max(1, configuration.GetValue($"{CampaignsOptions.Section}:InboxRetentionSweepSeconds", 3600));
        services.ConfigureAllQuartzSchedulers(quartz =>
        {
            quartz.AddJob<SendCampaignJob>(job => job
                .WithIdentity(SendCampaignJob.Key)
                .WithDescription("Sends a campaign in batches (one trigger group per campaign, several runs share it across nodes).")
                .StoreDurably()
                .RequestRecovery());
            quartz.AddJob<CampaignMaintenanceJob>(job => job
                .WithIdentity(CampaignMaintenanceJob.Key)
                .WithDescription("Lost claims → Unknown, receipt timeouts → Expired, late receipts applied, campaigns completed, settled and resumed.")
                .StoreDurably());
            quartz.AddTrigger(trigger => trigger
                .ForJob(CampaignMaintenanceJob.Key)
                .WithIdentity("campaign-maintenance.every", "campaigns")
                .StartNow()
                .WithSimpleSchedule(s => s.WithInterval(TimeSpan.FromSeconds(maintenanceSeconds)).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)));
            quartz.AddJob<InboxRetentionJob>(job => job
                .WithIdentity(InboxRetentionJob.Key)
                .WithDescription("Deletes inbox conversations past the inbox retention, and who-messaged-whom rows past the STOP look-back.")
                .StoreDurably());
            quartz.AddTrigger(trigger => trigger
                .ForJob(InboxRetentionJob.Key)
                .WithIdentity("inbox-retention.every", "campaigns")
                .StartNow()
                .WithSimpleSchedule(s => s.WithInterval(TimeSpan.FromSeconds(retentionSeconds)).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)));
        });
        return services;
    }

    public static IEndpointRouteBuilder MapCampaigns(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapContacts();
        endpoints.MapSendApi();
        return endpoints;
    }
}
