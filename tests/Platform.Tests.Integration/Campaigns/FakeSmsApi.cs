using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>
/// A carrier's HTTP API on a loopback port, for hosts started as processes: it takes every message the HTTP carrier
/// posts, counts them per destination (outside the host, so a killed host cannot take the evidence with it) and
/// answers with an id. It sends no receipts.
/// </summary>
public sealed class FakeSmsApi : IAsyncDisposable
{
    private readonly WebApplication app;
    private long nextId;

    private FakeSmsApi(WebApplication app, string url)
    {
        this.app = app;
        Url = url;
    }

    public string Url { get; }

    public ConcurrentDictionary<string, int> ReceivedPerNumber { get; } = new();

    public long Received => ReceivedPerNumber.Values.Sum(v => (long)v);

    public static async Task<FakeSmsApi> StartAsync()
    {
        var port = FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var api = new FakeSmsApi(app, $"http://127.0.0.1:{port}/messages");
        app.MapPost("/messages", async (HttpContext context) =>
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body);
            var to = body.RootElement.GetProperty("to").GetString() ?? string.Empty;
            api.ReceivedPerNumber.AddOrUpdate(to, 1, (_, count) => count + 1);
            return Results.Json(new { id = $"fake-{Interlocked.Increment(ref api.nextId)}" });
        });
        await app.StartAsync();
        return api;
    }

    /// <summary>The environment a host process needs to send everything through this API.</summary>
    public Dictionary<string, string> HostSettings() => new()
    {
        ["Platform__Carriers__Instances__0__Name"] = "fake-api",
        ["Platform__Carriers__Instances__0__Kind"] = "http",
        ["Platform__Carriers__Instances__0__Settings__Url"] = Url,
        ["Platform__Carriers__Instances__0__Settings__WebhookSecret"] = "fake-api-webhook-secret-0123456789",
        ["Platform__Carriers__Instances__0__Settings__WindowSize"] = "32",
        ["Platform__Carriers__Routes__0__Prefix"] = "+",
        ["Platform__Carriers__Routes__0__Instance"] = "fake-api",
        ["Platform__Carriers__Routes__0__Priority"] = "100",
        ["Platform__Campaigns__MaintenanceSeconds"] = "1",
        ["Platform__Campaigns__ClaimLease"] = "00:00:05",
        ["Platform__Campaigns__ReceiptTimeout"] = "00:00:02",
        ["Platform__Campaigns__RunSlice"] = "00:00:03",
    };

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
