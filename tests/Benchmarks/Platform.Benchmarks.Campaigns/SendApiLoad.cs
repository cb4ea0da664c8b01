using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;

using static Platform.Benchmarks.Campaigns.Measure;

namespace Platform.Benchmarks.Campaigns;

/// <summary>
/// BENCH_SEND_API=single|batch (issue #16: "the send API with 1,000-message batches at the same rate, and single-message
/// requests at 64 concurrent clients ≥ 2,000 msg/s"): an API key is made on the keys page as the registered owner, then
/// <c>POST /api/v1/messages</c> is driven by BENCH_API_CLIENTS clients at once (default 64 for single, 8 for batch), each
/// sending its requests back to back (closed loop, so the rate is what the host sustains), to distinct numbers. Measured:
/// messages accepted per second (every request answered 202), request latency, and end to end from the first request to
/// the last message final (delivered/failed/expired/unknown, the campaigns' counters), with the host's memory and CPU.
/// A warm-up of the same path first (not measured), as the campaign benchmark warms up its host.
/// </summary>
internal static partial class SendApiLoad
{
    public static async Task RunAsync(HttpClient http, string cookie, string connectionString, int hostPid, string mode, int messages)
    {
        var batch = mode == "batch";
        var perRequest = batch ? 1000 : 1;
        var clients = int.Parse(Environment.GetEnvironmentVariable("BENCH_API_CLIENTS") ?? (batch ? "8" : "64"), CultureInfo.InvariantCulture);
        var key = await CreateKeyAsync(http, cookie);

        // Warm-up: the same requests to other numbers (…13–…16 avoided: the simulator fails those), so JIT and pools are warm.
        var warmCount = int.Parse(Environment.GetEnvironmentVariable("BENCH_API_WARMUP") ?? (batch ? "50000" : "5000"), CultureInfo.InvariantCulture);
        var warm = await DriveAsync(http, key, "+4478", warmCount, perRequest, clients);
        Console.WriteLine($"warm-up: {warmCount:N0} messages accepted at {warm.PerSecond:N0} msg/s (not measured)");
        var warmFinal = Stopwatch.StartNew();
        if (!await WaitFinalAsync(connectionString, warmCount, TimeSpan.FromMinutes(10)))
        {
            throw new TimeoutException("The warm-up's messages were not all final in 10 minutes: " + await CountersAsync(connectionString));
        }

        Console.WriteLine($"warm-up: final {warmFinal.Elapsed.TotalSeconds:F1} s after the last was accepted");

        var cpuBefore = CpuSeconds(hostPid);
        var started = Stopwatch.StartNew();
        var load = await DriveAsync(http, key, "+4477", messages, perRequest, clients);
        var acceptedAfter = started.Elapsed;
        var finalAfter = await WaitFinalAsync(connectionString, warmCount + messages, TimeSpan.FromMinutes(20)) ? started.Elapsed : TimeSpan.Zero;
        var cpu = CpuSeconds(hostPid) - cpuBefore;
        load.Latencies.Sort();
        var counters = await CountersAsync(connectionString);

        Console.WriteLine($"Send API benchmark: {messages:N0} messages, {perRequest:N0} per request, {clients} clients back to back, simulator carrier, {Environment.ProcessorCount} cores, host and PostgreSQL on this machine");
        Console.WriteLine("| measure | result |");
        Console.WriteLine("|---|---:|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| messages accepted (202) per second | {messages / acceptedAfter.TotalSeconds:N0} msg/s ({acceptedAfter.TotalSeconds:F1} s, {load.Requests:N0} requests, {load.Errors:N0} not 202) |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| request latency p50 / p95 / p99 / max | {Pct(load.Latencies, 0.5):F1} / {Pct(load.Latencies, 0.95):F1} / {Pct(load.Latencies, 0.99):F1} / {load.Latencies[^1]:F1} ms |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| end to end: first request → every message final | {(finalAfter > TimeSpan.Zero ? $"{messages / finalAfter.TotalSeconds:N0} msg/s ({finalAfter.TotalSeconds:F1} s)" : "not all final in 20 minutes")} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| host CPU per 1,000 messages | {cpu * 1000 / messages * 1000:F0} ms |"));
        Console.WriteLine($"| host peak resident memory (VmHWM) | {MemoryKb(hostPid, "VmHWM") / 1024:N0} MB |");
        Console.WriteLine($"final counters of the API requests (warm-up included): {counters}");
        if (load.FirstError is { } error)
        {
            Console.WriteLine("first answer that was not 202: " + error);
        }
    }

    private sealed record Load(List<double> Latencies, int Requests, int Errors, string? FirstError, double PerSecond);

    private static async Task<Load> DriveAsync(HttpClient http, string key, string prefix, int messages, int perRequest, int clients)
    {
        var requests = (messages + perRequest - 1) / perRequest;
        var next = -1;
        var errors = 0;
        string? firstError = null;
        var latencies = new List<double>(requests);
        var started = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            int request;
            while ((request = Interlocked.Increment(ref next)) < requests)
            {
                var first = request * perRequest;
                var count = Math.Min(perRequest, messages - first);
                var body = new StringBuilder(count * 80);
                body.Append("{\"from\":\"PLATFORM\",");
                if (perRequest == 1)
                {
                    body.Append("\"to\":\"").Append(Number(prefix, first)).Append("\",\"text\":\"Your order 4711 is on its way\"}");
                }
                else
                {
                    body.Append("\"messages\":[");
                    for (var i = 0; i < count; i++)
                    {
                        body.Append(i == 0 ? string.Empty : ",").Append("{\"to\":\"").Append(Number(prefix, first + i)).Append("\",\"text\":\"Your order is on its way\"}");
                    }

                    body.Append("]}");
                }

                using var message = new HttpRequestMessage(HttpMethod.Post, "/api/v1/messages") { Content = new StringContent(body.ToString(), Encoding.UTF8, "application/json") };
                message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                var sent = Stopwatch.GetTimestamp();
                using var response = await http.SendAsync(message);
                var answer = await response.Content.ReadAsStringAsync();
                var took = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
                if (response.StatusCode != HttpStatusCode.Accepted)
                {
                    Interlocked.Increment(ref errors);
                    Interlocked.CompareExchange(ref firstError, $"{(int)response.StatusCode} {answer}", null);
                    continue;
                }

                lock (latencies)
                {
                    latencies.Add(took);
                }
            }
        })));
        return new Load(latencies, requests, errors, firstError, messages / started.Elapsed.TotalSeconds);
    }

    // Distinct numbers; the simulator fails numbers ending 13–16, so those are stepped over (every message is delivered).
    private static string Number(string prefix, int index) => prefix + (index / 96 * 100 + ((index % 96) switch { < 13 and var low => low, var n => n + 4 })).ToString("D8", CultureInfo.InvariantCulture);

    private static async Task<bool> WaitFinalAsync(string connectionString, long expected, TimeSpan timeout)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < timeout)
        {
            var final = Convert.ToInt64(await ScalarAsync(connectionString,
                "SELECT coalesce(sum(delivered + failed + expired + unknown + suppressed), 0) FROM campaigns.campaigns WHERE kind = 'api'"), CultureInfo.InvariantCulture);
            if (final >= expected)
            {
                return true;
            }

            await Task.Delay(200);
        }

        return false;
    }

    private static async Task<string> CreateKeyAsync(HttpClient http, string cookie)
    {
        using var get = new HttpRequestMessage(HttpMethod.Get, "/Campaigns/ApiKeys");
        get.Headers.Add("Cookie", cookie);
        using var page = await http.SendAsync(get);
        var html = await page.Content.ReadAsStringAsync();
        var token = WebUtility.HtmlDecode(TokenPattern().Match(html).Groups[1].Value);
        using var post = new HttpRequestMessage(HttpMethod.Post, "/Campaigns/ApiKeys?handler=Create")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token, ["Input.Name"] = "Benchmark" }),
        };
        post.Headers.Add("Cookie", cookie);
        using var created = await http.SendAsync(post);
        var shown = await created.Content.ReadAsStringAsync();
        return KeyPattern().Match(shown) is { Success: true } key ? key.Value : throw new InvalidOperationException($"No key on the keys page ({(int)created.StatusCode}).");
    }

    private static async Task<object?> CountersAsync(string connectionString) => await ScalarAsync(connectionString,
        "SELECT format('campaigns %s, targeted %s, submitted %s, delivered %s, failed %s, expired %s, unknown %s, suppressed %s', count(*), sum(targeted), sum(submitted), sum(delivered), sum(failed), sum(expired), sum(unknown), sum(suppressed)) FROM campaigns.campaigns WHERE kind = 'api'");

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();

    [GeneratedRegex("plat_[0-9a-f]{10}_[A-Za-z0-9_-]{43}")]
    private static partial Regex KeyPattern();
}
