using MediatR;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Modules.Accounts.Contracts;
using Platform.Modules.Accounts.Domain;
using Platform.Modules.Shared;

namespace Platform.Modules.Accounts.Features;

internal sealed class EnsurePlatformAdminHandler(
    UserManager<PlatformUser> users,
    IUserStore<PlatformUser> store,
    RoleManager<IdentityRole<Guid>> roles,
    TimeProvider clock) : IRequestHandler<EnsurePlatformAdmin, Guid>
{
    public async Task<Guid> Handle(EnsurePlatformAdmin request, CancellationToken cancellationToken)
    {
        if (!await roles.RoleExistsAsync(PlatformClaims.PlatformAdminRole))
        {
            var role = await roles.CreateAsync(new IdentityRole<Guid>(PlatformClaims.PlatformAdminRole) { Id = Guid.NewGuid() });
            ThrowIfFailed(role);
        }

        var admin = await users.FindByEmailAsync(request.Email);
        if (admin is null)
        {
            admin = new PlatformUser
            {
                Id = Guid.NewGuid(),
                UserName = request.Email,
                Email = request.Email,
                EmailConfirmed = true,
                FirstName = "Platform",
                Surname = "Admin",
                CreatedAt = clock.GetUtcNow(),
            };
            ThrowIfFailed(await users.CreateAsync(admin, request.Password));
        }

        if (!await users.IsInRoleAsync(admin, PlatformClaims.PlatformAdminRole))
        {
            ThrowIfFailed(await users.AddToRoleAsync(admin, PlatformClaims.PlatformAdminRole));
        }

        if (request.AuthenticatorKey is { } given)
        {
            await SetAuthenticatorAsync(admin, given, cancellationToken);
        }

        return admin.Id;
    }

    /// <summary>The given secret becomes the admin's authenticator key, two-factor on (UserManager only makes random keys).</summary>
    private async Task SetAuthenticatorAsync(PlatformUser admin, string given, CancellationToken cancellationToken)
    {
        var key = new string(given.Where(c => !char.IsWhiteSpace(c)).ToArray()).TrimEnd('=').ToUpperInvariant();
        if (key.Length < 16 || key.Any(c => c is not (>= 'A' and <= 'Z' or >= '2' and <= '7')))
        {
            throw new RequestValidationException(nameof(EnsurePlatformAdmin.AuthenticatorKey), "The authenticator key must be base32 (A-Z, 2-7), at least 16 characters.");
        }

        if (await users.GetAuthenticatorKeyAsync(admin) != key)
        {
            await users.SetAuthenticatorKeyAsync(store, admin, key, cancellationToken);
        }

        if (!await users.GetTwoFactorEnabledAsync(admin))
        {
            ThrowIfFailed(await users.SetTwoFactorEnabledAsync(admin, true));
        }
    }

    internal static void ThrowIfFailed(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new RequestValidationException(result.Errors.Select(IdentityErrors.ToValidationError).ToList());
        }
    }
}

internal sealed class EnsureCompanyWithOwnerHandler(
    AccountsDbContext db,
    UserManager<PlatformUser> users,
    IMediator mediator) : IRequestHandler<EnsureCompanyWithOwner, Guid>
{
    public async Task<Guid> Handle(EnsureCompanyWithOwner request, CancellationToken cancellationToken)
    {
        var existing = await users.FindByEmailAsync(request.OwnerEmail);
        if (existing?.CompanyId is { } companyId)
        {
            return companyId;
        }

        await mediator.Send(
            new RegisterCompany
            {
                CompanyName = request.CompanyName,
                Country = request.Country ?? PhoneCountries.OfNumber(request.OwnerMobile)?.Code ?? PhoneCountries.Fallback,
                MarketSector = request.MarketSector,
                Email = request.OwnerEmail,
                Password = request.OwnerPassword,
                ConfirmPassword = request.OwnerPassword,
                FirstName = request.OwnerFirstName,
                Surname = request.OwnerSurname,
                MobileNumber = request.OwnerMobile,
                PostalCode = request.OwnerPostalCode,
                IsAdult = true,
                AcceptTerms = true,
                AddressConfirmed = true,
            },
            cancellationToken);
        return await db.Users.Where(u => u.Email == request.OwnerEmail).Select(u => u.CompanyId!.Value).SingleAsync(cancellationToken);
    }
}

internal sealed class GetCompanyHandler(AccountsDbContext db) : IRequestHandler<GetCompany, CompanyDto?>
{
    public Task<CompanyDto?> Handle(GetCompany request, CancellationToken cancellationToken) =>
        db.Companies.AsNoTracking()
            .Where(c => c.Id == request.CompanyId)
            .Select(c => new CompanyDto(c.Id, c.Name, c.MarketSector, c.CreatedAt, c.Country, c.ConfirmedAt != null, c.TaxId))
            .SingleOrDefaultAsync(cancellationToken);
}

internal sealed class CompanyLookupHandlers(AccountsDbContext db)
    : IRequestHandler<GetCompanies, IReadOnlyList<CompanyDto>>, IRequestHandler<SearchCompanies, IReadOnlyList<CompanyDto>>
{
    public async Task<IReadOnlyList<CompanyDto>> Handle(GetCompanies request, CancellationToken cancellationToken) =>
        await db.Companies.AsNoTracking()
            .Where(c => request.CompanyIds.Contains(c.Id))
            .Select(c => new CompanyDto(c.Id, c.Name, c.MarketSector, c.CreatedAt, c.Country, c.ConfirmedAt != null, c.TaxId))
            .ToListAsync(cancellationToken);

    public async Task<IReadOnlyList<CompanyDto>> Handle(SearchCompanies request, CancellationToken cancellationToken) =>
        await CompanyNameSearch.Matching(db.Companies.AsNoTracking(), request.NameContains)
            .OrderBy(c => c.Name)
            .Take(Math.Clamp(request.Limit, 1, 200))
            .Select(c => new CompanyDto(c.Id, c.Name, c.MarketSector, c.CreatedAt, c.Country, c.ConfirmedAt != null, c.TaxId))
            .ToListAsync(cancellationToken);
}

/// <summary>How admins find a company: its name contains the text, in any case; LIKE's own characters are searched for, not patterns.</summary>
internal static class CompanyNameSearch
{
    public static IQueryable<Company> Matching(IQueryable<Company> companies, string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return companies;
        }

        var pattern = "%" + name.Trim().Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";
        return companies.Where(c => EF.Functions.ILike(c.Name, pattern));
    }
}
