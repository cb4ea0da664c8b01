namespace Platform.Modules.Shared;

/// <summary>
/// The names of the authorization policies, so any module can declare which one guards its pages
/// (<see cref="IModule.AreaPolicy"/>) without referencing Accounts, which defines them from the claims it issues.
/// </summary>
public static class AuthorizationPolicies
{
    /// <summary>A user who belongs to a company.</summary>
    public const string CompanyUser = "CompanyUser";

    /// <summary>A company's Owner.</summary>
    public const string CompanyOwner = "CompanyOwner";

    /// <summary>A platform administrator.</summary>
    public const string PlatformAdmin = "PlatformAdmin";
}
