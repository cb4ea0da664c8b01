using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace Platform.Modules.Campaigns.Features.Contacts;

/// <summary>Contact lists, CSV import and export: the services and endpoints of that part of the module.</summary>
internal static class ContactsRegistration
{
    public static IServiceCollection AddContacts(this IServiceCollection services)
    {
        services.AddOptions<ContactsOptions>().BindConfiguration(ContactsOptions.Section);
        services.AddSingleton<ImportFiles>();
        services.ConfigureAllQuartzSchedulers(quartz => quartz.AddJob<ImportContactsJob>(job => job
            .WithIdentity(ImportContactsJob.Key)
            .WithDescription("Imports an uploaded CSV file into a contact list (one trigger per upload, the import id in its data).")
            .StoreDurably()
            .RequestRecovery()));
        return services;
    }

    public static IEndpointRouteBuilder MapContacts(this IEndpointRouteBuilder endpoints) => endpoints;
}
