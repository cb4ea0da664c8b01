namespace Platform.Tests.Integration.Infrastructure;

/// <summary>
/// Two hosts started at the same moment against one empty database: they must both come up, apply the
/// migrations once between them, and form one Hangfire cluster. Host A seeds the demo admin.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const string AdminEmail = "admin@cluster.test";
    public const string AdminPassword = "ClusterAdm1nPass";

    public TestDatabase Database { get; private set; } = null!;

    public HostProcess NodeA { get; private set; } = null!;

    public HostProcess NodeB { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync();
        NodeA = HostProcess.Start(Database.ConnectionString, "node-a", new Dictionary<string, string>
        {
            ["Platform__Demo__Seed"] = "true",
            ["Platform__Demo__AdminEmail"] = AdminEmail,
            ["Platform__Demo__AdminPassword"] = AdminPassword,
            [TestAdmins.DemoSetting.Key] = TestAdmins.DemoSetting.Value,
            ["Platform__Demo__OwnerEmail"] = "owner@cluster.test",
            ["Platform__Demo__OwnerPassword"] = "ClusterOwn3rPass",
        });
        NodeB = HostProcess.Start(Database.ConnectionString, "node-b");
        await Task.WhenAll(NodeA.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90)), NodeB.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90)));
    }

    public async Task DisposeAsync()
    {
        await NodeA.DisposeAsync();
        await NodeB.DisposeAsync();
        await Database.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
