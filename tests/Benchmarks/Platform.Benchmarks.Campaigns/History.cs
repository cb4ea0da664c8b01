using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Modules.Campaigns;
using Platform.Modules.Campaigns.Jobs;
using Platform.Modules.Shared;

using static Platform.Benchmarks.Campaigns.Measure;

namespace Platform.Benchmarks.Campaigns;

/// <summary>
/// BENCH_HISTORY=50000000 (issue #16, ADR 37): the campaign runs on a database that already holds that many messages of
/// history, in BENCH_HISTORY_MONTHS (default 5) monthly partitions of campaigns.messages, as the partition job would
/// have left them: a million-recipient campaign after another, delivered (1 % failed, 1 % expired), each month closed.
/// The history is built once, with set-based SQL (generate_series), into a database kept between runs
/// (platform_bench_history_N, the Campaigns schema only); each run clones it (CREATE DATABASE … TEMPLATE, a file copy)
/// and the host migrates the other modules on start. After the run, the oldest month is dropped by the partition job's
/// own code (<see cref="MessagePartitionsJob"/>, on a clock set past its retention) and the drop's time printed.
/// </summary>
internal static class History
{
    private const long Range = 10_000_000_000;
    private const int CampaignSize = 1_000_000;
    private static readonly Guid Company = Guid.Parse("48495354-4f52-5900-8000-000000000001");

    /// <summary>BENCH_HISTORY, or null when the run is on an empty table.</summary>
    public static long? Rows => long.TryParse(Environment.GetEnvironmentVariable("BENCH_HISTORY"), NumberStyles.None, CultureInfo.InvariantCulture, out var rows) && rows > 0 ? rows : null;

    private static int Months => int.Parse(Environment.GetEnvironmentVariable("BENCH_HISTORY_MONTHS") ?? "5", CultureInfo.InvariantCulture);

    /// <summary>The statement that makes the run's database: a copy of the fixture (made first if it is not there yet).</summary>
    public static async Task<string> CreateDatabaseSqlAsync(string server, long rows, string database)
    {
        var fixture = $"platform_bench_history_{rows.ToString(CultureInfo.InvariantCulture)}";
        if (!await ExistsAsync(server, fixture))
        {
            await BuildAsync(server, fixture, rows);
        }

        Console.WriteLine($"history: {rows:N0} messages in {Months} monthly partitions, fixture database {fixture} ({await ScalarAsync(server, $"SELECT pg_size_pretty(pg_database_size('{fixture}'))")}), copied for this run");
        return $"CREATE DATABASE \"{database}\" TEMPLATE \"{fixture}\" STRATEGY FILE_COPY";
    }

    private static async Task BuildAsync(string server, string fixture, long rows)
    {
        // Built under another name and renamed when complete, so a build that was stopped is never taken for the fixture.
        var building = fixture + "_building";
        await ExecuteAsync(server, $"DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)");
        await ExecuteAsync(server, $"CREATE DATABASE \"{building}\"");
        var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = building, CommandTimeout = 0 }.ConnectionString;
        var started = Stopwatch.StartNew();
        await new ModuleMigrator(connectionString, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance).MigrateAsync([CampaignsModule.Definition]);

        var months = Months;
        var perMonth = rows / months;
        var now = DateTimeOffset.UtcNow;
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await Execute(connection, "SET synchronous_commit = off; SET maintenance_work_mem = '1GB'");
            // The migration's first partition (empty here) closed before the history began.
            await Execute(connection, $"""
                UPDATE campaigns.message_partitions SET opened_at = '{Iso(now.AddMonths(-months - 2))}', closed_at = '{Iso(now.AddMonths(-months))}', awaiting_receipts = false
                WHERE name = 'messages_p00001'
                """);
            for (var month = 1; month <= months; month++)
            {
                var name = $"messages_p{month + 1:D5}";
                var first = month * Range;
                var opened = now.AddMonths(month - months - 1);
                var closed = now.AddMonths(month - months);
                var step = (closed - opened).TotalSeconds / perMonth;
                var clock = Stopwatch.StartNew();
                // A table of its own, filled, then attached: its indexes are built once on attach, not row by row.
                await Execute(connection, $"""
                    CREATE TABLE campaigns.{name} (LIKE campaigns.messages INCLUDING DEFAULTS INCLUDING STORAGE);
                    INSERT INTO campaigns.{name} (id, campaign_id, company_id, phone, country, time_zone, first_name, state, attempts, segments,
                                                  not_before, carrier_instance, carrier_message_id, error, submitted_at, finished_at)
                    SELECT {first} + i,
                           ('00000000-0000-4000-8000-' || lpad(to_hex({month * 1000} + i / {CampaignSize}), 12, '0'))::uuid,
                           '{Company}', '+4479' || lpad((i % {CampaignSize})::text, 8, '0'), 'GB', 'Europe/London', 'Ann' || (i % 1000),
                           CASE i % 100 WHEN 13 THEN 4 WHEN 14 THEN 5 ELSE 3 END, 1, 1,
                           t, 'simulator', 'sim-' || lpad(to_hex({month}), 8, '0') || '-' || to_hex(i),
                           CASE i % 100 WHEN 13 THEN 'SIM-FAIL' WHEN 14 THEN 'No delivery receipt in time.' END,
                           t, t + interval '1 second'
                    FROM generate_series(0, {perMonth - 1}) AS i, LATERAL (SELECT '{Iso(opened)}'::timestamptz + i * interval '{step.ToString("R", CultureInfo.InvariantCulture)} seconds' AS t) x;
                    CREATE UNIQUE INDEX {name}_api_id ON campaigns.{name} (api_id) WHERE api_id IS NOT NULL;
                    ALTER TABLE campaigns.messages ATTACH PARTITION campaigns.{name} FOR VALUES FROM ({first}) TO ({first + Range});
                    INSERT INTO campaigns.message_partitions (name, first_id, end_id, created_at, opened_at, closed_at, awaiting_receipts)
                    VALUES ('{name}', {first}, {first + Range}, '{Iso(opened)}', '{Iso(opened)}', '{Iso(closed)}', false);
                    INSERT INTO campaigns.campaigns (id, company_id, name, sender_id, body, status, time_zone, respect_quiet_hours, prepared_at,
                                                     targeted, submitted, delivered, failed, expired, created_at, updated_at, started_at, completed_at,
                                                     settled_at, messages_from, activity_folded, activity_folded_at)
                    SELECT ('00000000-0000-4000-8000-' || lpad(to_hex({month * 1000} + c), 12, '0'))::uuid, '{Company}', 'History ' || {month} || '/' || c,
                           'PLATFORM', 'Hi {"{"}first_name{"}"}, this month''s offer', 'Completed', 'UTC', false, s, n, n, n * 98 / 100, n / 100, n / 100,
                           s, s, s, s + interval '2 minutes', s + interval '3 minutes', {first} + c * {CampaignSize},
                           -- Folded into contact activity long ago, as the contact-activity job would have: not again during a run.
                           n + n * 98 / 100 + n / 100, s + interval '3 minutes'
                    FROM (SELECT c, least({CampaignSize}, {perMonth} - c * {CampaignSize}) AS n,
                                 '{Iso(opened)}'::timestamptz + c * {CampaignSize} * interval '{step.ToString("R", CultureInfo.InvariantCulture)} seconds' AS s
                          FROM generate_series(0, ({perMonth} - 1) / {CampaignSize}) AS c) x;
                    """);
                await Execute(connection, $"VACUUM (FREEZE, ANALYZE) campaigns.{name}");
                Console.WriteLine($"history: month {month} of {months}, {perMonth:N0} messages in {name}, {clock.Elapsed.TotalSeconds:F0} s");
            }

            // New messages go to a partition of their own, opened now (the job makes the next one ahead).
            var open = (months + 1) * Range;
            await Execute(connection, $"""
                CREATE TABLE campaigns.messages_p{months + 2:D5} (LIKE campaigns.messages INCLUDING DEFAULTS INCLUDING STORAGE);
                CREATE UNIQUE INDEX messages_p{months + 2:D5}_api_id ON campaigns.messages_p{months + 2:D5} (api_id) WHERE api_id IS NOT NULL;
                ALTER TABLE campaigns.messages ATTACH PARTITION campaigns.messages_p{months + 2:D5} FOR VALUES FROM ({open}) TO ({open + Range});
                INSERT INTO campaigns.message_partitions (name, first_id, end_id, created_at, opened_at) VALUES ('messages_p{months + 2:D5}', {open}, {open + Range}, now(), now());
                SELECT setval('campaigns.messages_id_seq', {open}, false);
                ANALYZE campaigns.campaigns;
                """);
        }

        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync(server, $"ALTER DATABASE \"{building}\" RENAME TO \"{fixture}\"");
        Console.WriteLine($"history: fixture {fixture} built in {started.Elapsed.TotalMinutes:F1} min");
    }

    /// <summary>
    /// Drops the oldest month of history as the partition job does once it is past the retention: the job's own code,
    /// on a clock set just past the moment that month's newest message reaches it, with the host still running.
    /// </summary>
    public static async Task MeasureDropAsync(string connectionString)
    {
        var closed = (DateTime)(await ScalarAsync(connectionString,
            "SELECT closed_at FROM campaigns.message_partitions WHERE dropped_at IS NULL AND first_id >= 10000000000 ORDER BY first_id LIMIT 1"))!;
        var rows = await ScalarAsync(connectionString,
            "SELECT to_char(reltuples, 'FM999,999,999') FROM pg_class WHERE oid = (SELECT ('campaigns.' || name)::regclass FROM campaigns.message_partitions WHERE dropped_at IS NULL AND first_id >= 10000000000 ORDER BY first_id LIMIT 1)");
        var settings = new CampaignsOptions();
        var at = new DateTimeOffset(closed, TimeSpan.Zero).AddMonths(settings.MessageRetentionMonths - settings.MessagePartitionMonths).AddMinutes(1);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Platform"] = connectionString }).Build();
        using var data = new CampaignsDataSource(configuration);
        var job = new MessagePartitionsJob(data, Options.Create(settings), new FixedClock(at), new ConsoleLogger());
        var clock = Stopwatch.StartNew();
        var result = await job.RunAsync(CancellationToken.None);
        Console.WriteLine($"| oldest month of history ({rows} messages) dropped by the partition job past the retention | job run {clock.Elapsed.TotalMilliseconds:F0} ms in all: {result} |");
    }

    private static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff+00", CultureInfo.InvariantCulture);

    private static async Task<bool> ExistsAsync(string server, string database) =>
        await ScalarAsync(server, $"SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = '{database}')") is true;

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync();
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    /// <summary>The job's log lines (the drop's own time among them) on the console, as the host would write them.</summary>
    private sealed class ConsoleLogger : ILogger<MessagePartitionsJob>
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Console.WriteLine($"partition job: {formatter(state, exception)}");
    }
}
