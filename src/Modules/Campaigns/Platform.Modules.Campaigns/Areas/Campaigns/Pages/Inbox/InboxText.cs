using System.Globalization;
using Platform.Modules.Campaigns.Contracts;
using Platform.Modules.Campaigns.Features.TwoWay;

namespace Platform.Modules.Campaigns.Areas.Campaigns.Pages.Inbox;

/// <summary>How inbox entries and settings read on the pages.</summary>
internal static class InboxText
{
    /// <summary>An event entry in words: "Texted keyword PIZZA", "STOP: please stop texting me", "START".</summary>
    public static string Event(InboxEntry entry)
    {
        var text = entry.Body.Trim();
        return entry.Event switch
        {
            ConversationEventKinds.Keyword => $"Texted keyword {text.ToUpperInvariant()}",
            ConversationEventKinds.Stop => $"STOP: {text}",
            ConversationEventKinds.Start => string.Equals(text, "START", StringComparison.OrdinalIgnoreCase) ? "START" : $"START: {text}",
            _ => text,
        };
    }

    /// <summary>"12 months" for 365 days, else whole months or days.</summary>
    public static string Duration(TimeSpan span)
    {
        var days = (int)Math.Round(span.TotalDays);
        if (days >= 365 && days % 365 == 0)
        {
            var months = days / 365 * 12;
            return $"{months.ToString(CultureInfo.InvariantCulture)} months";
        }

        return days == 1 ? "1 day" : $"{days.ToString(CultureInfo.InvariantCulture)} days";
    }
}
