using Platform.Modules.Campaigns.Domain;

namespace Platform.Modules.Campaigns.Areas.Campaigns.Pages;

/// <summary>How statuses look on the pages.</summary>
internal static class CampaignView
{
    public static string Badge(string status) => status switch
    {
        CampaignStatus.Sending => "primary",
        CampaignStatus.Scheduled => "info",
        CampaignStatus.Completed => "success",
        CampaignStatus.Paused => "warning",
        CampaignStatus.NeedsAttention => "danger",
        _ => "secondary",
    };

    public static string StatusText(string status) => status == CampaignStatus.NeedsAttention ? "Needs attention" : status;

    /// <summary>The Bootstrap class of a lifecycle button (which buttons show is <see cref="CampaignLifecycle.ActionsFor"/>).</summary>
    public static string ButtonClass(CampaignAction action) => action switch
    {
        CampaignAction.Pause => "btn-warning",
        CampaignAction.Cancel => "btn-outline-danger",
        _ => "btn-primary",
    };

    public static string ButtonText(CampaignAction action) => action == CampaignAction.Cancel ? "Cancel campaign" : action.ToString();

    /// <summary>The IANA time zones offered on the form (the system's list), the company's likely ones first.</summary>
    public static IReadOnlyList<string> TimeZones { get; } = TimeZoneInfo.GetSystemTimeZones()
        .Select(z => z.Id)
        .Where(id => id.Contains('/', StringComparison.Ordinal) || id == "UTC")
        .Order(StringComparer.Ordinal)
        .ToList();
}
