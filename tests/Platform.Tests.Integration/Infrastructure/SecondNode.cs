using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Platform.Tests.Integration.Infrastructure;

/// <summary>
/// Another host in the test process on the same database: its own memory (caches of sessions, badges, companies) and its
/// own Hangfire server name, so it is what a second node of the cluster sees.
/// </summary>
public sealed class SecondNode(TestDatabase database, string name) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Platform", database.ConnectionString);
        builder.UseSetting("Platform:Jobs:ServerName", $"{name}-{database.Name[^6..]}");
        builder.UseSetting("Platform:RateLimits:LoginPerMinute", "10000");
    }
}
