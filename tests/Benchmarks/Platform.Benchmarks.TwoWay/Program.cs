using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;
using NpgsqlTypes;

// Two-way SMS under load (issue 12), the host as a real process on a fresh database with the simulator carrier.
//  1. Replies: seeds N sent-message attributions set-based (what a 1M campaign leaves behind: campaigns.recipient_contacts
//     for N numbers across three companies, every tenth number messaged by a second company earlier, and N delivered
//     campaigns.messages), then texts "Is the offer valid on Sunday?" from R distinct numbers through the carrier runtime
//     (POST /simulator/inbound, P at a time; the endpoint answers after the inbound handler has committed) and reports
//     replies routed to inboxes per second (conversation_messages rows written, direction 'in') and the per-request latency,
//     and checks that every reply reached the company that messaged the number last.
//  2. STOP under load: schedules a campaign to M of those numbers (company A) and, while it sends, texts STOP at random
//     moments from K numbers whose message is still queued; for each, when the STOP was acknowledged, what became of its
//     message (Suppressed at the claim or at the submit's re-check, or submitted — and when), and the lag from the STOP to
//     the point after which nothing is sent: the ack, unless the message went out after it (a failure).
// Usage: [--quick] [--attributions N] [--replies R] [--parallelism P] [--recipients M] [--stops K] [--warmup W]
// (see docs/benchmarks.md, "Two-way SMS"). BENCH_KEEP_DB=1 keeps the database for a look afterwards.
var options = BenchOptions.Parse(args);
var server = Environment.GetEnvironmentVariable("PLATFORM_TEST_POSTGRES")
    ?? "Host=localhost;Port=5432;Username=platform_test;Password=platform_test;Database=postgres";
var database = $"platform_bench_twoway_{DateTime.UtcNow:MMddHHmmss}_{Environment.ProcessId}";
const string route = "+15550100100"; // Platform:Messaging:PlatformNumbers[0]: where answers to an alphanumeric sender arrive
const string replyText = "Is the offer valid on Sunday?";
const string CampaignText = "20% off tonight."; // in the campaign's body, to tell its message from the STOP's confirmation
const int batchSize = 1000; // Platform:Campaigns:BatchSize (the default)
const int StopWarmup = 20; // STOPs through the path once before the campaign, from numbers on no list
await ExecuteAsync(server, $"CREATE DATABASE \"{database}\"");
var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = database, CommandTimeout = 600 }.ConnectionString;
Process? host = null;
var keep = Environment.GetEnvironmentVariable("BENCH_KEEP_DB") == "1";
var recordOutbox = Environment.GetEnvironmentVariable("BENCH_OUTBOX") is { Length: > 0 } outboxSetting ? outboxSetting == "1" : options.Recipients <= 200_000;
try
{
    var baseUrl = $"http://127.0.0.1:{FreePort()}";
    host = StartHost(connectionString, baseUrl, recordOutbox);
    var output = new StringBuilder();
    host.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
    host.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
    host.BeginOutputReadLine();
    host.BeginErrorReadLine();

    using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false, MaxConnectionsPerServer = options.Parallelism + 32 })
    {
        BaseAddress = new Uri(baseUrl),
        Timeout = TimeSpan.FromSeconds(60),
    };
    await WaitHealthyAsync(http, host, output);
    await RegisterAsync(http);
    var companyA = (Guid)(await ScalarAsync(connectionString, "SELECT id FROM accounts.companies WHERE name = 'Bench Pizza'"))!;
    // The owner's emailed confirmation link is not what this measures: confirmed as the link would.
    await ExecuteAsync(connectionString, $"UPDATE accounts.companies SET confirmed_at = now() WHERE id = '{companyA}'");
    Guid[] companies = [companyA, Guid.NewGuid(), Guid.NewGuid()];
    Guid[] history = [Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid()];
    Console.WriteLine($"Two-way SMS benchmark: {options.Attributions:N0} attributions, {options.Replies:N0} replies {options.Parallelism} at a time, " +
                      $"STOP from {options.Stops} numbers during a {options.Recipients:N0}-recipient campaign; PostgreSQL {await ScalarAsync(connectionString, "SHOW server_version")}, " +
                      $"{Environment.ProcessorCount} cores, host and PostgreSQL on this machine, load average {LoadAverage()}");

    // ---- Seed: the state a 1M campaign leaves (set-based, not measured) ----
    var setup = Stopwatch.StartNew();
    await SeedAsync(connectionString, options, companies, history, route);
    Console.WriteLine($"seeded in {setup.Elapsed.TotalSeconds:F1} s (not measured): " +
                      $"{await ScalarAsync(connectionString, "SELECT count(*) FROM campaigns.recipient_contacts"):N0} recipient_contacts rows, " +
                      $"{await ScalarAsync(connectionString, "SELECT count(*) FROM campaigns.messages"):N0} sent messages, " +
                      $"{await ScalarAsync(connectionString, "SELECT count(*) FROM campaigns.contacts"):N0} contacts on company A's list");

    // ---- Part 1: replies routed to inboxes ----
    var random = new Random(20261202);
    var warmReplies = Math.Min(2_000, Math.Max(100, options.Replies / 10));
    var picked = SampleDistinct(random, options.Attributions, warmReplies + options.Replies);
    var warmPhones = picked.Take(warmReplies).Select(Phone).ToList();
    var replyPhones = picked.Skip(warmReplies).Select(Phone).ToList();
    await DriveAsync(http, warmPhones, route, replyText, options.Parallelism); // JIT, pools, plan caches: not measured
    var idBefore = (long)(await ScalarAsync(connectionString, "SELECT COALESCE(max(id), 0) FROM campaigns.conversation_messages"))!;
    var loadBefore = LoadAverage();
    var hostCpuBefore = CpuSeconds(host.Id);
    var clientCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
    var drive = await DriveAsync(http, replyPhones, route, replyText, options.Parallelism);
    var hostCpu = CpuSeconds(host.Id) - hostCpuBefore;
    var clientCpu = (Process.GetCurrentProcess().TotalProcessorTime - clientCpuBefore).TotalSeconds;
    var (routed, wrong, wrongCampaign) = await CheckRepliesAsync(connectionString, idBefore, companies, history);
    var replyRate = routed / drive.Wall.TotalSeconds;
    drive.Latencies.Sort();
    var replyResults = new List<string>
    {
        "| measure | result |",
        "|---|---:|",
        $"| sent-message attributions looked up (campaigns.recipient_contacts rows) | {await ScalarAsync(connectionString, "SELECT count(*) FROM campaigns.recipient_contacts"):N0} |",
        $"| replies sent / answered 202 / errors | {replyPhones.Count:N0} / {drive.Accepted:N0} / {drive.Errors:N0} |",
        $"| replies routed to inboxes (conversation_messages rows, direction 'in') | {routed:N0} |",
        $"| … to the wrong company / naming the wrong campaign | {wrong:N0} / {wrongCampaign:N0} |",
        $"| wall time | {drive.Wall.TotalSeconds:F2} s |",
        $"| **replies routed to inboxes per second** (target ≥ 2,000/s) | **{replyRate:N0}/s** |",
        $"| per-request latency p50 / p99 / max | {Percentile(drive.Latencies, 0.50):F1} / {Percentile(drive.Latencies, 0.99):F1} / {drive.Latencies.LastOrDefault():F1} ms |",
        $"| host CPU / wall; load generator CPU / wall | {hostCpu / drive.Wall.TotalSeconds:P0}; {clientCpu / drive.Wall.TotalSeconds:P0} |",
        $"| machine load average before / after | {loadBefore} / {LoadAverage()} |",
    };
    Console.WriteLine();
    Console.WriteLine($"Replies: {options.Replies:N0} from distinct numbers, {options.Parallelism} at a time, over {options.Attributions:N0} attributions");
    replyResults.ForEach(Console.WriteLine);
    Console.WriteLine();

    // ---- Part 2: STOP while a campaign sends ----
    if (options.Warmup > 0)
    {
        // As in the campaign benchmark: a smaller campaign through the same path first, so the measured one meets a host
        // whose sending code is compiled. Its numbers avoid the simulator's failure endings (…13–…16).
        var warmList = Guid.NewGuid();
        var warmCampaign = Guid.NewGuid();
        await ExecuteAsync(connectionString, $"""
            INSERT INTO campaigns.contact_lists (id, company_id, name, contact_count, created_at) VALUES ('{warmList}', '{companyA}', 'Warm-up', {options.Warmup}, now());
            INSERT INTO campaigns.contacts (company_id, list_id, phone, first_name, consent_source, created_at, updated_at)
            SELECT '{companyA}', '{warmList}', '+4478' || lpad(i::text, 8, '0'), 'Bo', 'benchmark', now(), now()
            FROM generate_series(1, {options.Warmup * 2}) AS i WHERE i % 100 NOT BETWEEN 13 AND 16 LIMIT {options.Warmup};
            INSERT INTO campaigns.campaigns (id, company_id, name, sender_id, body, status, list_ids, time_zone, scheduled_at, respect_quiet_hours, created_at, updated_at)
            VALUES ('{warmCampaign}', '{companyA}', 'Warm-up', 'PLATFORM', 'Warm-up', 'Scheduled', ARRAY['{warmList}']::uuid[], 'UTC', now(), false, now(), now());
            """);
        var warm = Stopwatch.StartNew();
        while (!Equals(await ScalarAsync(connectionString, $"SELECT delivered + expired >= {options.Warmup} FROM campaigns.campaigns WHERE id = '{warmCampaign}'"), true))
        {
            if (warm.Elapsed > TimeSpan.FromMinutes(10))
            {
                throw new TimeoutException("The warm-up campaign did not finish.");
            }

            await Task.Delay(500);
        }

        Console.WriteLine($"warm-up: {options.Warmup:N0} messages sent and final in {warm.Elapsed.TotalSeconds:F1} s (not measured)");
    }

    // The STOP path once through, from numbers company A messaged that are on no list (not measured).
    await DriveAsync(http, Enumerable.Range(1, StopWarmup).Select(i => "+4479" + i.ToString("D8", CultureInfo.InvariantCulture)).ToList(), route, "STOP", 4);

    var firstId = (long)(await ScalarAsync(connectionString, "SELECT COALESCE(max(id), 0) + 1 FROM campaigns.messages"))!;
    var campaignId = Guid.NewGuid();
    await ExecuteAsync(connectionString, $"""
        INSERT INTO campaigns.campaigns (id, company_id, name, sender_id, body, status, list_ids, time_zone, scheduled_at, respect_quiet_hours, created_at, updated_at)
        VALUES ('{campaignId}', '{companyA}', 'Benchmark', 'PLATFORM', 'Hi {"{"}first_name|there{"}"}, {CampaignText}', 'Scheduled', ARRAY['{Ids.CampaignList}']::uuid[], 'UTC', now(), false, now(), now())
        """);
    var scheduledAt = DateTimeOffset.UtcNow;
    var progress = new Progress();
    var sendingStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    var stops = Task.Run(() => StopDriverAsync(http, connectionString, options, progress, sendingStarted.Task, campaignId, companyA, firstId, new Random(7)));

    var samples = new List<(DateTimeOffset At, long Submitted)>();
    var clock = Stopwatch.StartNew();
    double? preparedAt = null, sentAt = null;
    Task<List<string>>? plans = null;
    long peakRss = 0;
    while (clock.Elapsed < TimeSpan.FromMinutes(30))
    {
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                "SELECT prepared_at IS NOT NULL, targeted, suppressed, submitted, send_failed, unknown, status FROM campaigns.campaigns WHERE id = @id", connection);
            command.Parameters.AddWithValue("id", campaignId);
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            var prepared = reader.GetBoolean(0);
            var targeted = reader.GetInt32(1);
            var submitted = reader.GetInt32(3);
            var handled = reader.GetInt32(2) + submitted + reader.GetInt32(4) + reader.GetInt32(5);
            var now = DateTimeOffset.UtcNow;
            samples.Add((now, submitted));
            var back = samples.FindLast(s => s.At <= now.AddSeconds(-2));
            progress.Update(targeted, handled, back.At == default ? 0 : (submitted - back.Submitted) / (now - back.At).TotalSeconds);
            if (samples.Count % 20 == 1)
            {
                Console.WriteLine($"t={clock.Elapsed.TotalSeconds,6:F1}s prepared={prepared} submitted={submitted,9:N0} suppressed={reader.GetInt32(2),6:N0} " +
                                  $"STOPs sent={progress.StopsSent,4} acknowledged={progress.StopsAcknowledged,4} rss={MemoryKb(host.Id, "VmRSS") / 1024,4} MB");
            }

            if (prepared && targeted > 0 && handled >= targeted / 4 && plans is null)
            {
                plans = Task.Run(() => ExplainReplyLookupAsync(connectionString, campaignId));
            }

            if (prepared && preparedAt is null) { preparedAt = clock.Elapsed.TotalSeconds; }
            if (submitted > 0) { sendingStarted.TrySetResult(); }
            if (reader.GetString(6) == "NeedsAttention") { throw new InvalidOperationException("The campaign needs attention: " + output); }
            if (prepared && targeted > 0 && handled >= targeted) { sentAt = clock.Elapsed.TotalSeconds; break; }
        }

        peakRss = Math.Max(peakRss, MemoryKb(host.Id, "VmRSS"));
        await Task.Delay(250);
    }

    progress.Done = true;
    sendingStarted.TrySetResult();
    var probes = await stops;
    if (sentAt is null)
    {
        throw new TimeoutException("The campaign did not finish sending in 30 minutes.");
    }

    // What became of each STOPped number's message. The decision time of a submitted one is the who-messaged-whom row its
    // batch wrote right before the submit's re-check (recipient_contacts.last_at for this campaign).
    var outcomes = await StopOutcomesAsync(connectionString, probes, campaignId, companyA);
    var received = recordOutbox ? await HandsetTimesAsync(http, probes) : null;
    var report = StopReport.From(probes, outcomes, received);
    var window = probes.Count == 0 ? (Start: scheduledAt, End: scheduledAt) : (Start: probes.Min(p => p.SentAt), End: probes.Max(p => p.AckedAt));
    var inWindow = samples.Where(s => s.At >= window.Start && s.At <= window.End).ToList();
    var windowRate = inWindow.Count < 2 ? double.NaN : (inWindow[^1].Submitted - inWindow[0].Submitted) / (inWindow[^1].At - inWindow[0].At).TotalSeconds;
    var final = await ScalarAsync(connectionString, $"SELECT format('targeted %s, suppressed %s, submitted %s, failed at submit %s, unknown %s', targeted, suppressed, submitted, send_failed, unknown) FROM campaigns.campaigns WHERE id = '{campaignId}'");

    Console.WriteLine();
    Console.WriteLine($"Replies: {options.Replies:N0} from distinct numbers, {options.Parallelism} at a time, over {options.Attributions:N0} attributions");
    replyResults.ForEach(Console.WriteLine);
    Console.WriteLine();
    Console.WriteLine($"STOP while a {options.Recipients:N0}-recipient campaign sends (simulator, receipts after 200 ms): {probes.Count} STOPs at random moments from numbers still queued " +
                      "(half picked within the next three batches of the sending front, half anywhere in the queue)");
    Console.WriteLine("| measure | result |");
    Console.WriteLine("|---|---:|");
    Console.WriteLine($"| campaign: scheduled → every message handed to the carrier | {options.Recipients / sentAt.Value:N0} msg/s ({sentAt:F1} s, prepared after {preparedAt:F1} s) |");
    Console.WriteLine($"| campaign: messages submitted per second while the STOPs were sent | {windowRate:N0} msg/s |");
    Console.WriteLine($"| STOPs sent / answered 202 | {probes.Count} / {probes.Count(p => p.Status == 202)} |");
    Console.WriteLine($"| STOP request round trip (until acknowledged) p50 / p99 / max | {report.RoundTrip.P50:F1} / {report.RoundTrip.P99:F1} / {report.RoundTrip.Max:F1} ms |");
    Console.WriteLine($"| its message Suppressed (state 6) | {report.Suppressed} of {probes.Count} |");
    Console.WriteLine($"| … at the claim / at the submit's re-check | {report.AtClaim} / {report.AtSubmitCheck} |");
    Console.WriteLine($"| … turned Suppressed after the ack (the claim or re-check reached it later; never sent) | {report.SuppressedAfterAck} |");
    Console.WriteLine($"| Suppressed, relative to the ack: p50 / p99 / max (negative: before the ack) | {report.SuppressedVsAck.P50:F1} / {report.SuppressedVsAck.P99:F1} / {report.SuppressedVsAck.Max:F1} ms |");
    Console.WriteLine($"| submitted before the STOP was sent (claimed between the pick and the STOP) | {report.SentBefore} |");
    Console.WriteLine($"| submitted while the STOP request was in flight | {report.SentDuring} |");
    Console.WriteLine($"| **submitted after the STOP was acknowledged (submitted_at > ack; must be 0)** | **{report.SentAfter}** |");
    Console.WriteLine($"| … of which the batch's re-check ran before the STOP was sent / while it was in flight / after the ack | {report.AfterDecidedBefore} / {report.AfterDecidedInFlight} / {report.AfterDecidedAfterAck} |");
    Console.WriteLine($"| … of which accepted by the carrier after the ack (the simulator's outbox) | {(report.HandsetAfterAck is { } late ? late.ToString(CultureInfo.InvariantCulture) : "not recorded (BENCH_OUTBOX=1 records it)")} |");
    Console.WriteLine($"| **STOP → next send suppressed** (from the STOP sent to the point after which nothing is sent to the number: the ack; for a message submitted after the ack, the carrier's acceptance; target p99 ≤ 1 s): p50 / p99 / max | **{report.StopToSafe.P50:F1} / {report.StopToSafe.P99:F1} / {report.StopToSafe.Max:F1} ms** |");
    Console.WriteLine($"| host peak resident memory (VmHWM) | {MemoryKb(host.Id, "VmHWM") / 1024.0:F0} MB |");
    Console.WriteLine($"| machine load average at the end | {LoadAverage()} |");
    Console.WriteLine($"final counters: {final}");
    if (report.SentAfter > 0)
    {
        Console.WriteLine($"FAILURE: {report.SentAfter} message(s) went out after their STOP was acknowledged ({report.AfterDecidedAfterAck} passed the submit's re-check " +
                          "after the ack; the others' batches passed it before the STOP's suppression committed, and the STOP's wait for batches in flight " +
                          $"did not hold them: up to {report.RecheckToCarrierMs:F0} ms from the re-check to the carrier in this run).");
    }

    if (report.Details.Count > 0)
    {
        Console.WriteLine("Per STOP whose message was sent anyway, or whose message is gone:");
    }

    foreach (var line in report.Details)
    {
        Console.WriteLine(line);
    }

    // A reply's attribution lookup while the campaign sends (a quarter of the way in): its plan and timings.
    foreach (var line in plans is null ? [] : await plans)
    {
        Console.WriteLine(line);
    }

    Console.WriteLine();
    Console.WriteLine("Command: dotnet tests/Benchmarks/Platform.Benchmarks.TwoWay/bin/Release/net10.0/Platform.Benchmarks.TwoWay.dll" + (args.Length == 0 ? string.Empty : " " + string.Join(' ', args)));
    if (drive.Errors > 0 || wrong > 0 || wrongCampaign > 0 || routed != replyPhones.Count || report.SentAfter > 0 || probes.Count(p => p.Status == 202) != probes.Count)
    {
        // A STOP is acknowledged only after the batches on their way to its number are recorded, so nothing may reach the
        // carrier after the ack.
        Console.Error.WriteLine("FAILED: every reply must reach the right inbox, and no message may be submitted to a number after its STOP was acknowledged.");
        Environment.ExitCode = 1;
    }
}
finally
{
    if (host is { HasExited: false })
    {
        host.Kill(entireProcessTree: true);
        await host.WaitForExitAsync();
    }

    NpgsqlConnection.ClearAllPools();
    if (keep)
    {
        Console.WriteLine($"database kept: {database}");
    }
    else
    {
        await ExecuteAsync(server, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
    }
}

static string Phone(int i) => "+4477" + i.ToString("D8", CultureInfo.InvariantCulture);

// Set-based, as a 1M campaign would have left it: three companies' finished campaigns, one delivered message per number
// (company i % 3), who-messaged-whom for each (three days ago; every tenth number also messaged by the next company 40
// days ago, so the lookup has to pick the latest), the numbers the STOP warm-up uses, and company A's list for part 2.
static async Task SeedAsync(string connectionString, BenchOptions options, Guid[] companies, Guid[] history, string route)
{
    var n = options.Attributions;
    long[] counts = [n / 3, (n + 2) / 3, (n + 1) / 3]; // numbers i in 1..n with i % 3 == 0, 1, 2
    var values = string.Join(",\n", Enumerable.Range(0, 3).Select(k =>
        $"('{history[k]}', '{companies[k]}', 'Last month {k}', 'PLATFORM', 'Last month''s offer', 'Completed', 'UTC', now() - interval '3 days', false, " +
        $"now() - interval '3 days', {counts[k]}, {counts[k]}, {counts[k]}, now() - interval '4 days', now() - interval '3 days', now() - interval '3 days', now() - interval '3 days')"));
    await ExecuteAsync(connectionString, $"""
        INSERT INTO campaigns.campaigns (id, company_id, name, sender_id, body, status, time_zone, scheduled_at, respect_quiet_hours,
                                         prepared_at, targeted, submitted, delivered, created_at, updated_at, started_at, completed_at)
        VALUES {values}
        """);
    await ExecuteAsync(connectionString, """
        INSERT INTO campaigns.messages (campaign_id, company_id, phone, country, time_zone, state, attempts, segments, not_before,
                                        carrier_instance, carrier_message_id, submitted_at, finished_at)
        SELECT (@history)[i % 3 + 1], (@companies)[i % 3 + 1], '+4477' || lpad(i::text, 8, '0'), 'GB', 'Europe/London', 3, 1, 1, x.t,
               'simulator', 'hist-' || i, x.t, x.t + interval '1 second'
        FROM generate_series(1, @n) AS i, (SELECT now() - interval '3 days' AS t) AS x
        """, ("history", history), ("companies", companies), ("n", n));
    await ExecuteAsync(connectionString, """
        INSERT INTO campaigns.recipient_contacts (platform_number, phone, company_id, last_at, campaign_id)
        SELECT @route, '+4477' || lpad(i::text, 8, '0'), (@companies)[i % 3 + 1], now() - interval '3 days', (@history)[i % 3 + 1]
        FROM generate_series(1, @n) AS i
        UNION ALL
        SELECT @route, '+4477' || lpad(i::text, 8, '0'), (@companies)[(i + 1) % 3 + 1], now() - interval '40 days', (@history)[(i + 1) % 3 + 1]
        FROM generate_series(10, @n, 10) AS i
        UNION ALL
        SELECT @route, '+4479' || lpad(i::text, 8, '0'), (@companies)[1], now() - interval '1 day', (@history)[1]
        FROM generate_series(1, @warm) AS i
        """, ("route", route), ("history", history), ("companies", companies), ("n", n), ("warm", StopWarmup));
    await ExecuteAsync(connectionString, $"""
        INSERT INTO campaigns.contact_lists (id, company_id, name, contact_count, created_at) VALUES ('{Ids.CampaignList}', '{companies[0]}', 'Everyone', {options.Recipients}, now());
        INSERT INTO campaigns.contacts (company_id, list_id, phone, first_name, consent_source, created_at, updated_at)
        SELECT '{companies[0]}', '{Ids.CampaignList}', '+4477' || lpad(i::text, 8, '0'), 'Ann' || (i % 1000), 'benchmark', now(), now()
        FROM generate_series(1, {options.Recipients}) AS i;
        """);
    // Old rows are vacuumed and analysed in a running system; a fresh load is not.
    foreach (var table in new[] { "campaigns.messages", "campaigns.recipient_contacts", "campaigns.contacts", "campaigns.campaigns" })
    {
        await ExecuteAsync(connectionString, $"VACUUM (ANALYZE) {table}");
    }
}

// Distinct numbers 1..max in random order.
static List<int> SampleDistinct(Random random, int max, int count)
{
    if (count > max)
    {
        throw new ArgumentException($"Cannot pick {count:N0} distinct numbers out of {max:N0}: give more --attributions or fewer --replies.");
    }

    var seen = new HashSet<int>();
    var picked = new List<int>(count);
    while (picked.Count < count)
    {
        var i = random.Next(1, max + 1);
        if (seen.Add(i))
        {
            picked.Add(i);
        }
    }

    return picked;
}

// Texts from each number once, P at a time, through the simulator carrier's inbound endpoint (it answers 202 after the
// inbound handler ran and committed, as a carrier's acknowledgement would come).
static async Task<Drive> DriveAsync(HttpClient http, IReadOnlyList<string> phones, string to, string text, int parallelism)
{
    var latencies = new List<double>(phones.Count);
    var errors = 0;
    var accepted = 0;
    var next = -1;
    var wall = Stopwatch.StartNew();
    var workers = Enumerable.Range(0, parallelism).Select(async _ =>
    {
        var mine = new List<double>();
        while (true)
        {
            var i = Interlocked.Increment(ref next);
            if (i >= phones.Count)
            {
                break;
            }

            var started = Stopwatch.GetTimestamp();
            try
            {
                using var content = new StringContent(InboundJson(phones[i], to, text), Encoding.UTF8, "application/json");
                using var response = await http.PostAsync("/simulator/inbound", content);
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    Interlocked.Increment(ref accepted);
                    mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
                else
                {
                    Interlocked.Increment(ref errors);
                }
            }
            catch (HttpRequestException)
            {
                Interlocked.Increment(ref errors);
            }
        }

        lock (latencies)
        {
            latencies.AddRange(mine);
        }
    });
    await Task.WhenAll(workers);
    wall.Stop();
    return new Drive(latencies, accepted, errors, wall.Elapsed);
}

static string InboundJson(string from, string to, string text) =>
    $"{{\"from\":\"{from}\",\"to\":\"{to}\",\"text\":\"{text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"}}";

// The inbound messages written since idBefore, each checked against the seed: it must sit in the thread of the company
// that messaged the number last (company i % 3) and name that company's campaign.
static async Task<(long Routed, long WrongCompany, long WrongCampaign)> CheckRepliesAsync(string connectionString, long idBefore, Guid[] companies, Guid[] history)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand("""
        SELECT c.phone, m.company_id, m.campaign_id FROM campaigns.conversation_messages m
        JOIN campaigns.conversations c ON c.id = m.conversation_id
        WHERE m.id > @before AND m.direction = 'in'
        """, connection);
    command.Parameters.AddWithValue("before", idBefore);
    long routed = 0, wrong = 0, wrongCampaign = 0;
    await using var reader = await command.ExecuteReaderAsync();
    while (await reader.ReadAsync())
    {
        routed++;
        var k = int.Parse(reader.GetString(0).AsSpan(5), CultureInfo.InvariantCulture) % 3;
        if (reader.GetGuid(1) != companies[k]) { wrong++; }
        if (reader.IsDBNull(2) || reader.GetGuid(2) != history[k]) { wrongCampaign++; }
    }

    return (routed, wrong, wrongCampaign);
}

// Sends K STOPs at random moments while the campaign sends, from numbers whose message is still queued then and that
// company A messaged before (so a bare STOP stops it): even ones within the next three batches of the sending front
// (where the claim and the submit's re-check must catch it), odd ones anywhere in the rest of the queue.
static async Task<List<StopProbe>> StopDriverAsync(HttpClient http, string connectionString, BenchOptions options, Progress progress, Task sendingStarted,
    Guid campaignId, Guid companyA, long firstId, Random random)
{
    await sendingStarted;
    var probes = new List<StopProbe>();
    var inFlight = new List<Task>();
    var chosen = new List<string>();
    for (var k = 0; k < options.Stops && !progress.Done; k++)
    {
        var remaining = progress.Targeted - progress.Handled;
        if (remaining < 3 * batchSize)
        {
            break;
        }

        // Spread the rest over ~80% of the time the queue still needs at the current rate.
        var gapMs = remaining / Math.Max(500, progress.Rate) * 1000 * 0.8 / (options.Stops - k);
        await Task.Delay(TimeSpan.FromMilliseconds(Math.Clamp(random.NextDouble() * 2 * gapMs, 1, 10_000)));
        var near = k % 2 == 0;
        var front = firstId + progress.Handled;
        var from = front + (near ? random.NextInt64(0, 3 * batchSize) : random.NextInt64(0, Math.Max(1, progress.Targeted - progress.Handled)));
        var candidate = await PickQueuedAsync(connectionString, campaignId, companyA, from, chosen) ?? await PickQueuedAsync(connectionString, campaignId, companyA, front, chosen);
        if (candidate is not { } pick)
        {
            continue;
        }

        chosen.Add(pick.Phone);
        var probe = new StopProbe(pick.Id, pick.Phone, near);
        probes.Add(probe);
        progress.StopSent();
        inFlight.Add(SendStopAsync(http, probe, progress));
    }

    await Task.WhenAll(inFlight);
    return probes;
}

static async Task<(long Id, string Phone)?> PickQueuedAsync(string connectionString, Guid campaignId, Guid companyA, long fromId, List<string> chosen)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand("""
        SELECT m.id, m.phone FROM campaigns.messages m
        WHERE m.campaign_id = @campaign AND m.state = 0 AND m.id >= @from
          AND right(m.phone, 2) NOT IN ('13', '14', '15', '16') AND m.phone <> ALL (@chosen)
          AND EXISTS (SELECT 1 FROM campaigns.recipient_contacts rc WHERE rc.platform_number = @route AND rc.phone = m.phone AND rc.company_id = @company)
        ORDER BY m.id LIMIT 1
        """, connection);
    command.Parameters.AddWithValue("campaign", campaignId);
    command.Parameters.AddWithValue("company", companyA);
    command.Parameters.AddWithValue("from", fromId);
    command.Parameters.AddWithValue("route", route);
    command.Parameters.Add(new NpgsqlParameter("chosen", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = chosen.ToArray() });
    await using var reader = await command.ExecuteReaderAsync();
    return await reader.ReadAsync() ? (reader.GetInt64(0), reader.GetString(1)) : null;
}

static async Task SendStopAsync(HttpClient http, StopProbe probe, Progress progress)
{
    using var content = new StringContent(InboundJson(probe.Phone, route, "STOP"), Encoding.UTF8, "application/json");
    probe.SentAt = DateTimeOffset.UtcNow;
    var started = Stopwatch.GetTimestamp();
    try
    {
        using var response = await http.PostAsync("/simulator/inbound", content);
        probe.Status = (int)response.StatusCode;
    }
    catch (HttpRequestException)
    {
        probe.Status = -1;
    }

    probe.RoundTripMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    probe.AckedAt = DateTimeOffset.UtcNow;
    progress.StopAcknowledged();
}

static async Task<Dictionary<long, StopOutcome>> StopOutcomesAsync(string connectionString, List<StopProbe> probes, Guid campaignId, Guid companyA)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand("""
        SELECT m.id, m.state, m.attempts, m.submitted_at, m.finished_at, rc.last_at
        FROM unnest(@ids) AS p(id)
        JOIN campaigns.messages m ON m.id = p.id
        LEFT JOIN campaigns.recipient_contacts rc ON rc.platform_number = @route AND rc.phone = m.phone AND rc.company_id = @company AND rc.campaign_id = @campaign
        """, connection);
    command.Parameters.AddWithValue("ids", probes.Select(p => p.MessageId).ToArray());
    command.Parameters.AddWithValue("route", route);
    command.Parameters.AddWithValue("company", companyA);
    command.Parameters.AddWithValue("campaign", campaignId);
    var outcomes = new Dictionary<long, StopOutcome>();
    await using var reader = await command.ExecuteReaderAsync();
    while (await reader.ReadAsync())
    {
        DateTimeOffset? At(int i) => reader.IsDBNull(i) ? null : reader.GetFieldValue<DateTimeOffset>(i);
        outcomes[reader.GetInt64(0)] = new StopOutcome(reader.GetInt16(1), reader.GetInt16(2), At(3), At(4), At(5));
    }

    return outcomes;
}

// A reply's attribution lookup (campaigns.recipient_contacts by primary key) for a number still queued deep in the
// running campaign, whose batches keep writing that table.
static async Task<List<string>> ExplainReplyLookupAsync(string connectionString, Guid campaignId)
{
    var lines = new List<string>();
    var phone = (string?)await ScalarAsync(connectionString, $"SELECT phone FROM campaigns.messages WHERE campaign_id = '{campaignId}' AND state = 0 ORDER BY id DESC LIMIT 1");
    if (phone is null)
    {
        return lines;
    }

    (string Title, string Sql)[] statements =
    [
        ("a reply's attribution lookup (RecipientContacts.LastSql)", $"""
            SELECT company_id, last_at, campaign_id FROM campaigns.recipient_contacts
            WHERE platform_number = '{route}' AND phone = '{phone}' AND last_at >= now() - interval '365 days'
            ORDER BY last_at DESC LIMIT 1
            """),
    ];
    foreach (var (title, sql) in statements)
    {
        lines.Add($"plan of {title}, while the campaign sends:");
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        for (var run = 0; run < 3; run++)
        {
            await using var command = new NpgsqlCommand("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, connection);
            await using var reader = await command.ExecuteReaderAsync();
            var plan = new List<string>();
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(0));
            }

            // The first run in full, then only the time of two more.
            lines.AddRange(run == 0 ? plan.Select(l => "    " + l) : plan.Where(l => l.StartsWith("Execution Time", StringComparison.Ordinal)).Select(l => $"    run {run + 1}: {l}"));
        }
    }

    return lines;
}

// When each STOPped number's handset got the campaign's message, if it did (the simulator's outbox: the time of the
// carrier's acceptance, which submitted_at only approximates — it is written when the whole batch is back).
static async Task<Dictionary<string, DateTimeOffset>> HandsetTimesAsync(HttpClient http, List<StopProbe> probes)
{
    var received = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
    foreach (var probe in probes)
    {
        using var response = await http.GetAsync($"/simulator/outbox?to={Uri.EscapeDataString(probe.Phone)}");
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        foreach (var item in json.RootElement.EnumerateArray())
        {
            if (item.GetProperty("text").GetString() is { } text && text.Contains(CampaignText, StringComparison.Ordinal))
            {
                received[probe.Phone] = item.GetProperty("at").GetDateTimeOffset();
            }
        }
    }

    return received;
}

static double Percentile(List<double> sorted, double p) =>
    sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

static string LoadAverage()
{
    try
    {
        return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
    }
    catch (IOException)
    {
        return "?";
    }
}

static Process StartHost(string connectionString, string baseUrl, bool recordOutbox)
{
    var root = new DirectoryInfo(AppContext.BaseDirectory);
    while (root is not null && !File.Exists(Path.Combine(root.FullName, "Platform.sln")))
    {
        root = root.Parent;
    }

    var hostDirectory = Path.Combine(root?.FullName ?? throw new InvalidOperationException("Run from the repository."), "src", "Host", "Platform.Host");
    var dll = Path.Combine(hostDirectory, "bin", "Release", "net10.0", "Platform.Host.dll");
    if (!File.Exists(dll))
    {
        throw new InvalidOperationException($"{dll} is missing: build first (dotnet build Platform.sln -c Release).");
    }

    var start = new ProcessStartInfo("dotnet", $"\"{dll}\"") { WorkingDirectory = hostDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    start.Environment["ASPNETCORE_URLS"] = baseUrl;
    start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
    start.Environment["ConnectionStrings__Platform"] = connectionString;
    start.Environment["Logging__Console__FormatterName"] = "simple";
    start.Environment["Logging__LogLevel__Default"] = "Warning";
    start.Environment["Platform__Security__AllowHttp"] = "true";
    start.Environment["Platform__RateLimits__LoginPerMinute"] = "1000";
    // The carrier's inbound endpoint is limited per client address (200/s by default); the load generator is one address.
    start.Environment["Platform__RateLimits__InboundPerSecond"] = "1000000";
    start.Environment["Platform__Simulator__DevEndpoints"] = "true";
    start.Environment["Platform__Messaging__PlatformNumbers__0"] = route;
    start.Environment["Platform__Billing__TrialCredits"] = "100000000";
    start.Environment["Platform__Campaigns__MaintenanceSeconds"] = "2";
    start.Environment["Platform__Campaigns__ReceiptTimeout"] = "00:02:00";
    start.Environment["Platform__Campaigns__RetryBackoff"] = "00:00:00.500";
    start.Environment["Platform__Carriers__Instances__0__Settings__ReceiptWindow"] = "8192";
    // The handsets' outboxes tell when each message really reached the carrier; at a million numbers they would fill
    // the host's memory, so they are on only for smaller campaigns (BENCH_OUTBOX=1/0 decides).
    start.Environment["Platform__Carriers__Instances__0__Settings__RecordOutbox"] = recordOutbox ? "true" : "false";
    start.Environment["Platform__Carriers__Instances__0__Settings__OutboxCapacityPerHandset"] = "8";
    start.Environment["Platform__Carriers__Instances__0__Settings__WindowSize"] = "1000";
    return Process.Start(start) ?? throw new InvalidOperationException("Could not start the host.");
}

static async Task WaitHealthyAsync(HttpClient http, Process host, StringBuilder output)
{
    for (var i = 0; i < 480; i++)
    {
        if (host.HasExited) { throw new InvalidOperationException("The host exited: " + output); }
        try
        {
            using var response = await http.GetAsync("/healthz");
            if (response.StatusCode == HttpStatusCode.OK) { return; }
        }
        catch (HttpRequestException)
        {
        }

        await Task.Delay(500);
    }

    throw new TimeoutException("The host did not become healthy: " + output);
}

// Company A registers through the real form (the campaign needs its account and credits).
static async Task RegisterAsync(HttpClient http)
{
    var cookies = new Dictionary<string, string>();
    using var get = new HttpRequestMessage(HttpMethod.Get, "/Accounts/Register");
    using var page = await http.SendAsync(get);
    Remember(page, cookies);
    var html = await page.Content.ReadAsStringAsync();
    var token = WebUtility.HtmlDecode(Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value);
    using var post = new HttpRequestMessage(HttpMethod.Post, "/Accounts/Register")
    {
        Content = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["Input.CompanyName"] = "Bench Pizza",
            ["Input.FirstName"] = "Ada",
            ["Input.Surname"] = "Lovelace",
            ["Input.Email"] = "owner@bench.example",
            ["Input.Password"] = "Passw0rdPassw0rd",
            ["Input.ConfirmPassword"] = "Passw0rdPassw0rd",
            ["Input.MobileNumber"] = "+44 7700 900123",
            ["Input.PostalCode"] = "SW1A 1AA",
            ["Input.MarketSector"] = "Food and drink",
            ["Input.IsAdult"] = "true",
            ["Input.AcceptTerms"] = "true",
        }),
    };
    post.Headers.Add("Cookie", string.Join("; ", cookies.Select(c => $"{c.Key}={c.Value}")));
    using var response = await http.SendAsync(post);
    if (response.StatusCode != HttpStatusCode.Redirect)
    {
        throw new InvalidOperationException("Registration failed: " + await response.Content.ReadAsStringAsync());
    }
}

static void Remember(HttpResponseMessage response, Dictionary<string, string> cookies)
{
    if (response.Headers.TryGetValues("Set-Cookie", out var values))
    {
        foreach (var value in values)
        {
            var pair = value.Split(';')[0];
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            cookies[pair[..equals]] = pair[(equals + 1)..];
        }
    }
}

static long MemoryKb(int pid, string field)
{
    try
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }
    catch (IOException)
    {
        return 0;
    }
}

static double CpuSeconds(int pid)
{
    var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
    // utime and stime are fields 14 and 15 of /proc/pid/stat, in clock ticks (100 a second on Linux).
    return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

static async Task ExecuteAsync(string connectionString, string sql, params (string Name, object Value)[] parameters)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 1200 };
    foreach (var (name, value) in parameters)
    {
        command.Parameters.AddWithValue(name, value);
    }

    await command.ExecuteNonQueryAsync();
}

static async Task<object?> ScalarAsync(string connectionString, string sql)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand(sql, connection);
    return await command.ExecuteScalarAsync();
}

internal static class Ids
{
    /// <summary>Company A's list of the campaign's recipients.</summary>
    public static readonly Guid CampaignList = new("0b3c5d7e-0000-4000-8000-00000000c0de");
}

internal sealed record Drive(List<double> Latencies, int Accepted, int Errors, TimeSpan Wall);

/// <summary>
/// A STOPped number's message afterwards. DecidedAt: when its batch's submit re-check ran (the who-messaged-whom row that
/// statement wrote for this campaign), null when it was never claimed. Attempts: 0 when the claim turned it Suppressed
/// (it never counted an attempt), more when it was claimed and the submit's re-check did.
/// </summary>
internal sealed record StopOutcome(short State, short Attempts, DateTimeOffset? SubmittedAt, DateTimeOffset? FinishedAt, DateTimeOffset? DecidedAt);

/// <summary>One STOP: the queued message it was aimed at, and when it was sent and acknowledged (this machine's clock, as the host's and PostgreSQL's).</summary>
internal sealed class StopProbe(long messageId, string phone, bool near)
{
    public long MessageId { get; } = messageId;
    public string Phone { get; } = phone;
    public bool NearFront { get; } = near;
    public DateTimeOffset SentAt { get; set; }
    public DateTimeOffset AckedAt { get; set; }
    public double RoundTripMs { get; set; }
    public int Status { get; set; }
}

/// <summary>The campaign's counters as the sampler last read them, shared with the STOP driver.</summary>
internal sealed class Progress
{
    private long _targeted, _handled, _stopsSent, _stopsAcknowledged;
    private double _rate;

    public long Targeted => Interlocked.Read(ref _targeted);
    public long Handled => Interlocked.Read(ref _handled);
    public double Rate => Volatile.Read(ref _rate);
    public long StopsSent => Interlocked.Read(ref _stopsSent);
    public long StopsAcknowledged => Interlocked.Read(ref _stopsAcknowledged);
    private volatile bool _done;

    public bool Done
    {
        get => _done;
        set => _done = value;
    }

    public void Update(long targeted, long handled, double rate)
    {
        Interlocked.Exchange(ref _targeted, targeted);
        Interlocked.Exchange(ref _handled, handled);
        Volatile.Write(ref _rate, rate);
    }

    public void StopSent() => Interlocked.Increment(ref _stopsSent);

    public void StopAcknowledged() => Interlocked.Increment(ref _stopsAcknowledged);
}

internal sealed record Spread(double P50, double P99, double Max)
{
    public static Spread Of(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToList();
        double At(double p) => sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
        return new Spread(At(0.5), At(0.99), sorted.Count == 0 ? double.NaN : sorted[^1]);
    }
}

/// <summary>
/// Each STOP's message ends Suppressed (state 6: at the claim, or at the submit's re-check), or was submitted: before the
/// STOP was sent (claimed and sent between the pick and the STOP: allowed), while the STOP request was in flight (allowed:
/// not acknowledged yet), or after the ack (a failure, split by when its batch passed the submit's re-check).
/// "STOP → next send suppressed" is, per STOP, the time from sending it to the point after which nothing is sent to the
/// number. The STOP does not search the queue: its suppression is committed before the ack, and the claim and the
/// submit's re-check check every message against it, so a message Suppressed after the ack (a deep-queued one the
/// claim reached seconds later) was not sent after the ack, and that point is the ack itself, as it is for a message
/// Suppressed or submitted before it. A message submitted after the ack counts with the time the carrier accepted it
/// (the simulator's outbox), else its submitted_at.
/// </summary>
internal sealed record StopReport(
    Spread RoundTrip, int Suppressed, int AtClaim, int AtSubmitCheck, int SuppressedAfterAck, Spread SuppressedVsAck,
    int SentBefore, int SentDuring, int SentAfter, int AfterDecidedBefore, int AfterDecidedInFlight, int AfterDecidedAfterAck, int? HandsetAfterAck,
    double RecheckToCarrierMs, Spread StopToSafe, List<string> Details)
{
    public static StopReport From(List<StopProbe> probes, Dictionary<long, StopOutcome> outcomes, Dictionary<string, DateTimeOffset>? handsets)
    {
        var handsetAfterAck = handsets is null ? (int?)null : 0;
        var recheckToCarrier = 0.0;
        int suppressed = 0, atClaim = 0, atCheck = 0, suppressedAfterAck = 0, before = 0, during = 0, after = 0;
        int afterDecidedBefore = 0, afterDecidedInFlight = 0, afterDecidedAfterAck = 0;
        var vsAck = new List<double>();
        var toSafe = new List<double>();
        var details = new List<string>();
        foreach (var probe in probes)
        {
            if (!outcomes.TryGetValue(probe.MessageId, out var outcome))
            {
                details.Add($"STOP from {probe.Phone}: its message {probe.MessageId} is gone");
                continue;
            }

            if (outcome.State == 6 && outcome.FinishedAt is { } finished)
            {
                suppressed++;
                var lag = (finished - probe.AckedAt).TotalMilliseconds;
                vsAck.Add(lag);
                if (lag > 0) { suppressedAfterAck++; }
                // Never sent: nothing reached the number after the ack, whenever the claim or the re-check got to it.
                toSafe.Add((probe.AckedAt - probe.SentAt).TotalMilliseconds);
                // Claimed before the STOP: caught by the submit's re-check (the claim counted an attempt); else by the claim.
                if (outcome.Attempts > 0) { atCheck++; }
                else { atClaim++; }
            }
            else if (outcome.SubmittedAt is { } submitted)
            {
                if (submitted <= probe.AckedAt)
                {
                    // Sent before the STOP or while it was in flight: nothing can follow the ack (one message a number).
                    toSafe.Add((probe.AckedAt - probe.SentAt).TotalMilliseconds);
                }

                if (submitted <= probe.SentAt) { before++; }
                else if (submitted <= probe.AckedAt) { during++; }
                else
                {
                    // Recorded as submitted after the ack. submitted_at is written when the whole batch is back from the
                    // carrier, so the message went out somewhere between its batch's re-check and that time (the
                    // simulator's outbox, when recorded, has the moment itself).
                    after++;
                    DateTimeOffset? handset = handsets is not null && handsets.TryGetValue(probe.Phone, out var h) ? h : null;
                    toSafe.Add(((handset ?? submitted) - probe.SentAt).TotalMilliseconds);
                    if (handset > probe.AckedAt) { handsetAfterAck++; }
                    if (outcome.DecidedAt is { } checkedAt) { recheckToCarrier = Math.Max(recheckToCarrier, ((handset ?? submitted) - checkedAt).TotalMilliseconds); }
                    if (outcome.DecidedAt is not { } decided || decided > probe.AckedAt) { afterDecidedAfterAck++; }
                    else if (decided > probe.SentAt) { afterDecidedInFlight++; }
                    else { afterDecidedBefore++; }
                }

                var reached = handsets is not null && handsets.TryGetValue(probe.Phone, out var r) ? $"{r:HH:mm:ss.fff}" : "not recorded";
                details.Add($"STOP from {probe.Phone} ({(probe.NearFront ? "near the front" : "deep in the queue")}): sent {probe.SentAt:HH:mm:ss.fff}, acknowledged {probe.AckedAt:HH:mm:ss.fff} ({probe.Status}); " +
                            $"message {probe.MessageId} state {outcome.State}: its batch's re-check {outcome.DecidedAt:HH:mm:ss.fff}, accepted by the carrier {reached}, " +
                            $"recorded submitted {submitted:HH:mm:ss.fff}");
            }
            else
            {
                details.Add($"STOP from {probe.Phone}: message {probe.MessageId} ended in state {outcome.State}, never submitted");
            }
        }

        return new StopReport(Spread.Of(probes.Select(p => p.RoundTripMs)), suppressed, atClaim, atCheck, suppressedAfterAck, Spread.Of(vsAck),
            before, during, after, afterDecidedBefore, afterDecidedInFlight, afterDecidedAfterAck, handsetAfterAck, recheckToCarrier, Spread.Of(toSafe), details);
    }
}

internal sealed record BenchOptions(int Attributions, int Replies, int Parallelism, int Recipients, int Stops, int Warmup)
{
    public static BenchOptions Parse(string[] args)
    {
        var quick = args.Contains("--quick");
        var options = quick
            ? new BenchOptions(Attributions: 50_000, Replies: 2_000, Parallelism: 16, Recipients: 30_000, Stops: 20, Warmup: 0)
            : new BenchOptions(Attributions: 1_000_000, Replies: 20_000, Parallelism: 16, Recipients: 1_000_000, Stops: 200, Warmup: 50_000);
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--quick")
            {
                continue;
            }

            if (i + 1 >= args.Length || !int.TryParse(args[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < 0)
            {
                throw new ArgumentException($"Unknown or incomplete option '{args[i]}'. Usage: [--quick] [--attributions N] [--replies R] [--parallelism P] [--recipients M] [--stops K] [--warmup W]");
            }

            options = args[i] switch
            {
                "--attributions" => options with { Attributions = value },
                "--replies" => options with { Replies = value },
                "--parallelism" => options with { Parallelism = Math.Max(1, value) },
                "--recipients" => options with { Recipients = value },
                "--stops" => options with { Stops = value },
                "--warmup" => options with { Warmup = value },
                _ => throw new ArgumentException($"Unknown option '{args[i]}'."),
            };
            i++;
        }

        if (options.Recipients > options.Attributions)
        {
            throw new ArgumentException("--recipients must not exceed --attributions (the campaign goes to numbers the companies messaged before).");
        }

        return options;
    }
}
