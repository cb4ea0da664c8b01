using System.ComponentModel.DataAnnotations;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Accounts.Domain;
using Platform.Modules.Shared;

namespace Platform.Modules.Accounts.Features;

/// <summary>The signed-in user's own profile, and their company's details (only Owners may change those).</summary>
internal sealed class UpdateProfile : PersonInput, IRequest<Unit>
{
    [StringLength(200, ErrorMessage = "The company name can have at most 200 characters.")]
    [Display(Name = "Company name")]
    public string? CompanyName { get; set; }

    [Display(Name = "Market sector")]
    public string? MarketSector { get; set; }

    /// <summary>The company's VAT or tax number, printed on its invoices; empty: none.</summary>
    [Display(Name = "VAT / tax ID")]
    public string? TaxId { get; set; }

    /// <summary>The company's country, as the Owner chooses it on the form (a Member's form does not show it).</summary>
    [Display(Name = "Country")]
    public string? Country { get; set; }

    // The mobile number is read in the company's country as stored (CompanyCountry), the one the form showed it in: an
    // Owner who moves the company to another country must not have their national-format number re-read as that one's.
}

internal sealed class UpdateProfileValidator : IRequestValidator<UpdateProfile>
{
    public IEnumerable<ValidationError> Validate(UpdateProfile request) =>
        request.PersonProblems().Concat(CompanyRules.Problems(request.Country, request.MarketSector)).Concat(CompanyRules.TaxIdProblems(request.TaxId));
}

/// <summary>The signed-in user's profile as the form shows it: the mobile number in national format when it is of the company's country.</summary>
internal sealed record GetProfile : IRequest<UpdateProfile>;

internal sealed class GetProfileHandler(AccountsDbContext db, ITenantContext tenant) : IRequestHandler<GetProfile, UpdateProfile>
{
    public async Task<UpdateProfile> Handle(GetProfile request, CancellationToken cancellationToken)
    {
        var userId = tenant.UserId ?? throw new UnauthorizedAccessException("Sign in first.");
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Id == userId, cancellationToken);
        var company = user.CompanyId is { } companyId
            ? await db.Companies.AsNoTracking().SingleOrDefaultAsync(c => c.Id == companyId, cancellationToken)
            : null;
        return new UpdateProfile
        {
            FirstName = user.FirstName,
            Surname = user.Surname,
            MobileNumber = PhoneNumbers.Display(user.PhoneNumber, company?.Country),
            PostalCode = user.PostalCode,
            CompanyName = company?.Name,
            MarketSector = company?.MarketSector,
            Country = company?.Country,
            TaxId = company?.TaxId,
            CompanyCountry = company?.Country,
        };
    }
}

internal sealed class UpdateProfileHandler(AccountsDbContext db, ITenantContext tenant) : IRequestHandler<UpdateProfile, Unit>
{
    public async Task<Unit> Handle(UpdateProfile request, CancellationToken cancellationToken)
    {
        var userId = tenant.UserId ?? throw new UnauthorizedAccessException("Sign in first.");
        var user = await db.Users.SingleAsync(u => u.Id == userId, cancellationToken);
        request.CopyTo(user);

        // Company details belong to the Owners; a Member's form does not show them, and a forged post is ignored.
        if (tenant.IsOwner && user.CompanyId is { } companyId)
        {
            var company = await db.Companies.SingleAsync(c => c.Id == companyId, cancellationToken);
            if (!string.IsNullOrWhiteSpace(request.CompanyName))
            {
                company.Name = request.CompanyName.Trim();
            }

            if (!string.IsNullOrWhiteSpace(request.MarketSector))
            {
                company.MarketSector = request.MarketSector;
            }

            if (PhoneCountries.Find(request.Country) is { } country)
            {
                company.Country = country.Code;
            }

            // Optional, so empty clears it; upper case and without inner spaces, as it is printed.
            company.TaxId = string.IsNullOrWhiteSpace(request.TaxId) ? null : request.TaxId.Trim().Replace(" ", string.Empty, StringComparison.Ordinal).ToUpperInvariant();
        }

        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}
