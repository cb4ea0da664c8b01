using MediatR;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.OptIns.Contracts;

namespace Platform.Modules.OptIns.Features;

/// <summary>
/// Aggregate statistics of end users with an account, k-anonymous with k = <see cref="GetSubscriberStatistics.MinimumCell"/>.
/// Only counts leave this handler, and never one below k:
/// <list type="number">
/// <item>A filter is refused unless it selects at least k people and leaves either nobody or at least k people outside
/// it, compared with every coarser filter (each subset of its conditions), so subtracting two answers isolates no one.</item>
/// <item>A cell below k is suppressed; in a filtered answer, so is a cell whose difference from the same cell under any
/// coarser filter is below k.</item>
/// <item>When a breakdown has exactly one suppressed cell, the smallest other one is suppressed too, so the hidden one
/// cannot be worked out from the total.</item>
/// </list>
/// </summary>
internal sealed class GetSubscriberStatisticsHandler(OptInsDbContext db) : IRequestHandler<GetSubscriberStatistics, SubscriberStatistics>
{
    private const string NotGiven = "Not given";
    private const int K = GetSubscriberStatistics.MinimumCell;

    private sealed record Row(string Gender, string AgeBand, string Country, int People);

    private sealed record HourRow(string Gender, string AgeBand, string Country, int Hour, int People);

    public async Task<SubscriberStatistics> Handle(GetSubscriberStatistics request, CancellationToken cancellationToken)
    {
        // The contingency table (a few hundred cells at most), never people.
        var rows = (await db.SubscriberAccounts.AsNoTracking()
                .GroupBy(a => new { a.Gender, a.AgeBand, Country = a.Country == null ? null : a.Country.Trim().ToUpper() })
                .Select(g => new { g.Key.Gender, g.Key.AgeBand, g.Key.Country, People = g.Count() })
                .ToListAsync(cancellationToken))
            .Select(r => new Row(r.Gender ?? NotGiven, r.AgeBand ?? NotGiven, r.Country ?? NotGiven, r.People))
            .ToList();
        var hours = (await (
                    from r in db.Requests.AsNoTracking()
                    join a in db.SubscriberAccounts.AsNoTracking() on r.SubscriberId equals a.SubscriberId
                    group r by new { a.Gender, a.AgeBand, Country = a.Country == null ? null : a.Country.Trim().ToUpper(), r.ReceivedAt.Hour } into g
                    select new { g.Key.Gender, g.Key.AgeBand, g.Key.Country, g.Key.Hour, People = g.Select(x => x.SubscriberId).Distinct().Count() })
                .ToListAsync(cancellationToken))
            .Select(r => new HourRow(r.Gender ?? NotGiven, r.AgeBand ?? NotGiven, r.Country ?? NotGiven, r.Hour, r.People))
            .ToList();

        var filter = Normalize(request.Filter);
        var coarser = Coarser(filter).Distinct().ToList();
        var people = rows.Where(r => Matches(filter, r.Gender, r.AgeBand, r.Country)).Sum(r => r.People);
        var genders = SubscriberChoices.Genders.Append(NotGiven).ToList();
        var bands = SubscriberChoices.AgeBands.Append(NotGiven).ToList();
        if (!filter.IsEmpty)
        {
            var unsafeDifference = coarser.Select(c => rows.Where(r => Matches(c, r.Gender, r.AgeBand, r.Country)).Sum(r => r.People) - people).Any(Small);
            if (people < K || unsafeDifference)
            {
                return new SubscriberStatistics(K, $"This filter would describe fewer than {K} people (or tell them apart from the rest), so no figures are shown for it. Choose a broader filter.",
                    null, [], [], [], [], genders, bands);
            }
        }

        IReadOnlyList<StatisticsCell> Breakdown(Func<Row, string> by, IEnumerable<string> labels)
        {
            int Count(StatisticsFilter f, string label) => rows.Where(r => Matches(f, r.Gender, r.AgeBand, r.Country) && by(r) == label).Sum(r => r.People);
            var all = labels.Union(rows.Where(r => Matches(filter, r.Gender, r.AgeBand, r.Country)).Select(by)).ToList();
            return Suppress(all.Select(label => (label, Count(filter, label), coarser.Select(c => Count(c, label)).ToList())).ToList());
        }

        IReadOnlyList<StatisticsCell> HoursOfDay()
        {
            int Count(StatisticsFilter f, int hour) => hours.Where(r => Matches(f, r.Gender, r.AgeBand, r.Country) && r.Hour == hour).Sum(r => r.People);
            return Suppress(Enumerable.Range(0, 24).Select(h => ($"{h:00}:00", Count(filter, h), coarser.Select(c => Count(c, h)).ToList())).ToList());
        }

        return new SubscriberStatistics(K, null, people,
            Breakdown(r => r.Gender, SubscriberChoices.Genders),
            Breakdown(r => r.AgeBand, SubscriberChoices.AgeBands),
            Breakdown(r => r.Country, []),
            HoursOfDay(),
            genders,
            bands);
    }

    private static bool Small(int count) => count is > 0 and < K;

    private static IReadOnlyList<StatisticsCell> Suppress(IReadOnlyList<(string Label, int Count, List<int> Coarser)> cells)
    {
        var hidden = cells.Select(c => Small(c.Count) || c.Coarser.Any(total => Small(total - c.Count))).ToArray();
        if (hidden.Count(h => h) == 1)
        {
            // Complementary suppression: with one hidden cell, the total minus the others would reveal it.
            var next = cells.Select((c, i) => (c.Count, i)).Where(x => !hidden[x.i] && x.Count > 0).OrderBy(x => x.Count).Select(x => (int?)x.i).FirstOrDefault();
            if (next is { } i)
            {
                hidden[i] = true;
            }
        }

        return cells.Select((c, i) => new StatisticsCell(c.Label, hidden[i] ? null : c.Count)).ToList();
    }

    private static StatisticsFilter Normalize(StatisticsFilter filter) => new(
        string.IsNullOrWhiteSpace(filter.Gender) ? null : filter.Gender.Trim(),
        string.IsNullOrWhiteSpace(filter.AgeBand) ? null : filter.AgeBand.Trim(),
        string.IsNullOrWhiteSpace(filter.Country) ? null : filter.Country.Trim().ToUpperInvariant());

    /// <summary>Every filter made of a proper subset of this one's conditions (the empty filter included).</summary>
    private static IEnumerable<StatisticsFilter> Coarser(StatisticsFilter filter)
    {
        if (filter.IsEmpty)
        {
            yield break;
        }

        for (var mask = 0; mask < 8; mask++)
        {
            var candidate = new StatisticsFilter(
                (mask & 1) != 0 ? filter.Gender : null,
                (mask & 2) != 0 ? filter.AgeBand : null,
                (mask & 4) != 0 ? filter.Country : null);
            if (candidate != filter)
            {
                yield return candidate;
            }
        }
    }

    private static bool Matches(StatisticsFilter f, string gender, string ageBand, string country) =>
        (f.Gender is null || f.Gender == gender) && (f.AgeBand is null || f.AgeBand == ageBand) && (f.Country is null || f.Country == country);
}
