using System.Security.Claims;
using Microsoft.AspNetCore.Http;

namespace Platform.Modules.Shared;

/// <summary>The claim types the platform puts on a signed-in principal.</summary>
public static class PlatformClaims
{
    public const string CompanyId = "platform:company_id";
    public const string CompanyRole = "platform:company_role";
    public const string PlatformAdminRole = "PlatformAdmin";
}

/// <summary>
/// The company (tenant) the current request acts for. Every tenant-owned query filters by
/// <see cref="RequireCompanyId"/>; nothing takes a company id from the URL or the form.
/// </summary>
public interface ITenantContext
{
    Guid? CompanyId { get; }

    Guid? UserId { get; }

    bool IsOwner { get; }

    bool IsPlatformAdmin { get; }

    /// <summary>The company id, or an exception when the caller is not acting for a company.</summary>
    Guid RequireCompanyId();
}

internal sealed class HttpTenantContext(IHttpContextAccessor accessor) : ITenantContext
{
    private ClaimsPrincipal? User => accessor.HttpContext?.User;

    public Guid? CompanyId =>
        Guid.TryParse(User?.FindFirstValue(PlatformClaims.CompanyId), out var id) ? id : null;

    public Guid? UserId =>
        Guid.TryParse(User?.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : null;

    public bool IsOwner => User?.FindFirstValue(PlatformClaims.CompanyRole) == "Owner";

    public bool IsPlatformAdmin => User?.IsInRole(PlatformClaims.PlatformAdminRole) == true;

    public Guid RequireCompanyId() =>
        CompanyId ?? throw new UnauthorizedAccessException("This action needs a signed-in company user.");
}
