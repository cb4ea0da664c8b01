using MediatR;
using Platform.Modules.Accounts.Contracts;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Features;

/// <summary>
/// The signed-in company's country (ISO 3166-1 alpha-2), which Accounts owns (ADR 17): the default for reading the numbers
/// its people type (<see cref="PhoneNumbers.Parse"/>), for showing numbers to them (<see cref="PhoneNumbers.Display"/>)
/// and for a new campaign's time zone. Scoped, so a request asks Accounts once however many numbers its page shows.
/// </summary>
internal sealed class CompanyCountry(IMediator mediator, ITenantContext tenant)
{
    private string? country;

    public async Task<string> GetAsync(CancellationToken cancellationToken) =>
        country ??= (await mediator.Send(new GetCompany(tenant.RequireCompanyId()), cancellationToken))?.Country ?? PhoneCountries.Fallback;

    /// <summary>How the number field explains itself: the company's own way of writing numbers first, international always works.</summary>
    public static string NumberHint(string country) =>
        PhoneCountries.Find(country) is { } home
            ? $"Write it as it is dialled in {home.Name}, or in international format with + and the country code."
            : PhoneNumbers.FormatHint;
}
