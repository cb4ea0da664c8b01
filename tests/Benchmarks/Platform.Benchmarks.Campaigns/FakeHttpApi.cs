using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.Carriers.Http;

namespace Platform.Benchmarks.Campaigns;

/// <summary>
/// A partner's JSON SMS API for the campaign benchmark's <c>http</c> mode (issue #16), run as a process of its own
/// (<c>dotnet Platform.Benchmarks.Campaigns.dll fake-http-api</c>, see <see cref="FakeHttpApiProcess"/>) so its CPU is
/// counted apart from the host's, as the SMPP mode counts the SMSC's. It speaks what the platform's HTTP carrier sends
/// with <c>Batch=true</c>: <c>POST /messages</c> with a JSON array of <c>{"from","to","text","receipt"}</c>, answered at
/// once with one <c>{"id"}</c> per message in order (a destination ending in 15 gets <c>{"error"}</c>, the carrier's
/// Rejected). Like the npm SMSC it reports each receipt at once: every receipt joins a queue the moment its submit is
/// answered (ending 13: failed, error 001; else delivered), and <c>Posters</c> senders each take what is queued (up to
/// <c>Batch</c> receipts and under the webhook's 64 KiB) and post it as one signed JSON array to the webhook, again
/// after a 429/503/network error, the next array only once the host answered 200 (so a slow host slows the posting and
/// the rest waits here, never in the host). <c>Batch</c> = 1 posts the single-receipt body, one request a receipt.
/// Control: <c>POST /control/webhook</c> {url, secret, batch, posters}; <c>POST /control/reset</c>;
/// <c>GET /control/stats</c> (counts, and the receipts' lags: from the POST to its 200, and from the submit's answer to
/// that 200).
/// </summary>
internal static class FakeHttpApi
{
    public const string Mode = "fake-http-api";
    public const string ApiKey = "Bearer bench-api-key";

    /// <summary>Stays under the platform's 64 KiB webhook body limit with room for the array's closing bracket.</summary>
    private const int MaxWebhookBytes = 64 * 1024 - 256;

    private static readonly Channel<PendingReceipt> Queue = Channel.CreateUnbounded<PendingReceipt>(new UnboundedChannelOptions { SingleWriter = false });
    private static readonly HttpClient Client = new(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = Timeout.InfiniteTimeSpan }) { Timeout = TimeSpan.FromSeconds(60) };
    private static readonly Lock Gate = new();
    private static List<float> _lagAfterPost = new(1 << 20);
    private static List<float> _lagFromAnswer = new(1 << 20);
    private static long _nextId, _requests, _messages, _receiptsQueued, _receiptsStored, _posts, _retries, _refused;
    private static string? _lastRefusal;
    private static CancellationTokenSource _posting = new();

    private sealed record PendingReceipt(string Id, bool Failed, long AnsweredAt);

    private sealed record Target(Uri Url, string Secret, int Batch, int Posters);

    public static async Task RunAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = 64 * 1024 * 1024);
        builder.Logging.ClearProviders();
        await using var app = builder.Build();
        app.MapPost("/messages", SubmitAsync);
        app.MapPost("/control/webhook", async (HttpContext http) =>
        {
            using var body = await JsonDocument.ParseAsync(http.Request.Body);
            var root = body.RootElement;
            await _posting.CancelAsync();
            _posting = new CancellationTokenSource();
            var target = new Target(new Uri(root.GetProperty("url").GetString()!), root.GetProperty("secret").GetString()!,
                root.GetProperty("batch").GetInt32(), root.GetProperty("posters").GetInt32());
            for (var i = 0; i < target.Posters; i++)
            {
                _ = Task.Run(() => PostReceiptsAsync(target, _posting.Token));
            }
            return Results.Ok();
        });
        app.MapPost("/control/reset", () =>
        {
            lock (Gate)
            {
                _lagAfterPost = new List<float>(1 << 20);
                _lagFromAnswer = new List<float>(1 << 20);
                _requests = _messages = _receiptsQueued = _receiptsStored = _posts = _retries = _refused = 0;
                _lastRefusal = null;
            }
            return Results.Ok();
        });
        app.MapGet("/control/stats", Stats);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Console.WriteLine("LISTENING " + new Uri(address).Port.ToString(CultureInfo.InvariantCulture));
        // Runs until the benchmark ends it (it kills the process; stdin closing also ends it).
        await Console.In.ReadToEndAsync();
    }

    private static async Task SubmitAsync(HttpContext http)
    {
        Interlocked.Increment(ref _requests);
        if (http.Request.Headers.Authorization != ApiKey)
        {
            http.Response.StatusCode = 401;
            await http.Response.WriteAsJsonAsync(new { message = "unknown API key" });
            return;
        }
        using var body = await JsonDocument.ParseAsync(http.Request.Body);
        var root = body.RootElement;
        var single = root.ValueKind == JsonValueKind.Object;
        var output = new ArrayBufferWriter<byte>(single ? 64 : root.GetArrayLength() * 24);
        await using (var writer = new Utf8JsonWriter(output))
        {
            if (!single)
            {
                writer.WriteStartArray();
            }
            var answeredAt = Stopwatch.GetTimestamp();
            IEnumerable<JsonElement> messages = single ? [root] : root.EnumerateArray();
            foreach (var message in messages)
            {
                var to = message.GetProperty("to").GetString() ?? "";
                writer.WriteStartObject();
                if (to.EndsWith("15", StringComparison.Ordinal))
                {
                    writer.WriteString("error", $"invalid destination {to}");
                }
                else
                {
                    var id = "h" + Interlocked.Increment(ref _nextId).ToString(CultureInfo.InvariantCulture);
                    writer.WriteString("id", id);
                    if (message.TryGetProperty("receipt", out var receipt) && receipt.ValueKind == JsonValueKind.True)
                    {
                        Interlocked.Increment(ref _receiptsQueued);
                        Queue.Writer.TryWrite(new PendingReceipt(id, to.EndsWith("13", StringComparison.Ordinal), answeredAt));
                    }
                }
                writer.WriteEndObject();
                Interlocked.Increment(ref _messages);
            }
            if (!single)
            {
                writer.WriteEndArray();
            }
        }
        http.Response.ContentType = "application/json";
        await http.Response.Body.WriteAsync(output.WrittenMemory);
    }

    /// <summary>One poster: takes what is queued, posts it as one signed array (or one object with batch 1), waits for the 200.</summary>
    private static async Task PostReceiptsAsync(Target target, CancellationToken stop)
    {
        var taken = new List<PendingReceipt>(target.Batch);
        try
        {
            while (await Queue.Reader.WaitToReadAsync(stop))
            {
                var buffer = new ArrayBufferWriter<byte>(64 * 1024);
                await using (var writer = new Utf8JsonWriter(buffer))
                {
                    if (target.Batch > 1)
                    {
                        writer.WriteStartArray();
                    }
                    while (taken.Count < target.Batch && writer.BytesCommitted + writer.BytesPending < MaxWebhookBytes && Queue.Reader.TryRead(out var receipt))
                    {
                        taken.Add(receipt);
                        writer.WriteStartObject();
                        writer.WriteString("type", "receipt");
                        writer.WriteString("id", receipt.Id);
                        writer.WriteString("status", receipt.Failed ? "failed" : "delivered");
                        if (receipt.Failed)
                        {
                            writer.WriteString("error", "001");
                        }
                        writer.WriteEndObject();
                    }
                    if (target.Batch > 1)
                    {
                        writer.WriteEndArray();
                    }
                }
                if (taken.Count == 0)
                {
                    continue;
                }

                var body = buffer.WrittenMemory.ToArray();
                while (true)
                {
                    var postedAt = Stopwatch.GetTimestamp();
                    var status = await PostAsync(target, body, stop);
                    var answered = Stopwatch.GetTimestamp();
                    if (status == 200)
                    {
                        var afterPost = (float)Stopwatch.GetElapsedTime(postedAt, answered).TotalMilliseconds;
                        lock (Gate)
                        {
                            foreach (var receipt in taken)
                            {
                                _lagAfterPost.Add(afterPost);
                                _lagFromAnswer.Add((float)Stopwatch.GetElapsedTime(receipt.AnsweredAt, answered).TotalMilliseconds);
                            }
                            _receiptsStored += taken.Count;
                            _posts++;
                        }
                        break;
                    }
                    if (status is 429 or 503 or >= 500 or 0)
                    {
                        // The host could not take it now: send the same body again shortly (receipts are harmless to repeat).
                        Interlocked.Increment(ref _retries);
                        await Task.Delay(status == 429 ? 100 : 20, stop);
                        continue;
                    }
                    // A refusal (400, 401, 404, 413): the benchmark is misconfigured; counted and shown, not retried.
                    Interlocked.Add(ref _refused, taken.Count);
                    break;
                }
                taken.Clear();
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Another target was set (the ceiling's sink, then the host): what this poster held goes back to the queue.
            foreach (var receipt in taken)
            {
                Queue.Writer.TryWrite(receipt);
            }
        }
    }

    private static async Task<int> PostAsync(Target target, byte[] body, CancellationToken stop)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, target.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation(WebhookSignature.HeaderName, WebhookSignature.Sign(target.Secret, DateTimeOffset.UtcNow, body));
        try
        {
            using var response = await Client.SendAsync(request, stop);
            var text = await response.Content.ReadAsStringAsync(stop);
            if ((int)response.StatusCode is >= 400 and < 500 and not 429)
            {
                _lastRefusal = $"{(int)response.StatusCode}: {text}";
            }
            return (int)response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return 0;
        }
    }

    private static IResult Stats()
    {
        lock (Gate)
        {
            return Results.Json(new
            {
                requests = _requests,
                messages = _messages,
                receiptsQueued = _receiptsQueued,
                receiptsStored = _receiptsStored,
                queued = Queue.Reader.Count,
                posts = _posts,
                retries = Interlocked.Read(ref _retries),
                refused = Interlocked.Read(ref _refused),
                lastRefusal = _lastRefusal,
                afterPost = Percentiles(_lagAfterPost),
                fromAnswer = Percentiles(_lagFromAnswer),
            });
        }
    }

    private static double[] Percentiles(List<float> lags)
    {
        if (lags.Count == 0)
        {
            return [double.NaN, double.NaN, double.NaN];
        }
        var sorted = lags.ToArray();
        Array.Sort(sorted);
        double At(double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
        return [At(0.5), At(0.99), sorted[^1]];
    }
}
