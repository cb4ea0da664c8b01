using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Browser;

/// <summary>One host process of its own, on a fresh database, with the settings a browser test needs.</summary>
public abstract class BrowserHostFixture : IAsyncLifetime
{
    public TestDatabase Database { get; private set; } = null!;

    public HostProcess Host { get; private set; } = null!;

    /// <summary>The Hangfire server name, which also names the host in its logs.</summary>
    protected abstract string InstanceName { get; }

    /// <summary>Environment variables for the host (Platform__Section__Key).</summary>
    protected abstract IDictionary<string, string> Settings { get; }

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync();
        Host = HostProcess.Start(Database.ConnectionString, InstanceName, Settings);
        await Host.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));
    }

    public virtual async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Database.DisposeAsync();
    }
}
