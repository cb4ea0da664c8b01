using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>A clock the test sets: what the recurring-campaigns job reads as "now".</summary>
public sealed class TestClock : TimeProvider
{
    public DateTimeOffset Now { get; set; } = DateTimeOffset.UtcNow;

    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>The sending host whose recurring-campaigns job runs on <see cref="Clock"/> (the rest of the host on the real clock).</summary>
public sealed class RecurringFactory : SendingFactory
{
    public TestClock Clock { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddKeyedSingleton<TimeProvider>("campaigns.recurrence-clock", Clock));
    }

    /// <summary>Runs the job at <paramref name="now"/>, as its one-minute schedule would then.</summary>
    public Task RunRecurringAt(DateTimeOffset now)
    {
        Clock.Now = now;
        return RunRecurringJobAsync("campaigns.recurring");
    }
}

/// <summary>
/// Recurring campaigns (issue #20 item 5): a scheduled campaign that repeats makes each occurrence a few minutes before its
/// time, a copy scheduled like any campaign, at the same local time, until its end; driven with a test clock.
/// </summary>
public sealed class RecurringCampaignTests(RecurringFactory factory) : IClassFixture<RecurringFactory>
{
    private static readonly TimeZoneInfo London = TimeZoneInfo.FindSystemTimeZoneById("Europe/London");

    [Fact]
    public async Task A_daily_campaign_is_made_again_each_day_at_the_same_local_time_until_its_end_and_never_twice()
    {
        var (owner, companyId) = await factory.CompanyAsync("Daily Bagels");
        var listId = await factory.ListAsync(companyId, "Regulars", 2, first: 6_100_000);
        var first = DateTime.UtcNow.Date.AddDays(2).AddHours(9); // a day after tomorrow, 09:00 London
        var form = SendingFactory.CampaignForm("Morning bagels", listId, sendAt: first.ToString("yyyy-MM-ddTHH:mm"));
        form["Input.Repeat"] = "daily";
        form["Input.RepeatUntil"] = first.AddDays(2).ToString("yyyy-MM-dd");
        var sourceId = await SendingFactory.CreateCampaignAsync(owner, form);

        // Six minutes before the second day's send nothing is made; five minutes before, the occurrence is, once.
        await factory.RunRecurringAt(At(first.AddDays(1)).AddMinutes(-6));
        (await OccurrencesAsync(sourceId)).Should().BeEmpty();
        await factory.RunRecurringAt(At(first.AddDays(1)).AddMinutes(-4));
        await factory.RunRecurringAt(At(first.AddDays(1)).AddMinutes(-3));
        var made = await OccurrencesAsync(sourceId);
        made.Should().ContainSingle();
        made[0].Should().Be((1, At(first.AddDays(1)), "Scheduled", "Morning bagels (" + first.AddDays(1).ToString("yyyy-MM-dd") + ")"));
        (await factory.Database.ScalarAsync<string>("SELECT body || '|' || array_to_string(list_ids, ',') FROM campaigns.campaigns WHERE recurrence_id IS NOT NULL AND occurrence = 1 AND name LIKE 'Morning bagels%'"))
            .Should().Be("Hi {first_name|there}, 20% off pizza tonight. Reply STOP to opt out|" + listId);

        // The third day: the second occurrence, the last one before the end date; then nothing more.
        await factory.RunRecurringAt(At(first.AddDays(2)).AddMinutes(-2));
        await factory.RunRecurringAt(At(first.AddDays(3)));
        (await OccurrencesAsync(sourceId)).Select(o => (o.Occurrence, o.At)).Should().Equal((1, At(first.AddDays(1))), (2, At(first.AddDays(2))));
        var (_, page) = await owner.GetAsync($"/Campaigns/Details/{sourceId}");
        WebUtility.HtmlDecode(page).Should().Contain("Part of a series that no longer repeats (Every day at 09:00 (Europe/London) until " + first.AddDays(2).ToString("yyyy-MM-dd") + ")");
    }

    [Fact]
    public async Task A_monthly_campaign_on_the_31st_falls_on_the_last_day_of_shorter_months_and_stopping_it_makes_no_more()
    {
        var (owner, companyId) = await factory.CompanyAsync("Monthly Muffins");
        var listId = await factory.ListAsync(companyId, "Regulars", 2, first: 6_200_000);
        var year = DateTime.UtcNow.Year + 1;
        var first = new DateTime(year, 1, 31, 10, 30, 0);
        var form = SendingFactory.CampaignForm("Month end muffins", listId, sendAt: first.ToString("yyyy-MM-ddTHH:mm"));
        form["Input.Repeat"] = "monthly";
        var sourceId = await SendingFactory.CreateCampaignAsync(owner, form);
        var (_, page) = await owner.GetAsync($"/Campaigns/Details/{sourceId}");
        WebUtility.HtmlDecode(page).Should().Contain($"Repeats: Every month on day 31 at 10:30 (Europe/London). Next: {year}-02-28 10:30.");

        await factory.RunRecurringAt(At(new DateTime(year, 2, 28, 10, 26, 0)));
        (await OccurrencesAsync(sourceId)).Select(o => o.At).Should().Equal(At(new DateTime(year, 2, 28, 10, 30, 0)));

        (await owner.PostFormAsync($"/Campaigns/Details/{sourceId}", [], "StopRepeating")).StatusCode.Should().Be(HttpStatusCode.Redirect);
        await factory.RunRecurringAt(At(new DateTime(year, 3, 31, 10, 30, 0)));
        (await OccurrencesAsync(sourceId)).Should().ContainSingle("a stopped series makes nothing more");
    }

    [Fact]
    public async Task A_repeat_without_a_first_time_as_a_draft_or_ending_before_it_starts_is_refused_and_nothing_is_saved()
    {
        var (owner, companyId) = await factory.CompanyAsync("Refused Repeats");
        var listId = await factory.ListAsync(companyId, "Regulars", 1, first: 6_300_000);
        var first = DateTime.UtcNow.Date.AddDays(3).AddHours(9);
        var cases = new (Dictionary<string, string> Form, string Message)[]
        {
            (With(SendingFactory.CampaignForm("No time", listId), ("Input.Repeat", "weekly")), "A repeating campaign needs the time of its first send"),
            (With(SendingFactory.CampaignForm("Draft", listId, sendAt: first.ToString("yyyy-MM-ddTHH:mm"), schedule: false), ("Input.Repeat", "weekly")), "A repeating campaign starts when you schedule it"),
            (With(SendingFactory.CampaignForm("Backwards", listId, sendAt: first.ToString("yyyy-MM-ddTHH:mm")), ("Input.Repeat", "daily"), ("Input.RepeatUntil", first.AddDays(-1).ToString("yyyy-MM-dd"))), "The repeats must end on or after the day of the first send"),
            (With(SendingFactory.CampaignForm("Hourly", listId, sendAt: first.ToString("yyyy-MM-ddTHH:mm")), ("Input.Repeat", "hourly")), "Choose how often it repeats from the list"),
        };
        foreach (var (form, message) in cases)
        {
            var response = await owner.PostFormAsync("/Campaigns/Create", form);
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()).Should().Contain(message);
        }

        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.campaigns WHERE company_id = @c", ("c", companyId))).Should().Be(0);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.recurrences WHERE company_id = @c", ("c", companyId))).Should().Be(0);
    }

    private static Dictionary<string, string> With(Dictionary<string, string> form, params (string Key, string Value)[] fields)
    {
        foreach (var (key, value) in fields)
        {
            form[key] = value;
        }

        return form;
    }

    private static DateTimeOffset At(DateTime londonWallClock) =>
        new(TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(londonWallClock, DateTimeKind.Unspecified), London), TimeSpan.Zero);

    private async Task<List<(int Occurrence, DateTimeOffset At, string Status, string Name)>> OccurrencesAsync(Guid sourceId)
    {
        await using var connection = new Npgsql.NpgsqlConnection(factory.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            """
            SELECT c.occurrence, c.scheduled_at, c.status, c.name FROM campaigns.campaigns c
            JOIN campaigns.campaigns s ON s.recurrence_id = c.recurrence_id AND s.id = @source
            WHERE c.occurrence > 0 ORDER BY c.occurrence
            """, connection);
        command.Parameters.AddWithValue("source", sourceId);
        var result = new List<(int, DateTimeOffset, string, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            result.Add((reader.GetInt32(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2), reader.GetString(3)));
        }

        return result;
    }
}
