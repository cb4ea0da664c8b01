using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
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
        await using (var claim = new NpgsqlCommand("UPDATE platform.carrier_configuration SET seeded = true, version = version + 1 WHERE NOT seeded", connection, transaction))
        {
            if (await claim.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return; // seeded before, by this node or another
            }
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
        await using (var command = new NpgsqlCommand("SELECT name, kind, enabled, max_per_second, max_in_flight, settings::text FROM platform.carrier_instances ORDER BY name", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                result.Instances.Add(new CarrierInstanceOptions
                {
                    Name = reader.GetString(0),
                    Kind = reader.GetString(1),
                    Enabled = reader.GetBoolean(2),
                    MaxPerSecond = reader.GetInt32(3),
                    MaxInFlight = reader.GetInt32(4),
                    Settings = new Dictionary<string, string>(
                        JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(5)) ?? [], StringComparer.OrdinalIgnoreCase),
                });
            }
        }

        await using (var command = new NpgsqlCommand("SELECT id, prefix, instance, priority FROM platform.carrier_routes ORDER BY length(prefix) DESC, priority", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                result.Routes.Add(new CarrierRouteOptions { Id = reader.GetInt64(0), Prefix = reader.GetString(1), Instance = reader.GetString(2), Priority = reader.GetInt32(3) });
            }
        }

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
        ChangeAsync(async (connection, transaction) =>
        {
            await using var command = new NpgsqlCommand("DELETE FROM platform.carrier_instances WHERE name = @name", connection, transaction);
            command.Parameters.AddWithValue("name", name);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);

    public Task AddRouteAsync(CarrierRouteOptions route, CancellationToken cancellationToken) =>
        ChangeAsync((connection, transaction) => InsertRouteAsync(connection, transaction, route, cancellationToken), cancellationToken);

    public Task DeleteRouteAsync(long id, CancellationToken cancellationToken) =>
        ChangeAsync(async (connection, transaction) =>
        {
            await using var command = new NpgsqlCommand("DELETE FROM platform.carrier_routes WHERE id = @id", connection, transaction);
            command.Parameters.AddWithValue("id", id);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);

    private async Task ChangeAsync(Func<NpgsqlConnection, NpgsqlTransaction, Task> change, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await change(connection, transaction);
        await using (var bump = new NpgsqlCommand("UPDATE platform.carrier_configuration SET version = version + 1", connection, transaction))
        {
            await bump.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task UpsertInstanceAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CarrierInstanceOptions instance, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO platform.carrier_instances (name, kind, enabled, max_per_second, max_in_flight, settings, updated_at)
            VALUES (@name, @kind, @enabled, @rate, @inflight, @settings, now())
            ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, enabled = excluded.enabled, max_per_second = excluded.max_per_second,
                max_in_flight = excluded.max_in_flight, settings = excluded.settings, updated_at = now()
            """, connection, transaction);
        command.Parameters.AddWithValue("name", instance.Name);
        command.Parameters.AddWithValue("kind", instance.Kind);
        command.Parameters.AddWithValue("enabled", instance.Enabled);
        command.Parameters.AddWithValue("rate", instance.MaxPerSecond);
        command.Parameters.AddWithValue("inflight", instance.MaxInFlight);
        command.Parameters.AddWithValue("settings", NpgsqlDbType.Jsonb, JsonSerializer.Serialize(instance.Settings));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task InsertRouteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CarrierRouteOptions route, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "INSERT INTO platform.carrier_routes (prefix, instance, priority) VALUES (@prefix, @instance, @priority) ON CONFLICT (prefix, instance) DO UPDATE SET priority = excluded.priority",
            connection, transaction);
        command.Parameters.AddWithValue("prefix", route.Prefix);
        command.Parameters.AddWithValue("instance", route.Instance);
        command.Parameters.AddWithValue("priority", route.Priority);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<long> VersionAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT version FROM platform.carrier_configuration", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }
}
