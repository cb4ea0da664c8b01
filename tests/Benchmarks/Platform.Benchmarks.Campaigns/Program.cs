using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;
using Platform.Benchmarks.Campaigns;
using Platform.Benchmarks.Smpp;
using Platform.Carriers.Tests.Smsc;
using static Platform.Benchmarks.Campaigns.Measure;

// Starts the built host (src/Host/Platform.Host/bin/Release) as a process on a fresh database with the simulator carrier
// (receipts after 200 ms, outboxes off), registers a company through the real form, puts N contacts on a list, schedules a
// campaign to them and measures: recipients materialised per second (the host's own log line), messages submitted per
// second and receipts ingested per second (sampled from the campaign's counters), the campaign page's latency at a fixed
// request rate while it sends, and the host's peak resident memory (VmHWM). Usage: [recipients=1000000] [pageRequestsPerSecond=200] [simulator|smpp|http]
//
// "smpp" (issue #16): the host's carrier is the platform's SMPP client bound as a transceiver (window BENCH_SMPP_WINDOW,
// default 64) to the npm "smpp" SMSC (tests/Platform.Carriers.Tests/smsc), which answers each submit_sm and sends its
// delivery receipt at once. The same run first measures the SMPP client alone against that SMSC (its ceiling), and
// reports how far stored receipts trail their arrival: the SMSC times each deliver_sm to its deliver_sm_resp, which the
// host sends only once the receipt is committed.
//
// BENCH_LINK_RATE=500 (issue #20 item 4): the campaign tracks a link, and while it sends, GETs of its recipients' short links
// (/s/{code}, random recipients, codes made by the module's TrackedLinks with the default key) at that rate: the redirect's
// latency (302 expected) and the clicks recorded.
//
// "http" (issue #16): the host's carrier is the platform's HTTP carrier with Batch=true against a fake JSON API that the
// benchmark starts as a process and that posts each receipt back at once, as signed arrays (HttpMode.cs, FakeHttpApi.cs).
if (args is [FakeHttpApi.Mode, ..])
{
    await FakeHttpApi.RunAsync(); // the fake API's own process (started by HttpMode)
    return;
}

var recipients = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
var pageRate = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200;
var throughSmpp = args.Length > 2 && args[2] == "smpp";
await using var httpApi = args.Length > 2 && args[2] == "http" ? await HttpMode.StartAsync(recipients) : null;
var smppWindow = int.Parse(Environment.GetEnvironmentVariable("BENCH_SMPP_WINDOW") ?? "64", CultureInfo.InvariantCulture);
// BENCH_FIELD=1 (ADR 31): every contact has a contact field "city" (500 values, 8–10 characters) and the text uses
// {city|town} besides {first_name|there}, so the run measures the audience copying the field and the sender rendering it.
var withField = Environment.GetEnvironmentVariable("BENCH_FIELD") == "1";
if (Environment.GetEnvironmentVariable("BENCH_RENDER") == "1")
{
    Platform.Benchmarks.Campaigns.RenderCost.Run(); // the sender's per-message text work alone (RenderCost.cs), then stop
    return;
}

await using var smsc = throughSmpp ? await SmscProcess.StartAsync() : null;
CeilingCase? ceiling = null;
if (smsc is not null)
{
    // The client alone, before the host starts (nothing else on the machine): warm-up, then the measured case.
    await ClientCeiling.RunCaseAsync(smsc, smppWindow, receipts: true, count: 20_000);
    ceiling = await ClientCeiling.RunCaseAsync(smsc, smppWindow, receipts: true, count: Math.Min(recipients, 200_000));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"SMPP client alone, window {smppWindow}, {ceiling.Count:N0} messages with receipts: {ceiling.SubmitsPerSecond:N0} submit_sm/s, {ceiling.EndToEndPerSecond:N0} msg/s until the last receipt (SMSC CPU {ceiling.NodeCpu.TotalSeconds / ceiling.AllReceiptsIn.TotalSeconds:P0} of a core)"));
}

// BENCH_SEND_API=single|batch (SendApiLoad.cs): the send API instead of a campaign; the key's rate limit (50/s by default)
// is lifted in the host's environment, which the host inherits, so the host's own ceiling is what is measured.
var sendApi = Environment.GetEnvironmentVariable("BENCH_SEND_API");
if (sendApi is { Length: > 0 })
{
    Environment.SetEnvironmentVariable("Platform__Campaigns__Api__RequestsPerSecond", "1000000");
}

var server = Environment.GetEnvironmentVariable("PLATFORM_TEST_POSTGRES")
    ?? "Host=localhost;Port=5432;Username=platform_test;Password=platform_test;Database=postgres";
var database = $"platform_bench_campaigns_{DateTime.UtcNow:MMddHHmmss}_{Environment.ProcessId}";
// BENCH_HISTORY=50000000 (issue #16): the run's database is a copy of a kept one with that much message history (History.cs).
await ExecuteAsync(server, Platform.Benchmarks.Campaigns.History.Rows is { } history
    ? await Platform.Benchmarks.Campaigns.History.CreateDatabaseSqlAsync(server, history, database) : $"CREATE DATABASE \"{database}\"");
var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString;
Process? host = null;
try
{
    var port = FreePort();
    var baseUrl = $"http://127.0.0.1:{port}";
    await (httpApi?.RouteHostAsync(baseUrl) ?? Task.CompletedTask);
    host = StartHost(connectionString, baseUrl, smsc?.Port, smppWindow);
    Console.WriteLine($"host process {host.Id}"); // for a profiler to attach (dotnet-trace, dotnet-counters)
    var output = new StringBuilder();
    host.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
    host.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
    host.BeginOutputReadLine();
    host.BeginErrorReadLine();

    using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false, MaxConnectionsPerServer = 64 }) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
    await WaitHealthyAsync(http, host, output);
    var cookies = new Dictionary<string, string>();
    await RegisterAsync(http, cookies, connectionString);
    var companyId = (Guid)(await ScalarAsync(connectionString, "SELECT id FROM accounts.companies WHERE name = 'Bench Pizza'"))!;

    if (sendApi is { Length: > 0 })
    {
        await Platform.Benchmarks.Campaigns.SendApiLoad.RunAsync(http, CookieHeader(cookies), connectionString, host.Id, sendApi, recipients);
        return;
    }

    var listId = Guid.NewGuid();
    var campaignId = Guid.NewGuid();
    var setup = Stopwatch.StartNew();
    await ExecuteAsync(connectionString, $"""
        INSERT INTO campaigns.contact_lists (id, company_id, name, contact_count, created_at) VALUES ('{listId}', '{companyId}', 'Everyone', {recipients}, now());
        INSERT INTO campaigns.contact_fields (id, company_id, key, label, kind, created_at) VALUES ('{Guid.NewGuid()}', '{companyId}', 'city', 'City', 'text', now());
        INSERT INTO campaigns.contacts (company_id, list_id, phone, first_name, fields, consent_source, created_at, updated_at)
        SELECT '{companyId}', '{listId}', '+4477' || lpad(i::text, 8, '0'), 'Ann' || (i % 1000),
               {(withField ? "jsonb_build_object('city', 'Town ' || (i % 500))" : "NULL")}, 'benchmark', now(), now()
        FROM generate_series(1, {recipients}) AS i;
        ANALYZE campaigns.contacts;
        """);

    Console.WriteLine($"{recipients:N0} contacts on a list in {setup.Elapsed.TotalSeconds:F1} s (setup, not measured)");
    if (Environment.GetEnvironmentVariable("BENCH_SEGMENT_COUNT") == "1")
    {
        // Segment counts over the list (see SegmentCounts.cs), then stop: no campaign.
        await Platform.Benchmarks.Campaigns.SegmentCounts.RunAsync(http, CookieHeader(cookies), companyId, listId, connectionString);
        return;
    }

    await ExecuteAsync(connectionString, $"""
        INSERT INTO campaigns.campaigns (id, company_id, name, sender_id, body, status, list_ids, time_zone, scheduled_at, respect_quiet_hours, created_at, updated_at)
        VALUES ('{campaignId}', '{companyId}', 'Benchmark', 'PLATFORM', 'Hi {"{"}first_name|there{"}"}, 20% off tonight{(withField ? " in {city|town}" : "")}. Reply STOP to opt out', 'Draft', ARRAY['{listId}']::uuid[], 'UTC', now(), false, now(), now())
        """);
    var linkRate = int.Parse(Environment.GetEnvironmentVariable("BENCH_LINK_RATE") ?? "0", CultureInfo.InvariantCulture);
    var links = new Platform.Modules.Campaigns.Features.Links.TrackedLinks(
        new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build(), new Platform.Modules.Shared.PublicLinks(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build()));
    // BENCH_TRACK_LINK=1: the campaign tracks a link without any GETs of it (issue #20: a million recipients with a
    // field and a tracked link must still send >= 10,000 msg/s); with BENCH_FIELD=1 the text also uses {city|town}.
    if (linkRate > 0 || Environment.GetEnvironmentVariable("BENCH_TRACK_LINK") == "1")
    {
        await ExecuteAsync(connectionString, $"UPDATE campaigns.campaigns SET track_links = true, body = 'Hi {"{"}first_name|there{"}"}, menu{(withField ? " in {city|town}" : "")}: https://example.com/menu?from=sms Reply STOP to opt out' WHERE id = '{campaignId}'");
    }

    // Warm-up: a 50,000-recipient campaign through the same path first, so the measured one meets a host whose code
    // is compiled (tiered JIT spends most of a core for the first minute of a fresh process) — a host in production
    // has been up for days. Its numbers avoid the simulator's failure endings (…13–…16), so nothing of it expires later.
    if (Environment.GetEnvironmentVariable("BENCH_WARMUP") != "0")
    {
        var warmList = Guid.NewGuid();
        var warmCampaign = Guid.NewGuid();
        await ExecuteAsync(connectionString, $"""
            INSERT INTO campaigns.contact_lists (id, company_id, name, contact_count, created_at) VALUES ('{warmList}', '{companyId}', 'Warm-up', 50000, now());
            INSERT INTO campaigns.contacts (company_id, list_id, phone, first_name, consent_source, created_at, updated_at)
            SELECT '{companyId}', '{warmList}', '+4478' || lpad(i::text, 8, '0'), 'Bo', 'benchmark', now(), now()
            FROM generate_series(1, 60000) AS i WHERE i % 100 NOT BETWEEN 13 AND 16 LIMIT 50000;
            INSERT INTO campaigns.campaigns (id, company_id, name, sender_id, body, status, list_ids, time_zone, scheduled_at, respect_quiet_hours, created_at, updated_at)
            VALUES ('{warmCampaign}', '{companyId}', 'Warm-up', 'PLATFORM', 'Warm-up', 'Scheduled', ARRAY['{warmList}']::uuid[], 'UTC', now(), false, now(), now());
            """);
        if (linkRate > 0)
        {
            // Its messages carry a tracked link too, so the redirect can be measured on the idle host (below) with real codes.
            await ExecuteAsync(connectionString, $"UPDATE campaigns.campaigns SET track_links = true, body = 'Warm-up https://example.com/warm' WHERE id = '{warmCampaign}'");
        }

        var warm = Stopwatch.StartNew();
        while (!Equals(await ScalarAsync(connectionString, $"SELECT delivered + expired >= 50000 FROM campaigns.campaigns WHERE id = '{warmCampaign}'"), true))
        {
            if (warm.Elapsed > TimeSpan.FromMinutes(5))
            {
                var state = await ScalarAsync(connectionString, $"SELECT format('status %s, targeted %s, submitted %s, delivered %s, failed %s, expired %s, unknown %s; messages by state %s; kept receipts %s', status, targeted, submitted, delivered, failed, expired, unknown, (SELECT string_agg(state || ':' || n, ' ') FROM (SELECT state, count(*) n FROM campaigns.messages WHERE campaign_id = '{warmCampaign}' GROUP BY state) x), (SELECT count(*) FROM campaigns.pending_receipts)) FROM campaigns.campaigns WHERE id = '{warmCampaign}'");
                throw new TimeoutException("The warm-up campaign did not finish: " + state);
            }
            await Task.Delay(500);
        }

        Console.WriteLine($"warm-up: 50,000 messages sent and final in {warm.Elapsed.TotalSeconds:F1} s (not measured)");
        if (linkRate > 0)
        {
            // The redirect on the idle host, at the same rate for 10 s: what it costs when it has the machine to itself.
            var (low, high) = await MessageIdsAsync(connectionString, warmCampaign);
            using var idleStop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var idleLinks = (await LoadManyAsync(http, () => "/s/" + links.Code(Random.Shared.NextInt64(low, high + 1), 0), string.Empty, linkRate, idleStop.Token, HttpStatusCode.Redirect)).Latencies;
            idleLinks.Sort();
            Console.WriteLine($"idle host, short link redirect at {linkRate} req/s for 10 s: p50 / p95 / p99 {Pct(idleLinks, 0.5):F1} / {Pct(idleLinks, 0.95):F1} / {Pct(idleLinks, 0.99):F1} ms ({idleLinks.Count:N0} requests)");
        }
    }

    // The page alone, one request at a time on the idle host: what one request costs.
    var idle = new List<double>();
    for (var i = 0; i < 300; i++)
    {
        var started = Stopwatch.GetTimestamp();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/Campaigns/Details/{campaignId}");
        request.Headers.Add("Cookie", CookieHeader(cookies));
        using var response = await http.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        if (i >= 50)
        {
            idle.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    idle.Sort();
    // Other pages on the idle host, to see where a request's time goes (BENCH_IDLE_URLS="/healthz,/Campaigns").
    foreach (var url in (Environment.GetEnvironmentVariable("BENCH_IDLE_URLS") ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries))
    {
        var times = new List<double>();
        for (var i = 0; i < 300; i++)
        {
            var started = Stopwatch.GetTimestamp();
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Add("Cookie", CookieHeader(cookies));
            using var response = await http.SendAsync(request);
            await response.Content.ReadAsByteArrayAsync();
            if (i >= 50)
            {
                times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }

        times.Sort();
        var (_, cpuPerRequest, _) = await LoadWithCpuAsync(http, host.Id, url, CookieHeader(cookies), 200, TimeSpan.FromSeconds(5));
        Console.WriteLine($"idle {url}: p50 {times[times.Count / 2]:F2} ms one at a time; host CPU {cpuPerRequest:F2} ms per request at 200 req/s");
    }

    // The same rate on the idle host for 10 s (BENCH_IDLE_SECONDS: longer, to profile it): what the page costs the host in CPU when nothing else runs.
    if (pageRate > 0)
    {
        // First 5 s without requests: the host's own background (job polling, listeners), which the per-request figure below includes.
        var quietBefore = CpuSeconds(host.Id);
        await Task.Delay(TimeSpan.FromSeconds(5));
        var background = CpuSeconds(host.Id) - quietBefore;
        Console.WriteLine($"idle host, no requests for 5 s: host CPU {background:F2} s (its background; at {pageRate} req/s that is {background * 1000 / (5.0 * pageRate):F2} ms of each request's figure below)");
        var idleSeconds = int.Parse(Environment.GetEnvironmentVariable("BENCH_IDLE_SECONDS") ?? "10", CultureInfo.InvariantCulture);
        var (idleLoad, cpuPerRequest, cpu) = await LoadWithCpuAsync(http, host.Id, $"/Campaigns/Details/{campaignId}", CookieHeader(cookies), pageRate, TimeSpan.FromSeconds(idleSeconds));
        idleLoad.Sort();
        Console.WriteLine($"idle host, {pageRate} req/s for {idleSeconds} s: p50 {idleLoad[idleLoad.Count / 2]:F1} ms, p95 {idleLoad[(int)(idleLoad.Count * 0.95)]:F1} ms, host CPU {cpu:F2} s = {cpuPerRequest:F2} ms per request");
    }

    if (smsc is not null)
    {
        await smsc.ExpectOkAsync(new { cmd = "reset" }); // the receipt lags and counts of the measured campaign only
    }

    await (httpApi?.ResetAsync() ?? Task.CompletedTask);

    await ExecuteAsync(connectionString, $"UPDATE campaigns.campaigns SET status = 'Scheduled', scheduled_at = now() WHERE id = '{campaignId}'");

    // The page load runs while the campaign sends: a fixed rate of GETs of the campaign page, latency per request.
    using var loadStop = new CancellationTokenSource();
    var sendingStarted = new TaskCompletionSource();
    var load = Task.Run(async () =>
    {
        await sendingStarted.Task;
        return pageRate <= 0 ? new PageLoad([], 0) : await LoadAsync(http, $"/Campaigns/Details/{campaignId}", CookieHeader(cookies), pageRate, loadStop.Token);
    });

    // Module events while it sends (issue #13): BENCH_EVENTS_PER_SECOND (default 20) CompanyRegistered events, each
    // written to Accounts' outbox with its NOTIFY in one transaction, exactly as Outbox.AddAsync does for a registration
    // (without the registration's password hashing, which is not what this measures); Billing's handler grants each its
    // trial credits. The dispatch lag is when Billing's handler began its transaction (its inbox row's handled_at) minus
    // occurred_at: the same clock for every build (before 2026-12-03 the outbox's dispatched_at was the start of the
    // dispatcher's batch, earlier than the handler; now it is the handler's commit).
    var linkLoad = Task.Run(async () =>
    {
        await sendingStarted.Task;
        if (linkRate <= 0)
        {
            return new PageLoad([], 0);
        }

        var (low, high) = await MessageIdsAsync(connectionString, campaignId);
        return await LoadManyAsync(http, () => "/s/" + links.Code(Random.Shared.NextInt64(low, high + 1), 0), string.Empty, linkRate, loadStop.Token, HttpStatusCode.Redirect);
    });

    // BENCH_LINK_PROBE_RATE (diagnostic): besides the real links, codes with a wrong keyed hash at this rate, answered 404
    // before any database read — the same endpoint without its query, to tell the database's share of the latency from the host's.
    var probeRate = int.Parse(Environment.GetEnvironmentVariable("BENCH_LINK_PROBE_RATE") ?? "0", CultureInfo.InvariantCulture);
    var probeLoad = Task.Run(async () =>
    {
        await sendingStarted.Task;
        return probeRate <= 0 || linkRate <= 0 ? new PageLoad([], 0) : await LoadManyAsync(http, () => "/s/" + Forged(links.Code(Random.Shared.NextInt64(1, 1_000_000_000), 0)), string.Empty, probeRate, loadStop.Token, HttpStatusCode.NotFound);
    });

    var eventRate = int.Parse(Environment.GetEnvironmentVariable("BENCH_EVENTS_PER_SECOND") ?? "20", CultureInfo.InvariantCulture);
    var events = Task.Run(async () =>
    {
        await sendingStarted.Task;
        return eventRate <= 0 ? 0 : await PublishEventsAsync(connectionString, eventRate, loadStop.Token);
    });

    // Sample the counters; the campaign is done when every message is final.
    var samples = new List<(double Seconds, long Submitted, long Receipts)>();
    // Where the machine's CPU went while the campaign ran: the host, the SMSC, and everything else (PostgreSQL, this program).
    var hostCpuBefore = CpuSeconds(host.Id);
    var smscCpuBefore = smsc?.CpuTime ?? httpApi?.CpuTime ?? TimeSpan.Zero;
    var machineBefore = MachineCpuSeconds();
    var clock = Stopwatch.StartNew();
    double? preparedAt = null, sentAt = null, finalAt = null;
    var untilSent = Environment.GetEnvironmentVariable("BENCH_UNTIL_SENT") == "1";
    long peakRss = 0;
    while (clock.Elapsed < TimeSpan.FromMinutes(20))
    {
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                "SELECT prepared_at IS NOT NULL, targeted, suppressed, submitted, send_failed, delivered, failed - send_failed, expired, unknown, status FROM campaigns.campaigns WHERE id = @id", connection);
            command.Parameters.AddWithValue("id", campaignId);
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            var prepared = reader.GetBoolean(0);
            var targeted = reader.GetInt32(1);
            var handled = reader.GetInt32(2) + reader.GetInt32(3) + reader.GetInt32(4) + reader.GetInt32(8);
            var receipts = reader.GetInt32(5) + reader.GetInt32(6);
            var final = reader.GetInt32(2) + reader.GetInt32(4) + reader.GetInt32(5) + reader.GetInt32(6) + reader.GetInt32(7) + reader.GetInt32(8);
            samples.Add((clock.Elapsed.TotalSeconds, reader.GetInt32(3), receipts));
            if (samples.Count % 20 == 1)
            {
                // A timeline every ~5 s: where the time goes (preparing, sending, waiting for receipts).
                Console.WriteLine($"t={clock.Elapsed.TotalSeconds,6:F1}s prepared={prepared} submitted={reader.GetInt32(3),9:N0} receipts={receipts,9:N0} final={final,9:N0} rss={MemoryKb(host.Id, "VmRSS") / 1024,4} MB");
            }
            if (prepared && preparedAt is null) { preparedAt = clock.Elapsed.TotalSeconds; }
            if (reader.GetInt32(3) > 0) { sendingStarted.TrySetResult(); }
            if (prepared && targeted > 0 && handled >= targeted && sentAt is null) { sentAt = clock.Elapsed.TotalSeconds; }
            if (prepared && targeted > 0 && final >= targeted) { finalAt = clock.Elapsed.TotalSeconds; break; }
            // BENCH_UNTIL_SENT=1: stop once every message is at the carrier (the redirect runs need no receipts; saves the 2-minute expiry wait).
            if (sentAt is not null && untilSent && clock.Elapsed.TotalSeconds > sentAt + 2) { break; }
            if (reader.GetString(9) == "NeedsAttention") { throw new InvalidOperationException("The campaign needs attention: " + output); }
        }

        peakRss = Math.Max(peakRss, MemoryKb(host.Id, "VmRSS"));
        if (sentAt is not null && !loadStop.IsCancellationRequested)
        {
            await loadStop.CancelAsync();
        }

        await Task.Delay(250);
    }

    var wallSeconds = clock.Elapsed.TotalSeconds;
    var hostCpu = CpuSeconds(host.Id) - hostCpuBefore;
    var smscCpu = ((smsc?.CpuTime ?? httpApi?.CpuTime ?? TimeSpan.Zero) - smscCpuBefore).TotalSeconds;
    var machine = MachineCpuSeconds();
    var machineBusy = machine.Busy - machineBefore.Busy;
    await loadStop.CancelAsync();
    sendingStarted.TrySetResult();
    var (latencies, errors) = await load;
    var (linkLatencies, linkErrors) = await linkLoad;
    linkLatencies.Sort();
    var (probeLatencies, probeErrors) = await probeLoad;
    probeLatencies.Sort();
    var eventLags = await EventLagsAsync(connectionString, await events);
    var hwm = MemoryKb(host.Id, "VmHWM");
    string log;
    lock (output) { log = output.ToString(); }
    if (Environment.GetEnvironmentVariable("BENCH_HOST_LOG") is { Length: > 0 } logPath)
    {
        await File.WriteAllTextAsync(logPath, log);
    }
    var materialised = Regex.Match(log, campaignId + @": (\d+) recipients materialised in ([\d.,]+) ms");
    var materialiseMs = materialised.Success ? double.Parse(materialised.Groups[2].Value.Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture) : double.NaN;

    var first = samples.First(s => s.Submitted > 0);
    var last = samples.First(s => s.Submitted >= samples[^1].Submitted);
    var sendRate = (last.Submitted - first.Submitted) / Math.Max(0.001, last.Seconds - first.Seconds);
    // A build whose receipts trail so far that the receipt timeout expires the messages first may apply none at all.
    var receiptFirst = samples.FirstOrDefault(s => s.Receipts > 0, samples[^1]);
    var receiptLast = samples.First(s => s.Receipts >= samples[^1].Receipts);
    var receiptRate = (receiptLast.Receipts - receiptFirst.Receipts) / Math.Max(0.001, receiptLast.Seconds - receiptFirst.Seconds);
    latencies.Sort();
    double Percentile(double p) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(p * latencies.Count) - 1)];

    var lags = smsc is null ? default : await smsc.ReceiptLagsAsync();
    var carrierName = httpApi?.Describe ?? (smsc is null ? "simulator with receipts after 200 ms" : $"SMPP carrier (window {smppWindow}, transceiver) into the npm smpp SMSC, receipts at once");
    Console.WriteLine($"Campaigns benchmark: {recipients:N0} recipients, {carrierName}, PostgreSQL {await ScalarAsync(connectionString, "SHOW server_version")}, {Environment.ProcessorCount} cores, host and PostgreSQL on this machine");
    Console.WriteLine("| measure | result |");
    Console.WriteLine("|---|---:|");
    Console.WriteLine($"| recipients materialised (COPY/INSERT…SELECT, one transaction) | {recipients / (materialiseMs / 1000):N0} rows/s ({materialiseMs / 1000:F1} s) |");
    // Where the preparation's time went (the host's Debug line): writing the rows, counting them, checks and reservation, commit.
    var steps = Regex.Match(log, campaignId + @" preparation: (.*)");
    if (steps.Success)
    {
        Console.WriteLine($"| … of which (ms) | {steps.Groups[1].Value.Trim()} |");
    }
    if (ceiling is not null)
    {
        Console.WriteLine($"| SMPP client alone (no host), {ceiling.Count:N0} messages with receipts | {ceiling.SubmitsPerSecond:N0} submit_sm/s; {ceiling.EndToEndPerSecond:N0} msg/s to the last receipt |");
    }
    Console.WriteLine($"| messages submitted through the {(httpApi is not null ? "HTTP carrier" : smsc is null ? "simulator" : "SMPP carrier")}, steady state | {sendRate:N0} msg/s |");
    Console.WriteLine($"| end to end: scheduled → every message handed to the carrier | {recipients / (sentAt ?? double.NaN):N0} msg/s ({sentAt:F1} s) |");
    Console.WriteLine($"| end to end: scheduled → last receipt in{(smsc is null && httpApi is null ? " (the simulator never answers 1% of numbers: they expire later)" : "")} | {recipients / receiptLast.Seconds:N0} msg/s ({receiptLast.Seconds:F1} s) |");
    Console.WriteLine($"| receipts ingested, steady state | {receiptRate:N0} receipts/s |");
    if (smsc is not null)
    {
        Console.WriteLine($"| receipt stored after its deliver_sm (SMSC's clock, to deliver_sm_resp): p50 / p99 / max | {lags.P50:F0} / {lags.P99:F0} / {lags.Max:F0} ms ({lags.Count:N0} receipts) |");
    }

    foreach (var row in httpApi is null ? [] : await httpApi.ReportAsync())
    {
        Console.WriteLine(row);
    }
    Console.WriteLine($"| campaign page at {pageRate} req/s while sending: p50 / p95 / p99 | {Percentile(0.5):F1} / {Percentile(0.95):F1} / {Percentile(0.99):F1} ms ({latencies.Count:N0} requests, {errors} errors) |");
    if (linkLatencies.Count > 0)
    {
        double Link(double p) => linkLatencies[Math.Min(linkLatencies.Count - 1, (int)Math.Ceiling(p * linkLatencies.Count) - 1)];
        Console.WriteLine($"| short link redirect at {linkRate} req/s while sending: p50 / p95 / p99 | {Link(0.5):F1} / {Link(0.95):F1} / {Link(0.99):F1} ms ({linkLatencies.Count:N0} requests, {linkErrors} errors; {await ScalarAsync(connectionString, $"SELECT coalesce(sum(clicks), 0) FROM campaigns.link_clicks WHERE campaign_id = '{campaignId}'")} clicks recorded) |");
    }

    if (probeLatencies.Count > 0)
    {
        Console.WriteLine($"| forged short links (404 before any database read) at {probeRate} req/s while sending: p50 / p95 / p99 | {Pct(probeLatencies, 0.5):F1} / {Pct(probeLatencies, 0.95):F1} / {Pct(probeLatencies, 0.99):F1} ms ({probeLatencies.Count:N0} requests, {probeErrors} errors) |");
    }

    if (eventLags.Count > 0)
    {
        double Lag(double p) => eventLags[Math.Min(eventLags.Count - 1, (int)Math.Ceiling(p * eventLags.Count) - 1)];
        Console.WriteLine($"| module event dispatch lag while sending (CompanyRegistered → Billing, {eventLags.Count:N0} events at {eventRate}/s): p50 / p99 / max | {Lag(0.5):F0} / {Lag(0.99):F0} / {eventLags[^1]:F0} ms |");
    }
    Console.WriteLine($"| campaign page, one request at a time on the idle host: p50 / p95 | {idle[idle.Count / 2]:F1} / {idle[(int)(idle.Count * 0.95)]:F1} ms |");
    Console.WriteLine($"| host peak resident memory (VmHWM) | {hwm / 1024.0:F0} MB |");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| CPU while it ran ({wallSeconds:F1} s, {Environment.ProcessorCount} cores): machine busy / host / {(httpApi is null ? "SMSC" : "fake API")} / the rest (PostgreSQL, this program) | {machineBusy / (wallSeconds * Environment.ProcessorCount):P0} / {hostCpu:F1} s / {smscCpu:F1} s / {machineBusy - hostCpu - smscCpu:F1} s |"));
    Console.WriteLine($"final counters: {await ScalarAsync(connectionString, $"SELECT format('targeted %s, submitted %s, delivered %s, failed %s (at submit %s), expired %s, unknown %s', targeted, submitted, delivered, failed, send_failed, expired, unknown) FROM campaigns.campaigns WHERE id = '{campaignId}'")}");
    if (Platform.Benchmarks.Campaigns.History.Rows is not null)
    {
        await Platform.Benchmarks.Campaigns.History.MeasureDropAsync(connectionString);
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
    await ExecuteAsync(server, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
}

static Process StartHost(string connectionString, string baseUrl, int? smscPort, int smppWindow)
{
    var root = new DirectoryInfo(AppContext.BaseDirectory);
    while (root is not null && !File.Exists(Path.Combine(root.FullName, "Platform.sln")))
    {
        root = root.Parent;
    }

    var hostDirectory = Path.Combine(root?.FullName ?? throw new InvalidOperationException("Run from the repository."), "src", "Host", "Platform.Host");
    // BENCH_HOST_DLL: another build's host (before/after comparisons with this benchmark's own measuring code).
    var dll = Environment.GetEnvironmentVariable("BENCH_HOST_DLL") is { Length: > 0 } other ? other : Path.Combine(hostDirectory, "bin", "Release", "net10.0", "Platform.Host.dll");
    hostDirectory = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(dll))))!;
    var start = new ProcessStartInfo("dotnet", $"\"{dll}\"") { WorkingDirectory = hostDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    start.Environment["ASPNETCORE_URLS"] = baseUrl;
    start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
    start.Environment["ConnectionStrings__Platform"] = connectionString;
    start.Environment["Logging__Console__FormatterName"] = "simple";
    start.Environment["Logging__LogLevel__Default"] = "Warning";
    start.Environment["Logging__LogLevel__Platform.Modules.Campaigns.Sending.CampaignPreparation"] = "Debug";
    start.Environment["Platform__Security__AllowHttp"] = "true";
    start.Environment["Platform__RateLimits__LoginPerMinute"] = "1000";
    start.Environment["Platform__Billing__TrialCredits"] = "100000000";
    start.Environment["Platform__Campaigns__MaintenanceSeconds"] = Environment.GetEnvironmentVariable("BENCH_MAINTENANCE_SECONDS") ?? "2";
    start.Environment["Platform__Campaigns__ReceiptTimeout"] = "00:02:00";
    start.Environment["Platform__Carriers__Instances__0__Settings__ReceiptWindow"] = Environment.GetEnvironmentVariable("BENCH_RECEIPT_WINDOW") ?? "8192";
    start.Environment["Platform__Campaigns__RetryBackoff"] = "00:00:00.500";
    start.Environment["Platform__Carriers__Instances__0__Settings__RecordOutbox"] = "false";
    start.Environment["Platform__Carriers__Instances__0__Settings__WindowSize"] = "1000";
    if (smscPort is { } port)
    {
        // Instance 0 stays the simulator, with no route to it; instance 1 is the SMSC and takes every destination.
        start.Environment["Platform__Carriers__Instances__1__Name"] = "smsc";
        start.Environment["Platform__Carriers__Instances__1__Kind"] = "smpp";
        start.Environment["Platform__Carriers__Instances__1__Settings__Host"] = "127.0.0.1";
        start.Environment["Platform__Carriers__Instances__1__Settings__Port"] = port.ToString(CultureInfo.InvariantCulture);
        start.Environment["Platform__Carriers__Instances__1__Settings__SystemId"] = "platform";
        start.Environment["Platform__Carriers__Instances__1__Settings__Password"] = "secret1";
        start.Environment["Platform__Carriers__Instances__1__Settings__BindMode"] = "Transceiver";
        start.Environment["Platform__Carriers__Instances__1__Settings__WindowSize"] = smppWindow.ToString(CultureInfo.InvariantCulture);
        foreach (var setting in new[] { "ReceiptWindow", "Sessions" })
        {
            if (Environment.GetEnvironmentVariable("BENCH_SMPP_" + setting.ToUpperInvariant()) is { Length: > 0 } value)
            {
                start.Environment["Platform__Carriers__Instances__1__Settings__" + setting] = value;
            }
        }
        start.Environment["Platform__Carriers__Routes__0__Instance"] = "smsc";
    }

    return Process.Start(start) ?? throw new InvalidOperationException("Could not start the host.");
}

static async Task WaitHealthyAsync(HttpClient http, Process host, StringBuilder output)
{
    for (var i = 0; i < 240; i++)
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

static async Task RegisterAsync(HttpClient http, Dictionary<string, string> cookies, string connectionString)
{
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
    post.Headers.Add("Cookie", CookieHeader(cookies));
    using var response = await http.SendAsync(post);
    if (response.StatusCode != HttpStatusCode.Redirect)
    {
        throw new InvalidOperationException("Registration failed: " + await response.Content.ReadAsStringAsync());
    }

    Remember(response, cookies);

    // The owner's emailed confirmation link is not what this measures: confirmed as the link would, then logged in.
    await ExecuteAsync(connectionString, "UPDATE accounts.users SET email_confirmed = true; UPDATE accounts.companies SET confirmed_at = now()");
    using var login = new HttpRequestMessage(HttpMethod.Get, "/Accounts/Login");
    login.Headers.Add("Cookie", CookieHeader(cookies));
    using var loginPage = await http.SendAsync(login);
    Remember(loginPage, cookies);
    var loginToken = WebUtility.HtmlDecode(Regex.Match(await loginPage.Content.ReadAsStringAsync(), "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value);
    using var signIn = new HttpRequestMessage(HttpMethod.Post, "/Accounts/Login")
    {
        Content = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = loginToken,
            ["Input.Email"] = "owner@bench.example",
            ["Input.Password"] = "Passw0rdPassw0rd",
        }),
    };
    signIn.Headers.Add("Cookie", CookieHeader(cookies));
    using var signedIn = await http.SendAsync(signIn);
    if (signedIn.StatusCode != HttpStatusCode.Redirect)
    {
        throw new InvalidOperationException("Login failed: " + await signedIn.Content.ReadAsStringAsync());
    }

    Remember(signedIn, cookies);
}

// The auth cookie is Secure, so HttpClient's cookie container would not send it over http://127.0.0.1; keep them by hand.
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

static string CookieHeader(Dictionary<string, string> cookies) => string.Join("; ", cookies.Select(c => $"{c.Key}={c.Value}"));

// The whole machine's busy CPU time (all cores: user, nice, system, irq, softirq, steal) from /proc/stat, in seconds.
static (double Busy, double Total) MachineCpuSeconds()
{
    var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
    var idle = fields[3] + fields[4];
    var total = fields.Take(8).Sum();
    return ((total - idle) / 100.0, total / 100.0);
}

// GETs of the url at a fixed rate until stopped, each timed (OK responses only; others and failures are counted).
static Task<PageLoad> LoadAsync(HttpClient http, string url, string cookie, int rate, CancellationToken stop) =>
    LoadManyAsync(http, () => url, cookie, rate, stop, HttpStatusCode.OK);

// A fixed rate of GETs of url() (a new address each time, or the same), latency of those answered with the expected status.
// The lowest and highest message id of a campaign (its recipients' links are drawn between them).
static async Task<(long Low, long High)> MessageIdsAsync(string connectionString, Guid campaignId)
{
    var range = (string)(await ScalarAsync(connectionString, $"SELECT min(id) || ' ' || max(id) FROM campaigns.messages WHERE campaign_id = '{campaignId}'"))!;
    return (long.Parse(range.Split(' ')[0], CultureInfo.InvariantCulture), long.Parse(range.Split(' ')[1], CultureInfo.InvariantCulture));
}

// A well-formed code whose keyed hash is wrong (its last character changed): the endpoint computes the hash and refuses it.
static string Forged(string code) => code[..^1] + (code[^1] == 'a' ? 'b' : 'a');

static async Task<PageLoad> LoadManyAsync(HttpClient http, Func<string> url, string cookie, int rate, CancellationToken stop, HttpStatusCode expected)
{
    var latencies = new List<double>();
    var errors = 0;
    var interval = Stopwatch.Frequency / rate;
    var next = Stopwatch.GetTimestamp();
    var inFlight = new List<Task>();
    while (!stop.IsCancellationRequested)
    {
        next += interval;
        var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, CancellationToken.None);
        }

        inFlight.Add(Task.Run(async () =>
        {
            var started = Stopwatch.GetTimestamp();
            using var request = new HttpRequestMessage(HttpMethod.Get, url());
            if (cookie.Length > 0)
            {
                request.Headers.Add("Cookie", cookie);
            }
            try
            {
                using var response = await http.SendAsync(request);
                await response.Content.ReadAsByteArrayAsync();
                if (response.StatusCode != expected)
                {
                    Interlocked.Increment(ref errors);
                    return;
                }

                lock (latencies)
                {
                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            }
            catch (HttpRequestException)
            {
                Interlocked.Increment(ref errors);
            }
        }));
        inFlight.RemoveAll(t => t.IsCompleted);
    }

    await Task.WhenAll(inFlight);
    return new PageLoad(latencies, errors);
}

// The same fixed-rate load for a while, with the host's CPU time it cost: (latencies, ms of host CPU per request, s in all).
static async Task<(List<double> Latencies, double CpuMsPerRequest, double CpuSeconds)> LoadWithCpuAsync(
    HttpClient http, int hostPid, string url, string cookie, int rate, TimeSpan duration)
{
    var before = CpuSeconds(hostPid);
    using var stop = new CancellationTokenSource(duration);
    var latencies = (await LoadAsync(http, url, cookie, rate, stop.Token)).Latencies;
    var cpu = CpuSeconds(hostPid) - before;
    return (latencies, cpu * 1000 / Math.Max(1, latencies.Count), cpu);
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

// Writes CompanyRegistered events to Accounts' outbox at a fixed rate until stopped, as Outbox.AddAsync does; answers how many.
static async Task<int> PublishEventsAsync(string connectionString, int rate, CancellationToken stop)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync(CancellationToken.None);
    var interval = TimeSpan.FromSeconds(1.0 / rate);
    var published = 0;
    while (!stop.IsCancellationRequested)
    {
        var companyId = Guid.NewGuid();
        var eventId = Guid.NewGuid();
        var payload = $$"""{"companyId":"{{companyId}}","companyName":"Event {{published}}","ownerUserId":"{{Guid.NewGuid()}}","eventId":"{{eventId}}","occurredAt":"{{DateTimeOffset.UtcNow:O}}"}""";
        await using (var transaction = await connection.BeginTransactionAsync(CancellationToken.None))
        {
            await using var command = new NpgsqlCommand("""
                INSERT INTO accounts.outbox (event_id, event_type, payload, occurred_at, next_attempt_at)
                VALUES (@id, 'Platform.Modules.Accounts.Contracts.CompanyRegistered, Platform.Modules.Accounts.Contracts', @payload::jsonb, clock_timestamp(), now());
                SELECT pg_notify('platform_module_events', 'accounts');
                """, connection, transaction);
            command.Parameters.AddWithValue("id", eventId);
            command.Parameters.AddWithValue("payload", payload);
            await command.ExecuteNonQueryAsync(CancellationToken.None);
            await transaction.CommitAsync(CancellationToken.None);
        }

        published++;
        try
        {
            await Task.Delay(interval, stop);
        }
        catch (OperationCanceledException)
        {
            break;
        }
    }

    return published;
}

// Waits (up to 60 s) for the published events to be dispatched, then answers their lags in ms, sorted.
static async Task<List<double>> EventLagsAsync(string connectionString, int published)
{
    var lags = new List<double>();
    if (published == 0)
    {
        return lags;
    }

    const string sql = """
        SELECT extract(epoch FROM i.handled_at - o.occurred_at) * 1000 FROM accounts.outbox o JOIN billing.inbox i ON i.event_id = o.event_id
        WHERE o.payload->>'companyName' LIKE 'Event %' AND o.dispatched_at IS NOT NULL
        """;
    var deadline = DateTime.UtcNow.AddSeconds(60);
    do
    {
        lags.Clear();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lags.Add((double)reader.GetDecimal(0));
        }

        if (lags.Count >= published)
        {
            break;
        }

        await Task.Delay(500);
    }
    while (DateTime.UtcNow < deadline);

    if (lags.Count < published)
    {
        Console.WriteLine($"{published - lags.Count:N0} of {published:N0} module events were not dispatched within 60 s of the end");
    }

    lags.Sort();
    return lags;
}

internal sealed record PageLoad(List<double> Latencies, int Errors);
