using MediatR;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Platform.Modules.Privacy.Contracts;
using Platform.Modules.Privacy.Domain;
using Platform.Modules.Privacy.Features;
using Platform.Modules.Shared;
using Platform.Modules.Shared.Jobs;

namespace Platform.Modules.Privacy;

/// <summary>Entry points the host's module registry calls. The personal-data inventory, self-service export and erasure, legal disclosures.</summary>
public static class PrivacyModule
{
    public const string Name = "Privacy";

    /// <summary>The module as the host runs it: its one line in the host's module list.</summary>
    public static IModule Definition { get; } = new ModuleDescriptor(Name, PrivacyDbContext.Schema, typeof(PrivacyModule).Assembly)
        { AreaPolicy = AuthorizationPolicies.CompanyUser, Services = AddPrivacy, Endpoints = MapPrivacy };

    public static IServiceCollection AddPrivacy(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddModule<PrivacyDbContext>(configuration, Definition);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<PersonalDataInventory>();
        services.AddSingleton<UnsubscribeTokens>();
        services.AddSingleton<NewsletterMessages>();
        services.AddRecurringJob<SendNewslettersJob>("privacy.send-newsletters", "*/15 * * * * *",
            "Sends the newsletters that are sending, in batches (also started at once when an admin sends one)");
        services.AddScoped<DataSubjects>();
        services.AddScoped<IPersonalDataContributor, PrivacyContributor>();
        services.AddSingleton<PageViewRecorder>();
        services.AddSingleton<IPageViewRecorder>(provider => provider.GetRequiredService<PageViewRecorder>());
        services.AddHostedService(provider => provider.GetRequiredService<PageViewRecorder>());
        return services;
    }

    /// <summary>
    /// The one-click unsubscribe of RFC 8058: a mail app POSTs <c>List-Unsubscribe=One-Click</c> to the address in the
    /// newsletter's <c>List-Unsubscribe</c> header, without cookies or a form of ours, so there is no antiforgery token to
    /// check; the signed token is the proof. A GET (the footer link, a mail scanner) changes nothing and opens the page.
    /// </summary>
    public static IEndpointRouteBuilder MapPrivacy(this IEndpointRouteBuilder endpoints)
    {
        const string path = "/Privacy/Unsubscribe/OneClick";
        endpoints.MapPost(path, async (string? token, IMediator mediator, CancellationToken ct) =>
                await mediator.Send(new UnsubscribeWithToken(token), ct) is { } channel
                    ? Results.Text($"Unsubscribed from newsletters by {Channels.Display(channel)}.")
                    : Results.BadRequest("This unsubscribe link is not valid."))
            .AllowAnonymous()
            .DisableAntiforgery();
        endpoints.MapGet(path, (string? token) => Results.Redirect("/Privacy/Unsubscribe?token=" + Uri.EscapeDataString(token ?? string.Empty)))
            .AllowAnonymous();
        return endpoints;
    }
}
