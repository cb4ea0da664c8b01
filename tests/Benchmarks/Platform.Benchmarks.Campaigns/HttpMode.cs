using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Benchmarks.Smpp;
using Platform.Carriers.Abstractions;
using Platform.Carriers.Http;

namespace Platform.Benchmarks.Campaigns;

/// <summary>
/// The campaign benchmark's <c>http</c> mode (issue #16: "the HTTP carrier's batch mode reaches the same rates against a
/// local fake API"): starts <see cref="FakeHttpApi"/> as a process, measures the platform's HTTP carrier alone against it
/// (no host, no database: its ceiling), then routes the host's campaigns to it through an instance of kind <c>http</c>
/// with <c>Batch=true</c>, the fake posting the receipts back to the host's signed webhook as JSON arrays.
/// Settings from the environment: BENCH_HTTP_BATCH (the carrier's <c>MaxBatchSize</c>, default 100), BENCH_HTTP_WINDOW
/// (its <c>WindowSize</c>, requests in flight, default 10), BENCH_HTTP_RECEIPT_BATCH (receipts per webhook POST, default
/// 1000, always under the 64 KiB body limit; 1 = the single-receipt body) and BENCH_HTTP_POSTERS (webhook POSTs the fake
/// keeps in flight, default 4).
/// </summary>
internal sealed class HttpMode : IAsyncDisposable
{
    public const string Instance = "fakeapi";
    private const string WebhookSecret = "bench-webhook-secret-0123456789";

    private readonly Process _process;
    private readonly HttpClient _control;

    private HttpMode(Process process, int port)
    {
        _process = process;
        _control = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
        ApiUrl = $"http://127.0.0.1:{port}/messages";
    }

    public static int MaxBatchSize { get; } = Setting("BENCH_HTTP_BATCH", 100);

    public static int Window { get; } = Setting("BENCH_HTTP_WINDOW", 10);

    public static int ReceiptBatch { get; } = Setting("BENCH_HTTP_RECEIPT_BATCH", 1000);

    public static int Posters { get; } = Setting("BENCH_HTTP_POSTERS", 4);

    public string ApiUrl { get; }

    /// <summary>CPU time the fake API's process has used so far.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    public string Describe => $"HTTP carrier (Batch=true, MaxBatchSize {MaxBatchSize}, WindowSize {Window}) into a fake JSON API, receipts at once as signed arrays of up to {ReceiptBatch} ({Posters} POSTs in flight)";

    /// <summary>Starts the fake API, measures the carrier alone against it and prints that line.</summary>
    public static async Task<HttpMode> StartAsync(int recipients)
    {
        var start = new ProcessStartInfo("dotnet", [typeof(FakeHttpApi).Assembly.Location, FakeHttpApi.Mode])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the fake HTTP API.");
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        if (line is null || !line.StartsWith("LISTENING ", StringComparison.Ordinal))
        {
            process.Kill();
            throw new InvalidOperationException($"The fake HTTP API did not start: '{line}'.");
        }
        var mode = new HttpMode(process, int.Parse(line["LISTENING ".Length..], CultureInfo.InvariantCulture));
        await mode.CeilingAsync(20_000);
        var count = Math.Min(recipients, 200_000);
        var (sent, allIn, fakeCpu) = await mode.CeilingAsync(count);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"HTTP carrier alone (no host, no database), MaxBatchSize {MaxBatchSize}, WindowSize {Window}, {count:N0} messages with receipts: {count / sent.TotalSeconds:N0} msg/s submitted, {count / allIn.TotalSeconds:N0} msg/s until the last receipt (fake API CPU {fakeCpu.TotalSeconds / allIn.TotalSeconds:P0} of a core)"));
        return mode;
    }

    /// <summary>
    /// The host's carrier: an <c>http</c> instance with <c>Batch=true</c> that takes every destination, its receipts
    /// posted to the host's webhook at <paramref name="baseUrl"/>. Set in this process's environment, which the host
    /// process inherits (the host's own settings come after and win where both set one).
    /// </summary>
    public async Task RouteHostAsync(string baseUrl)
    {
        var settings = new Dictionary<string, string>
        {
            ["Name"] = Instance,
            ["Kind"] = "http",
            ["Settings__Url"] = ApiUrl,
            ["Settings__AuthHeader"] = "Authorization",
            ["Settings__AuthValue"] = FakeHttpApi.ApiKey,
            ["Settings__WebhookSecret"] = WebhookSecret,
            ["Settings__Batch"] = "true",
            ["Settings__MaxBatchSize"] = MaxBatchSize.ToString(CultureInfo.InvariantCulture),
            ["Settings__WindowSize"] = Window.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in settings)
        {
            Environment.SetEnvironmentVariable("Platform__Carriers__Instances__1__" + key, value);
        }
        Environment.SetEnvironmentVariable("Platform__Carriers__Routes__0__Instance", Instance);
        await TargetAsync($"{baseUrl}/carriers/http/{Instance}/webhook");
    }

    /// <summary>Forgets the counts and lags so far (the warm-up's): the report is the measured campaign's alone.</summary>
    public async Task ResetAsync() => (await _control.PostAsync("/control/reset", null)).EnsureSuccessStatusCode();

    /// <summary>The report's rows: how far stored receipts trail their webhook POST and their submit's answer.</summary>
    public async Task<IReadOnlyList<string>> ReportAsync()
    {
        var stats = await _control.GetFromJsonAsync<JsonElement>("/control/stats");
        string Lags(string name)
        {
            var lags = stats.GetProperty(name).EnumerateArray().Select(e => e.GetDouble()).ToArray();
            return string.Create(CultureInfo.InvariantCulture, $"{lags[0]:F0} / {lags[1]:F0} / {lags[2]:F0} ms");
        }
        var stored = stats.GetProperty("receiptsStored").GetInt64();
        var posts = stats.GetProperty("posts").GetInt64();
        var rows = new List<string>
        {
            $"| receipt stored after its webhook POST (the fake's clock, POST → 200, answered after the commit): p50 / p99 / max | {Lags("afterPost")} ({stored:N0} receipts in {posts:N0} POSTs, {stored / (double)Math.Max(1, posts):N0} a POST; {stats.GetProperty("retries").GetInt64():N0} POSTs sent again after 429/503) |",
            $"| receipt stored after its submit was answered (queued in the fake, then the POST): p50 / p99 / max | {Lags("fromAnswer")} |",
            $"| fake API: requests, messages | {stats.GetProperty("requests").GetInt64():N0} requests, {stats.GetProperty("messages").GetInt64():N0} messages |",
        };
        if (stats.GetProperty("refused").GetInt64() > 0)
        {
            rows.Add($"| receipts the host refused (not retried) | {stats.GetProperty("refused").GetInt64():N0}: {stats.GetProperty("lastRefusal").GetString()} |");
        }
        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        _control.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private async Task TargetAsync(string webhookUrl) =>
        (await _control.PostAsJsonAsync("/control/webhook", new { url = webhookUrl, secret = WebhookSecret, batch = ReceiptBatch, posters = Posters })).EnsureSuccessStatusCode();

    /// <summary>
    /// The platform's HTTP carrier alone: <paramref name="count"/> messages with receipts in batches of 1,000 by two
    /// senders at once (as the host's two sending slots), its receipts posted by the fake to the carrier's own webhook
    /// endpoint in this process, counted without a database. Answers the time to the last answer, to the last receipt,
    /// and the fake's CPU.
    /// </summary>
    private async Task<(TimeSpan Sent, TimeSpan AllIn, TimeSpan FakeCpu)> CeilingAsync(int count)
    {
        var factory = new HttpCarrierFactory();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(factory.Webhooks);
        builder.Services.AddRateLimiter(options => options.AddPolicy(HttpCarrierEndpoints.RateLimitPolicy, _ => RateLimitPartition.GetNoLimiter(string.Empty)));
        await using var webhook = builder.Build();
        webhook.UseRateLimiter();
        webhook.MapHttpCarrierWebhooks();
        await webhook.StartAsync();
        var address = webhook.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        await TargetAsync($"{address}/carriers/http/ceiling/webhook");

        var callbacks = new CountingCallbacks();
        var settings = new Dictionary<string, string>
        {
            ["Url"] = ApiUrl,
            ["AuthValue"] = FakeHttpApi.ApiKey,
            ["WebhookSecret"] = WebhookSecret,
            ["Batch"] = "true",
            ["MaxBatchSize"] = MaxBatchSize.ToString(CultureInfo.InvariantCulture),
            ["WindowSize"] = Window.ToString(CultureInfo.InvariantCulture),
        };
        await using var carrier = factory.Create(new CarrierContext("ceiling", settings, callbacks, NullLogger.Instance));
        await carrier.StartAsync(CancellationToken.None);
        var batches = Enumerable.Range(0, count)
            .Select(i => new OutboundMessage(Guid.NewGuid(), "PLATFORM", $"4479{i:D7}1", "Hi Ann1, 20% off tonight. Reply STOP to opt out", true))
            .Chunk(1000)
            .ToArray();
        var fakeCpuBefore = CpuTime;
        var clock = Stopwatch.StartNew();
        var next = -1;
        var accepted = 0;
        async Task SendAsync()
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < batches.Length)
            {
                var results = await carrier.SendAsync(batches[index], CancellationToken.None);
                Interlocked.Add(ref accepted, results.Count(r => r.Outcome == SubmitOutcome.Accepted));
            }
        }
        await Task.WhenAll(SendAsync(), SendAsync());
        var sent = clock.Elapsed;
        if (accepted != count)
        {
            throw new InvalidOperationException($"The HTTP carrier alone: only {accepted:N0} of {count:N0} accepted.");
        }
        while (Volatile.Read(ref callbacks.Receipts) < count)
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new TimeoutException($"The HTTP carrier alone: {callbacks.Receipts:N0} of {count:N0} receipts in after 2 minutes.");
            }
            await Task.Delay(1);
        }
        return (sent, clock.Elapsed, CpuTime - fakeCpuBefore);
    }

    private static int Setting(string name, int defaultValue) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? int.Parse(value, CultureInfo.InvariantCulture) : defaultValue;
}
