using Platform.Modules.Shared;

namespace Platform.Modules.Accounts.Domain;

/// <summary>A business customer: the tenant every other module's rows belong to.</summary>
internal sealed class Company
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    public required string MarketSector { get; set; }

    /// <summary>
    /// Where the company is, ISO 3166-1 alpha-2 ("GB"): its people's numbers are typed and shown the way they are dialled
    /// there, and other modules ask for it through <c>GetCompany</c> (tax, time-zone defaults).
    /// </summary>
    public required string Country { get; set; }

    /// <summary>VAT or other tax number, printed on invoices as the buyer's (Migrations/0012_company_tax_id.sql); null: none.</summary>
    public string? TaxId { get; set; }

    /// <summary>The version of the terms and privacy policy the registering owner accepted.</summary>
    public required string TermsVersion { get; set; }

    public DateTimeOffset TermsAcceptedAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>
    /// When the owner confirmed the registration's email address; null until then, and an unconfirmed company may not send
    /// campaigns or buy credits (<see cref="Features.CompanyStanding"/>).
    /// </summary>
    public DateTimeOffset? ConfirmedAt { get; set; }

    /// <summary>When an admin suspended the company (null: not suspended); its users cannot sign in, and it may not spend.</summary>
    public DateTimeOffset? SuspendedAt { get; set; }

    /// <summary>The admin's reason, shown to the company's users and in the emails.</summary>
    public string? SuspensionReason { get; set; }
}

/// <summary>One suspension or lift of a company, by which admin and why: the audit trail of account standing.</summary>
internal sealed class CompanyStandingChange
{
    public const string Suspended = "suspended";
    public const string Lifted = "lifted";

    public Guid Id { get; set; }

    public Guid CompanyId { get; set; }

    public required string Action { get; set; }

    public string? Reason { get; set; }

    public Guid? AdminUserId { get; set; }

    public DateTimeOffset At { get; set; }
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

/// <summary>The company fields' rules beyond data annotations, shared by registration and the profile (empty: not given).</summary>
internal static class CompanyRules
{
    /// <summary>A tax number as tax authorities write them: letters, digits, and the spaces, dots and dashes people type in them.</summary>
    public const int MaxTaxIdLength = 30;

    public static IEnumerable<ValidationError> TaxIdProblems(string? taxId)
    {
        var value = taxId?.Trim() ?? string.Empty;
        if (value.Length > 0 && (value.Length is < 4 or > MaxTaxIdLength || !value.All(c => char.IsAsciiLetterOrDigit(c) || c is ' ' or '.' or '-')
                                 || !value.Any(char.IsAsciiDigit)))
        {
            yield return new ValidationError("TaxId", $"Enter the tax ID as it is written (4 to {MaxTaxIdLength} letters and digits, e.g. GB123456789), or leave it empty.");
        }
    }

    public static IEnumerable<ValidationError> Problems(string? country, string? marketSector)
    {
        if (!string.IsNullOrWhiteSpace(country) && PhoneCountries.Find(country) is null)
        {
            yield return new ValidationError("Country", "Choose your company's country from the list.");
        }

        if (!string.IsNullOrEmpty(marketSector) && !MarketSectors.All.Contains(marketSector))
        {
            yield return new ValidationError("MarketSector", "Choose a market sector from the list.");
        }
    }
}

/// <summary>A user's role inside their company.</summary>
internal static class CompanyRoles
{
    public const string Owner = "Owner";
    public const string Member = "Member";

    public static readonly IReadOnlyList<string> All = [Owner, Member];
}
