namespace Platform.Modules.Accounts.Domain;

/// <summary>A business customer: the tenant every other module's rows belong to.</summary>
internal sealed class Company
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    public required string MarketSector { get; set; }

    /// <summary>The version of the terms and privacy policy the registering owner accepted.</summary>
    public required string TermsVersion { get; set; }

    public DateTimeOffset TermsAcceptedAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>The market sectors a company can choose from at registration.</summary>
internal static class MarketSectors
{
    public static readonly IReadOnlyList<string> All =
    [
        "Retail",
        "Food and drink",
        "Health and beauty",
        "Travel and leisure",
        "Financial services",
        "Education",
        "Charity and non-profit",
        "Public sector",
        "Technology",
        "Other",
    ];
}

/// <summary>A user's role inside their company.</summary>
internal static class CompanyRoles
{
    public const string Owner = "Owner";
    public const string Member = "Member";

    public static readonly IReadOnlyList<string> All = [Owner, Member];
}
