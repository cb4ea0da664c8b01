using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>A customer's webhook receiver for tests: <c>POST /hook</c> on a free loopback port, answered by <paramref name="handle"/>.</summary>
public sealed class HookReceiver(WebApplication app, string address) : IAsyncDisposable
{
    /// <summary>The receiver's hook URL (http://127.0.0.1:port/hook).</summary>
    public string Url { get; } = $"{address}/hook";

    public static async Task<HookReceiver> StartAsync(Delegate handle)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapPost("/hook", handle);
        await app.StartAsync();
        return new HookReceiver(app, app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
