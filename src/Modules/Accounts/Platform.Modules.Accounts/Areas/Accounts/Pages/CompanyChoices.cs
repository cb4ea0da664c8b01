using Microsoft.AspNetCore.Mvc.Rendering;
using Platform.Modules.Accounts.Domain;
using Platform.Modules.Shared;

namespace Platform.Modules.Accounts.Areas.Accounts.Pages;

/// <summary>The select lists of the company fields, for the registration and the profile forms.</summary>
internal static class CompanyChoices
{
    public static IEnumerable<SelectListItem> Sectors => MarketSectors.All.Select(s => new SelectListItem(s, s));

    public static IEnumerable<SelectListItem> Countries => PhoneCountries.All.Select(c => new SelectListItem(c.Name, c.Code));
}
