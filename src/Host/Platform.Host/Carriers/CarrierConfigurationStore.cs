using System.Text.Json;
using Dapper;
using Npgsql;
using Platform.Carriers.Runtime;
using Platform.Modules.Shared;

namespace Platform.Host.Carriers;

/// <summary>
/// Carrier instances and routes live in PostgreSQL so an admin edits them on the Carriers page and every
/// node picks the change up. On first start the table is seeded from <c>Platform:Carriers</c> in
/// configuration (the simulator for a demo); after that the database is the truth.
/// </summary>
internal sealed class CarrierConfigurationStore(IConfiguration configuration)
{
    private string ConnectionString => configuration.PlatformConnectionString();

    public async Task SeedOnceAsync(CarrierOptions seed, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE platform.carrier_configuration SET seeded = true, version = version + 1 WHERE NOT seeded", transaction: transaction, cancellationToken: cancellationToken)) == 0)
        {
            return; // seeded before, by this node or another
        }

        foreach (var instance in seed.Instances)
        {
            await UpsertInstanceAsync(connection, transaction, instance, cancellationToken);
        }

        foreach (var route in seed.Routes)
        {
            await InsertRouteAsync(connection, transaction, route, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<(CarrierOptions Options, long Version)> LoadAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var result = new CarrierOptions();
        var instances = await connection.QueryAsync<(string Name, string Kind, bool Enabled, int MaxPerSecond, int MaxInFlight, string Settings)>(new CommandDefinition(
            "SELECT name, kind, enabled, max_per_second, max_in_flight, settings::text FROM platform.carrier_instances ORDER BY name", cancellationToken: cancellationToken));
        result.Instances.AddRange(instances.Select(row => new CarrierInstanceOptions
        {
            Name = row.Name,
            Kind = row.Kind,
            Enabled = row.Enabled,
            MaxPerSecond = row.MaxPerSecond,
            MaxInFlight = row.MaxInFlight,
            Settings = new Dictionary<string, string>(JsonSerializer.Deserialize<Dictionary<string, string>>(row.Settings) ?? [], StringComparer.OrdinalIgnoreCase),
        }));
        result.Routes.AddRange(await connection.QueryAsync<CarrierRouteOptions>(new CommandDefinition(
            "SELECT id, prefix, instance, priority FROM platform.carrier_routes ORDER BY length(prefix) DESC, priority", cancellationToken: cancellationToken)));
        return (result, await VersionAsync(connection, cancellationToken));
    }

    public async Task<long> VersionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await VersionAsync(connection, cancellationToken);
    }

    public Task SaveInstanceAsync(CarrierInstanceOptions instance, CancellationToken cancellationToken) =>
        ChangeAsync((connection, transaction) => UpsertInstanceAsync(connection, transaction, instance, cancellationToken), cancellationToken);

    public Task DeleteInstanceAsync(string name, CancellationToken cancellationToken) =>
        ChangeAsync((connection, transaction) => connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM platform.carrier_instances WHERE name = @name", new { name }, transaction, cancellationToken: cancellationToken)), cancellationToken);

    public Task AddRouteAsync(CarrierRouteOptions route, CancellationToken cancellationToken) =>
        ChangeAsync((connection, transaction) => InsertRouteAsync(connection, transaction, route, cancellationToken), cancellationToken);

    public Task DeleteRouteAsync(long id, CancellationToken cancellationToken) =>
        ChangeAsync((connection, transaction) => connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM platform.carrier_routes WHERE id = @id", new { id }, transaction, cancellationToken: cancellationToken)), cancellationToken);

    private async Task ChangeAsync(Func<NpgsqlConnection, NpgsqlTransaction, Task<int>> change, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await change(connection, transaction);
        await connection.ExecuteAsync(new CommandDefinition("UPDATE platform.carrier_configuration SET version = version + 1", transaction: transaction, cancellationToken: cancellationToken));

        await transaction.CommitAsync(cancellationToken);
    }

    private static Task<int> UpsertInstanceAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CarrierInstanceOptions instance, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO platform.carrier_instances (name, kind, enabled, max_per_second, max_in_flight, settings, updated_at)
            VALUES (@Name, @Kind, @Enabled, @MaxPerSecond, @MaxInFlight, @Settings::jsonb, now())
            ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, enabled = excluded.enabled, max_per_second = excluded.max_per_second,
                max_in_flight = excluded.max_in_flight, settings = excluded.settings, updated_at = now()
            """,
            new { instance.Name, instance.Kind, instance.Enabled, instance.MaxPerSecond, instance.MaxInFlight, Settings = JsonSerializer.Serialize(instance.Settings) },
            transaction, cancellationToken: cancellationToken));

    private static Task<int> InsertRouteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CarrierRouteOptions route, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO platform.carrier_routes (prefix, instance, priority) VALUES (@Prefix, @Instance, @Priority) ON CONFLICT (prefix, instance) DO UPDATE SET priority = excluded.priority",
            new { route.Prefix, route.Instance, route.Priority }, transaction, cancellationToken: cancellationToken));

    private static Task<long> VersionAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT version FROM platform.carrier_configuration", cancellationToken: cancellationToken));

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }
}
