namespace Platform.Modules.Campaigns.Domain;

/// <summary>How often a recurring campaign repeats; the form's values are the stored ones.</summary>
internal static class RepeatFrequency
{
    public const string None = "none";
    public const string Daily = "daily";
    public const string Weekly = "weekly";
    public const string Monthly = "monthly";

    public static readonly IReadOnlyList<(string Value, string Label)> Choices =
        [(None, "Does not repeat"), (Daily, "Every day"), (Weekly, "Every week"), (Monthly, "Every month")];

    public static bool IsRepeating(string? value) => value is Daily or Weekly or Monthly;
}

/// <summary>
/// A campaign that repeats: the source campaign is occurrence 0; occurrence n falls n days, weeks or months after the first
/// at the same wall-clock time in <see cref="TimeZone"/> (a month that lacks the day takes its last day), until
/// <see cref="Until"/>. Kept as the module's own rows, so what is due is a query and tests drive it with a clock.
/// </summary>
internal sealed class CampaignRecurrence
{
    public Guid Id { get; set; }

    public Guid CompanyId { get; set; }

    public Guid SourceCampaignId { get; set; }

    public required string Frequency { get; set; }

    public DateTime FirstLocal { get; set; }

    public required string TimeZone { get; set; }

    public DateOnly? Until { get; set; }

    public int NextOccurrence { get; set; }

    public DateTimeOffset? NextAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    public string? LastProblem { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When occurrence <paramref name="n"/> is due (UTC), or null when it falls after <see cref="Until"/>.</summary>
    public DateTimeOffset? At(int n)
    {
        var local = Frequency switch
        {
            RepeatFrequency.Daily => FirstLocal.AddDays(n),
            RepeatFrequency.Weekly => FirstLocal.AddDays(7 * n),
            _ => FirstLocal.AddMonths(n),
        };
        if (Until is { } until && DateOnly.FromDateTime(local) > until)
        {
            return null;
        }

        var zone = TimeZoneInfo.FindSystemTimeZoneById(TimeZone);
        // A wall-clock time the clocks skip (spring forward) is sent an hour later; an ambiguous one at its first occurrence.
        if (zone.IsInvalidTime(local))
        {
            local = local.AddHours(1);
        }

        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), zone), TimeSpan.Zero);
    }

    /// <summary>"Every week on Friday at 09:00 (Europe/London) until 2027-01-31", as the campaign page says it.</summary>
    public string Describe()
    {
        var when = Frequency switch
        {
            RepeatFrequency.Daily => "Every day",
            RepeatFrequency.Weekly => $"Every week on {FirstLocal.DayOfWeek}",
            _ => $"Every month on day {FirstLocal.Day}",
        };
        return $"{when} at {FirstLocal:HH:mm} ({TimeZone})" + (Until is { } until ? $" until {until:yyyy-MM-dd}" : string.Empty);
    }
}
