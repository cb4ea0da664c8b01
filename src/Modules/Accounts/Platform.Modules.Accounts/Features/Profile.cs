using System.ComponentModel.DataAnnotations;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Accounts.Domain;
using Platform.Modules.Shared;

namespace Platform.Modules.Accounts.Features;

/// <summary>The signed-in user's own profile, and their company's details (only Owners may change those).</summary>
internal sealed class UpdateProfile : IRequest<Unit>
{
    [Required(ErrorMessage = "Enter your first name.")]
    [StringLength(100, ErrorMessage = "The first name can have at most 100 characters.")]
    [Display(Name = "First name")]
    public string FirstName { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter your surname.")]
    [StringLength(100, ErrorMessage = "The surname can have at most 100 characters.")]
    public string Surname { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter your mobile number.")]
    [Display(Name = "Mobile number")]
    public string MobileNumber { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter your postal code.")]
    [StringLength(20, ErrorMessage = "The postal code can have at most 20 characters.")]
    [Display(Name = "Postal code")]
    public string PostalCode { get; set; } = string.Empty;

    [StringLength(200, ErrorMessage = "The company name can have at most 200 characters.")]
    [Display(Name = "Company name")]
    public string? CompanyName { get; set; }

    [Display(Name = "Market sector")]
    public string? MarketSector { get; set; }
}

internal sealed class UpdateProfileValidator : IRequestValidator<UpdateProfile>
{
    public IEnumerable<ValidationError> Validate(UpdateProfile request)
    {
        if (!string.IsNullOrEmpty(request.MobileNumber) && !PhoneNumbers.TryNormalizeE164(request.MobileNumber, out _))
        {
            yield return new ValidationError(nameof(request.MobileNumber), PhoneNumbers.FormatHint);
        }

        if (request.MarketSector is { Length: > 0 } sector && !MarketSectors.All.Contains(sector))
        {
            yield return new ValidationError(nameof(request.MarketSector), "Choose a market sector from the list.");
        }
    }
}

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
            MobileNumber = user.PhoneNumber ?? string.Empty,
            PostalCode = user.PostalCode,
            CompanyName = company?.Name,
            MarketSector = company?.MarketSector,
        };
    }
}

internal sealed class UpdateProfileHandler(AccountsDbContext db, ITenantContext tenant) : IRequestHandler<UpdateProfile, Unit>
{
    public async Task<Unit> Handle(UpdateProfile request, CancellationToken cancellationToken)
    {
        var userId = tenant.UserId ?? throw new UnauthorizedAccessException("Sign in first.");
        var user = await db.Users.SingleAsync(u => u.Id == userId, cancellationToken);
        PhoneNumbers.TryNormalizeE164(request.MobileNumber, out var mobile);
        user.FirstName = request.FirstName.Trim();
        user.Surname = request.Surname.Trim();
        user.PhoneNumber = mobile;
        user.PostalCode = request.PostalCode.Trim();

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
        }

        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}
