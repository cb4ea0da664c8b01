using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Platform.Host.Infrastructure;
using Platform.Modules.Shared;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration;

/// <summary>
/// `dotnet ef migrations` cannot run here, so the SQL migrations are written by hand; these tests are
/// what keeps them honest: every module's EF model must match the schema its migrations create.
/// </summary>
public sealed class SchemaTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    public static TheoryData<string> Modules() => new(ModuleRegistry.Modules.Select(m => m.Name));

    [Theory]
    [MemberData(nameof(Modules))]
    public async Task The_EF_model_matches_the_migrated_schema(string moduleName)
    {
        var module = factory.Services.GetServices<IModule>().Single(m => m.Name == moduleName);
        var contextType = module.Assembly.GetTypes().Single(t => typeof(DbContext).IsAssignableFrom(t) && !t.IsAbstract);
        await using var scope = factory.Services.CreateAsyncScope();
        var context = (DbContext)scope.ServiceProvider.GetRequiredService(contextType);
        var columns = await LoadColumnsAsync(module.Schema);
        var problems = new List<string>();
        var mappedTables = new HashSet<string>();

        foreach (var entity in context.Model.GetEntityTypes())
        {
            var table = entity.GetTableName()!;
            var schema = entity.GetSchema() ?? context.Model.GetDefaultSchema()!;
            mappedTables.Add(table);
            var store = StoreObjectIdentifier.Table(table, schema);
            foreach (var property in entity.GetProperties())
            {
                var column = property.GetColumnName(store)!;
                if (!columns.TryGetValue((table, column), out var actual))
                {
                    problems.Add($"{schema}.{table}.{column} is in the model but not in the database");
                    continue;
                }

                var expectedType = Normalize(property.GetColumnType(store));
                if (expectedType != actual.Type)
                {
                    problems.Add($"{schema}.{table}.{column}: model says {expectedType}, database has {actual.Type}");
                }

                if (property.IsColumnNullable(store) != actual.Nullable)
                {
                    problems.Add($"{schema}.{table}.{column}: model nullable={property.IsColumnNullable(store)}, database nullable={actual.Nullable}");
                }
            }
        }

        foreach (var unmapped in columns.Keys.Select(k => k.Table).Distinct().Where(t => !mappedTables.Contains(t)))
        {
            problems.Add($"{module.Schema}.{unmapped} exists in the database but no entity maps it");
        }

        problems.Should().BeEmpty();
    }

    private async Task<Dictionary<(string Table, string Column), (string Type, bool Nullable)>> LoadColumnsAsync(string schema)
    {
        var result = new Dictionary<(string, string), (string, bool)>();
        await using var connection = new NpgsqlConnection(factory.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            SELECT c.table_name, c.column_name, format_type(a.atttypid, a.atttypmod), c.is_nullable = 'YES'
            FROM information_schema.columns c
            JOIN pg_attribute a ON a.attrelid = format('%I.%I', c.table_schema, c.table_name)::regclass AND a.attname = c.column_name
            JOIN pg_class t ON t.oid = a.attrelid
            -- A partition is part of its partitioned table (campaigns.messages, ADR 37): the parent is the one the model maps.
            WHERE c.table_schema = @schema AND NOT t.relispartition
            """, connection);
        command.Parameters.AddWithValue("schema", schema);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            result[(reader.GetString(0), reader.GetString(1))] = (Normalize(reader.GetString(2)), reader.GetBoolean(3));
        }

        return result;
    }

    private static string Normalize(string type) => type.ToLowerInvariant() switch
    {
        "timestamptz" => "timestamp with time zone",
        "int" or "int4" => "integer",
        "int8" => "bigint",
        "bool" => "boolean",
        var other when other.StartsWith("varchar", StringComparison.Ordinal) => "character varying" + other["varchar".Length..],
        var other => other,
    };
}

public sealed class MigratorTests : IAsyncLifetime
{
    private TestDatabase database = null!;

    public async Task InitializeAsync() => database = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await database.DisposeAsync();

    /// <summary>Every module the host migrates, its own tables included.</summary>
    private static IReadOnlyList<IModule> Modules() => ModuleCatalogForTests.All;

    [Fact]
    public async Task Hosts_migrating_at_once_apply_each_migration_once()
    {
        var migrators = Enumerable.Range(0, 4).Select(_ => new ModuleMigrator(database.ConnectionString, NullLogger.Instance));

        var applied = await Task.WhenAll(migrators.Select(m => m.MigrateAsync(Modules())));

        var expected = Modules().SelectMany(m => ModuleMigrator.ReadMigrations(m).Select(x => $"{m.Name}/{x.Name}")).ToList();
        expected.Should().Contain(["Accounts/0001_accounts.sql", "Billing/0001_schema.sql"]);
        applied.SelectMany(a => a).Should().BeEquivalentTo(expected,
            "under the advisory lock exactly one host applies each migration");
        (await database.ScalarAsync<long>("SELECT count(*) FROM platform.schema_migrations")).Should().Be(expected.Count);
    }

    [Fact]
    public async Task A_changed_migration_file_stops_start_up_with_a_clear_error()
    {
        await new ModuleMigrator(database.ConnectionString, NullLogger.Instance).MigrateAsync(Modules());
        await database.ExecuteAsync("UPDATE platform.schema_migrations SET checksum = repeat('0', 64) WHERE module = 'Accounts'");

        var act = () => new ModuleMigrator(database.ConnectionString, NullLogger.Instance).MigrateAsync(Modules());

        (await act.Should().ThrowAsync<MigrationMismatchException>())
            .Which.Message.Should().Contain("Accounts/0001_accounts.sql").And.Contain("has changed");
    }
}
