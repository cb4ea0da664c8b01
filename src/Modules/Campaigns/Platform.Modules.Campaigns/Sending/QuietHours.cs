namespace Platform.Modules.Campaigns.Sending;

/// <summary>
/// The sending window in a recipient's local time (default 08:00–21:00). Computed with the IANA time zone rules,
/// so a daylight-saving change moves the window's UTC times with it.
/// </summary>
internal static class QuietHours
{
    public static TimeZoneInfo Zone(string timeZone) =>
        TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out var zone) ? zone : TimeZoneInfo.Utc;

    public static bool IsOpen(DateTimeOffset now, string timeZone, TimeOnly start, TimeOnly end)
    {
        var local = TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, Zone(timeZone)).DateTime);
        return start <= end ? local >= start && local < end : local >= start || local < end;
    }

    /// <summary>When the window is next open at or after <paramref name="now"/> (now itself when it is open).</summary>
    public static DateTimeOffset NextOpening(DateTimeOffset now, string timeZone, TimeOnly start, TimeOnly end)
    {
        if (IsOpen(now, timeZone, start, end))
        {
            return now;
        }

        var zone = Zone(timeZone);
        var localNow = TimeZoneInfo.ConvertTime(now, zone).DateTime;
        var day = DateOnly.FromDateTime(localNow);
        if (TimeOnly.FromDateTime(localNow) >= start)
        {
            day = day.AddDays(1);
        }

        var opening = day.ToDateTime(start, DateTimeKind.Unspecified);
        // A start that falls in a spring-forward gap does not exist that day: the window opens when the clock jumps.
        while (zone.IsInvalidTime(opening))
        {
            opening = opening.AddMinutes(15);
        }

        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(opening, zone), TimeSpan.Zero);
    }
}
