using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using MediatR;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Platform.Modules.OptIns;
using Platform.Modules.Shared;

// Publishes N inbound keyword messages from N distinct new numbers through the real OptIns handler (InboundSmsReceived
// → optins.apply_keyword on PostgreSQL → SendSms reply), P at a time, and reports messages per second with their
// replies. SendSms is answered in memory (it stands for the carrier, measured separately): what is measured is the
// module and the database. Usage: [messages=20000] [parallelism=32]
var messages = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20_000;
var parallelism = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 32;
var server = Environment.GetEnvironmentVariable("PLATFORM_TEST_POSTGRES")
    ?? "Host=localhost;Port=5432;Username=platform_test;Password=platform_test;Database=postgres";
var database = $"platform_bench_optins_{DateTime.UtcNow:MMddHHmmss}_{Environment.ProcessId}";
const string platformNumber = "+15550100100";

await ExecuteAsync(server, $"CREATE DATABASE \"{database}\"");
try
{
    var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = database, MaxPoolSize = parallelism + 8 }.ConnectionString;
    var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["ConnectionStrings:Platform"] = connectionString,
        ["Platform:OptIns:PublicBaseUrl"] = "https://bench.example",
    }).Build();
    var services = new ServiceCollection();
    services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
    services.AddSingleton<IConfiguration>(configuration);
    services.AddOptIns(configuration);
    var replies = new ConcurrentBag<SendSms>();
    services.AddSingleton(replies);
    services.AddScoped<IRequestHandler<SendSms, SendSmsResult>, CountingSendSms>();
    // Campaigns' inbox notes the keyword in the company's conversation (issue #12); Campaigns is not loaded here.
    services.AddScoped<IRequestHandler<Platform.Modules.Campaigns.Contracts.NoteConversationEvent, Unit>, IgnoredConversationEvent>();
    await using var provider = services.BuildServiceProvider();

    await new ModuleMigrator(connectionString, NullLogger.Instance).MigrateAsync(provider.GetServices<IModule>());
    if (Environment.GetEnvironmentVariable("BENCH_NO_CONSENT_LEAF") == "1")
    {
        // For comparison only: the consent proof's leaf (ADR 32) not written; every other step as in production.
        await ExecuteAsync(connectionString, "ALTER TABLE optins.consent_records DISABLE TRIGGER consent_records_leaf");
    }
    await ExecuteAsync(connectionString, $"""
        INSERT INTO optins.keywords (id, company_id, platform_number, word, description, auto_reply, created_at, updated_at)
        VALUES ('{Guid.NewGuid()}', '{Guid.NewGuid()}', '{platformNumber}', 'PIZZA', 'Pizza deals', 'Thanks! Deals are on their way.', now(), now())
        """);

    Console.WriteLine($"OptIns inbound keyword benchmark: {messages:N0} messages from distinct new numbers, {parallelism} at a time, PostgreSQL {await ScalarAsync(connectionString, "SHOW server_version")}, {Environment.ProcessorCount} cores");
    await RunAsync(provider, Math.Min(2_000, messages / 10), parallelism, 10_000_000, print: false); // warm-up: JIT, pool, plan cache
    replies.Clear();
    var started = Stopwatch.StartNew();
    var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
    await RunAsync(provider, messages, parallelism, 20_000_000, print: true);
    started.Stop();
    var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;

    var rate = messages / started.Elapsed.TotalSeconds;
    var withCode = replies.Count(r => r.Text.Contains("user code is", StringComparison.Ordinal));
    Console.WriteLine($"| messages | parallelism | seconds | messages/s | replies | replies with a user code | client CPU / wall |");
    Console.WriteLine($"|---:|---:|---:|---:|---:|---:|---:|");
    Console.WriteLine($"| {messages:N0} | {parallelism} | {started.Elapsed.TotalSeconds:F2} | {rate:N0} | {replies.Count:N0} | {withCode:N0} | {cpu / started.Elapsed:P0} |");
    Console.WriteLine();
    Console.WriteLine($"Database afterwards: {await ScalarAsync(connectionString, "SELECT count(*) FROM optins.subscribers")} subscribers, " +
                      $"{await ScalarAsync(connectionString, "SELECT count(*) FROM optins.consent_records")} consent records, " +
                      $"{await ScalarAsync(connectionString, "SELECT count(*) FROM optins.requests")} requests, " +
                      $"counter opted_in = {await ScalarAsync(connectionString, "SELECT sum(opted_in) FROM optins.keyword_counters")}");
    if (replies.Count != messages || withCode != messages)
    {
        Console.Error.WriteLine("FAILED: every message should have had exactly one reply with a user code.");
        Environment.ExitCode = 1;
    }
}
finally
{
    NpgsqlConnection.ClearAllPools();
    await ExecuteAsync(server, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
}

static async Task RunAsync(IServiceProvider provider, int count, int parallelism, long numberBase, bool print)
{
    var next = -1;
    var workers = Enumerable.Range(0, parallelism).Select(async _ =>
    {
        while (true)
        {
            var i = Interlocked.Increment(ref next);
            if (i >= count)
            {
                return;
            }

            // Like the carrier runtime: one DI scope per inbound message.
            await using var scope = provider.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<IMediator>().Publish(
                new InboundSmsReceived($"+1{numberBase + 5_550_000_000 + i}", platformNumber, i % 2 == 0 ? "PIZZA" : " pizza! ", DateTimeOffset.UtcNow, "bench", null));
        }
    });
    await Task.WhenAll(workers);
}

static async Task ExecuteAsync(string connectionString, string sql)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand(sql, connection);
    await command.ExecuteNonQueryAsync();
}

static async Task<object?> ScalarAsync(string connectionString, string sql)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand(sql, connection);
    return await command.ExecuteScalarAsync();
}

/// <summary>Stands for the carrier: accepts every reply and keeps it, so the run can check one reply per message.</summary>
internal sealed class CountingSendSms(ConcurrentBag<SendSms> replies) : IRequestHandler<SendSms, SendSmsResult>
{
    public Task<SendSmsResult> Handle(SendSms request, CancellationToken cancellationToken)
    {
        replies.Add(request);
        return Task.FromResult(new SendSmsResult(true, "bench", null, null));
    }
}

/// <summary>Stands for Campaigns' inbox, which this benchmark does not load.</summary>
internal sealed class IgnoredConversationEvent : IRequestHandler<Platform.Modules.Campaigns.Contracts.NoteConversationEvent, Unit>
{
    public Task<Unit> Handle(Platform.Modules.Campaigns.Contracts.NoteConversationEvent request, CancellationToken cancellationToken) => Unit.Task;
}
