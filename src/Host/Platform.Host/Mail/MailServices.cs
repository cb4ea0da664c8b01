using Platform.Modules.Shared;
using Platform.Modules.Shared.Jobs;

namespace Platform.Host.Mail;

/// <summary>The host's email: the queue behind Shared's <c>SendEmail</c>, the SMTP transport and the job that sends.</summary>
internal static class MailServices
{
    public static IServiceCollection AddPlatformMail(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MailOptions>().Bind(configuration.GetSection(MailOptions.Section));
        services.AddSingleton<IMailTransport, SmtpMailTransport>();
        services.AddSingleton<EmailSendingWakeUp>();
        services.AddSingleton<IDataRecipientSource, MailDataRecipients>();
        services.AddScoped<EmailActivity>();
        services.AddScoped<Platform.Modules.Privacy.Contracts.IPersonalDataContributor, EmailPersonalData>();
        services.AddRecurringJob<SendQueuedEmailsJob>(SendQueuedEmailsJob.Id, RecurringJobServices.Every(SendQueuedEmailsJob.Interval),
            "Sends queued email over SMTP (at most once: an email whose answer was lost is marked unknown, never resent); deferred ones retry with back-off; final ones leave after 30 days.");
        return services;
    }
}
