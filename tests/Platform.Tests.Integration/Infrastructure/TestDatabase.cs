using Npgsql;

namespace Platform.Tests.Integration.Infrastructure;

/// <summary>
/// A fresh PostgreSQL database for one fixture of one test run, dropped afterwards. The server is the
/// real local one ./test starts; PLATFORM_TEST_POSTGRES points elsewhere if needed.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private static readonly string RunId = $"{DateTime.UtcNow:MMddHHmmss}_{Environment.ProcessId}";
    private static int counter;

    private readonly string server;

    private TestDatabase(string name, string connectionString, string server)
    {
        Name = name;
        ConnectionString = connectionString;
        this.server = server;
    }

    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable("PLATFORM_TEST_POSTGRES")
        ?? "Host=localhost;Port=5432;Username=platform_test;Password=platform_test;Database=postgres";

    public string Name { get; }

    public string ConnectionString { get; }

    /// <summary>A fresh database on the shared test server, or on <paramref name="serverConnectionString"/>'s
    /// (a <see cref="PrivatePostgres"/> a fault test stops and restarts).</summary>
    public static async Task<TestDatabase> CreateAsync(string? serverConnectionString = null)
    {
        var server = serverConnectionString ?? ServerConnectionString;
        var name = $"platform_test_{RunId}_{Interlocked.Increment(ref counter)}";
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(server) { Database = name, Pooling = true };
        return new TestDatabase(name, builder.ConnectionString, server);
    }

    public async Task<T?> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (parameterName, value) in parameters)
        {
            command.Parameters.AddWithValue(parameterName, value);
        }

        var result = await command.ExecuteScalarAsync();
        return result is null or DBNull ? default : (T)Convert.ChangeType(result, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T));
    }

    /// <summary>Waits until <paramref name="sql"/> answers true: a state, not a guess of time; the timeout only bounds a failing test.</summary>
    public async Task WaitForAsync(string what, TimeSpan timeout, string sql, params (string Name, object Value)[] parameters)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (await ScalarAsync<bool?>(sql, parameters) != true)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited {timeout} for {what}.");
            }

            await Task.Delay(100);
        }
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Drops the database. Cleaning up is not what a test proves, so a drop that keeps failing (an autovacuum
    /// worker the test role may not terminate, say) is retried and then left to ./test's next run.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            try
            {
                await using var connection = new NpgsqlConnection(server);
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
                await command.ExecuteNonQueryAsync();
                return;
            }
            catch (PostgresException exception) when (exception.SqlState is PostgresErrorCodes.InsufficientPrivilege or PostgresErrorCodes.ObjectInUse)
            {
                await Task.Delay(200 * attempt);
            }
        }
    }
}
