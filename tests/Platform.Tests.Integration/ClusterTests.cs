using Platform.Modules.Shared;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration;

[Collection(ClusterCollection.Name)]
public sealed class ClusterTests(ClusterFixture cluster)
{
    [Fact]
    public async Task Two_hosts_started_together_apply_each_migration_once()
    {
        var files = ModuleCatalogForTests.All.Sum(m => ModuleMigrator.ReadMigrations(m).Count);
        (await cluster.Database.ScalarAsync<long>("SELECT count(*) FROM platform.schema_migrations")).Should().Be(files);
        (await cluster.Database.ScalarAsync<long>("SELECT count(*) FROM (SELECT module, name FROM platform.schema_migrations GROUP BY 1, 2 HAVING count(*) > 1) d"))
            .Should().Be(0);
        var applyLines = cluster.NodeA.Output.Split('\n').Concat(cluster.NodeB.Output.Split('\n')).Count(l => l.Contains("Applied migration Accounts/0001_accounts.sql"));
        applyLines.Should().Be(1, "one host applied it and the other found it applied");
    }

    [Fact]
    public async Task Both_hosts_check_in_as_servers_of_one_Hangfire_cluster()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        long nodes = 0;
        while (DateTime.UtcNow < deadline)
        {
            nodes = await cluster.Database.ScalarAsync<long>(
                "SELECT count(DISTINCT split_part(id, ':', 1)) FROM hangfire.server WHERE split_part(id, ':', 1) IN ('node-a', 'node-b')");
            if (nodes == 2)
            {
                break;
            }

            await Task.Delay(500);
        }

        nodes.Should().Be(2);
    }
}
