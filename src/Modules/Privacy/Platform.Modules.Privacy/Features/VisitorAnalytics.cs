using System.Collections.Concurrent;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using NpgsqlTypes;
using Platform.Modules.Privacy.Contracts;

namespace Platform.Modules.Privacy.Features;

/// <summary>
/// Counts page views in memory and adds them to <c>privacy.page_view_counts</c> every few seconds in one statement, so
/// a page view costs no database round trip. What it receives is already reduced by the host (no full IP, no cookie).
/// </summary>
internal sealed class PageViewRecorder(IServiceScopeFactory scopes) : BackgroundService, IPageViewRecorder
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    private ConcurrentDictionary<PageView, long> pending = new();

    public void Record(PageView view) => pending.AddOrUpdate(Clip(view), 1, (_, n) => n + 1);

    public async Task FlushAsync(CancellationToken ct)
    {
        var batch = Interlocked.Exchange(ref pending, new ConcurrentDictionary<PageView, long>());
        if (batch.IsEmpty)
        {
            return;
        }

        var rows = batch.ToArray();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PrivacyDbContext>();
        await db.Database.ExecuteSqlRawAsync(
            """
            INSERT INTO privacy.page_view_counts AS c (day, path, browser, operating_system, referrer_host, network_prefix, views)
            SELECT * FROM unnest(@day, @path, @browser, @os, @referrer, @network, @views)
            ON CONFLICT (day, path, browser, operating_system, referrer_host, network_prefix) DO UPDATE SET views = c.views + EXCLUDED.views
            """,
            [
                new NpgsqlParameter("day", NpgsqlDbType.Array | NpgsqlDbType.Date) { Value = rows.Select(r => r.Key.Day).ToArray() },
                new NpgsqlParameter("path", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = rows.Select(r => r.Key.Path).ToArray() },
                new NpgsqlParameter("browser", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = rows.Select(r => r.Key.Browser).ToArray() },
                new NpgsqlParameter("os", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = rows.Select(r => r.Key.OperatingSystem).ToArray() },
                new NpgsqlParameter("referrer", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = rows.Select(r => r.Key.ReferrerHost ?? string.Empty).ToArray() },
                new NpgsqlParameter("network", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = rows.Select(r => r.Key.NetworkPrefix).ToArray() },
                new NpgsqlParameter("views", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = rows.Select(r => r.Value).ToArray() },
            ],
            ct);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushQuietlyAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushQuietlyAsync(cancellationToken);
    }

    private async Task FlushQuietlyAsync(CancellationToken ct)
    {
        try
        {
            await FlushAsync(ct);
        }
        catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException or OperationCanceledException)
        {
            // Visitor totals are best effort: a lost batch must never break a page or the host.
        }
    }

    private static PageView Clip(PageView view) => view with
    {
        Path = Cut(view.Path, 200),
        Browser = Cut(view.Browser, 40),
        OperatingSystem = Cut(view.OperatingSystem, 40),
        ReferrerHost = view.ReferrerHost is null ? null : Cut(view.ReferrerHost, 255),
        NetworkPrefix = Cut(view.NetworkPrefix, 64),
    };

    private static string Cut(string value, int length) => value.Length <= length ? value : value[..length];
}

internal sealed record Tally(string Label, long Views);

internal sealed record VisitorReport(IReadOnlyList<Tally> ByDay, IReadOnlyList<Tally> Networks, IReadOnlyList<Tally> Browsers, IReadOnlyList<Tally> OperatingSystems, IReadOnlyList<Tally> Referrers, IReadOnlyList<Tally> Pages);

/// <summary>The last 30 days of page views, totals only.</summary>
internal sealed record GetVisitorReport : IRequest<VisitorReport>;

internal sealed class GetVisitorReportHandler(PrivacyDbContext db, TimeProvider clock) : IRequestHandler<GetVisitorReport, VisitorReport>
{
    public async Task<VisitorReport> Handle(GetVisitorReport request, CancellationToken cancellationToken)
    {
        var since = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime).AddDays(-30);
        var views = db.PageViewCounts.AsNoTracking().Where(v => v.Day >= since);
        return new VisitorReport(
            (await views.GroupBy(v => v.Day).Select(g => new { g.Key, Views = g.Sum(v => v.Views) }).OrderByDescending(g => g.Key).ToListAsync(cancellationToken))
                .Select(g => new Tally(g.Key.ToString("yyyy-MM-dd"), g.Views)).ToList(),
            (await views.GroupBy(v => v.Day).Select(g => new { g.Key, Networks = g.Select(v => v.NetworkPrefix).Distinct().Count() }).OrderByDescending(g => g.Key).ToListAsync(cancellationToken))
                .Select(g => new Tally(g.Key.ToString("yyyy-MM-dd"), g.Networks)).ToList(),
            await TallyAsync(views, v => v.Browser, cancellationToken),
            await TallyAsync(views, v => v.OperatingSystem, cancellationToken),
            await TallyAsync(views.Where(v => v.ReferrerHost != string.Empty), v => v.ReferrerHost, cancellationToken),
            await TallyAsync(views, v => v.Path, cancellationToken));
    }

    private static async Task<List<Tally>> TallyAsync(IQueryable<Domain.PageViewCount> views, System.Linq.Expressions.Expression<Func<Domain.PageViewCount, string>> key, CancellationToken ct) =>
        (await views.GroupBy(key).Select(g => new { g.Key, Views = g.Sum(v => v.Views) }).OrderByDescending(t => t.Views).Take(20).ToListAsync(ct))
            .Select(t => new Tally(t.Key, t.Views)).ToList();
}
