using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Platform.Modules.Privacy.Contracts;
using Platform.Modules.SenderIds.Features;
using Platform.Modules.SenderIds.Jobs;
using Platform.Modules.Shared;
using Quartz;

namespace Platform.Modules.SenderIds;

/// <summary>Entry points the host's module registry calls. Sender ID applications, admin review, and enforcement in campaigns and the API.</summary>
public static class SenderIdsModule
{
    public const string Name = "SenderIds";

    public static IServiceCollection AddSenderIds(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddModule<SenderIdsDbContext>(configuration, Name, SenderIdsDbContext.Schema);
        services.AddOptions<SenderIdsOptions>().Bind(configuration.GetSection(SenderIdsOptions.Section));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<DocumentStore>();
        services.AddScoped<Actor>();
        services.AddScoped<IPersonalDataContributor, SenderIdsPersonalData>();

        services.ConfigureAllQuartzSchedulers(quartz =>
        {
            quartz.AddJob<PurgeDocumentsJob>(job => job
                .WithIdentity(PurgeDocumentsJob.Key)
                .WithDescription("Deletes Sender ID supporting documents a configured number of days after the decision; the decision stays.")
                .StoreDurably());
            quartz.AddTrigger(trigger => trigger
                .ForJob(PurgeDocumentsJob.Key)
                .WithIdentity("purge-senderid-documents.hourly", "senderids")
                .WithCronSchedule("0 15 * * * ?"));
        });
        return services;
    }

    public static IEndpointRouteBuilder MapSenderIds(this IEndpointRouteBuilder endpoints) => endpoints;
}
