using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.Modules.Campaigns.Features.Contacts;

/// <summary>Contact lists, CSV import and export: the services and endpoints of that part of the module.</summary>
internal static class ContactsRegistration
{
    public static IServiceCollection AddContacts(this IServiceCollection services) => services;

    public static IEndpointRouteBuilder MapContacts(this IEndpointRouteBuilder endpoints) => endpoints;
}
