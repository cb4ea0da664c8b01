using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Platform.Modules.Shared;

/// <summary>Raised when the database and the migration files disagree; start-up stops with this message.</summary>
public sealed class MigrationMismatchException(string message) : Exception(message);

/// <summary>
/// Applies each module's SQL migrations (embedded resources named <c>Migrations/NNNN_name.sql</c>) in
/// order, each in its own transaction, and records them in <c>platform.schema_migrations</c> with a
/// SHA-256 of the file. Runs under a PostgreSQL advisory lock so several hosts starting together apply
/// each migration once. An applied migration whose file has changed stops start-up: migrations are
/// append-only, and a silent difference between environments is worse than a failed deploy.
/// </summary>
public sealed class ModuleMigrator(string connectionString, ILogger logger)
{
    /// <summary>Arbitrary but fixed: the advisory lock key every host takes while migrating.</summary>
    internal const long AdvisoryLockKey = 0x504C_4154_4D49_4752; // "PLATMIGR"

    /// <param name="thenUnderLock">Runs after the modules' migrations, still under the lock (the host installs Hangfire's tables there).</param>
    public async Task<IReadOnlyList<string>> MigrateAsync(IEnumerable<IModule> modules, Action<NpgsqlConnection>? thenUnderLock = null, CancellationToken cancellationToken = default)
    {
        var applied = new List<string>();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(@key)", new { key = AdvisoryLockKey }, cancellationToken: cancellationToken));
        try
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                CREATE SCHEMA IF NOT EXISTS platform;
                CREATE TABLE IF NOT EXISTS platform.schema_migrations (
                    module      text        NOT NULL,
                    name        text        NOT NULL,
                    checksum    text        NOT NULL,
                    applied_at  timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (module, name));
                """, cancellationToken: cancellationToken));

            foreach (var module in modules.OrderBy(m => m.Name, StringComparer.Ordinal))
            {
                var known = await LoadAppliedAsync(connection, module.Name, cancellationToken);
                foreach (var (name, sql) in ReadMigrations(module))
                {
                    var checksum = Checksum(sql);
                    if (known.TryGetValue(name, out var recorded))
                    {
                        if (recorded != checksum)
                        {
                            throw new MigrationMismatchException(
                                $"Migration {module.Name}/{name} was already applied, but its file has changed since " +
                                $"(recorded checksum {recorded[..12]}…, file {checksum[..12]}…). Applied migrations are " +
                                "append-only: restore the file and put the change in a new migration.");
                        }

                        continue;
                    }

                    await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                    await connection.ExecuteAsync(new CommandDefinition(sql, transaction: transaction, cancellationToken: cancellationToken));
                    await connection.ExecuteAsync(new CommandDefinition(
                        "INSERT INTO platform.schema_migrations (module, name, checksum) VALUES (@module, @name, @checksum)",
                        new { module = module.Name, name, checksum }, transaction, cancellationToken: cancellationToken));

                    await transaction.CommitAsync(cancellationToken);
                    logger.LogInformation("Applied migration {Module}/{Migration}", module.Name, name);
                    applied.Add($"{module.Name}/{name}");
                }
            }

            thenUnderLock?.Invoke(connection);
        }
        finally
        {
            await connection.ExecuteAsync("SELECT pg_advisory_unlock(@key)", new { key = AdvisoryLockKey });
        }

        return applied;
    }

    /// <summary>The module's migrations in the order they apply: by file name, which starts with a number.</summary>
    public static IReadOnlyList<(string Name, string Sql)> ReadMigrations(IModule module)
    {
        var result = new List<(string, string)>();
        foreach (var resource in module.Assembly.GetManifestResourceNames()
                     .Where(r => r.Contains(".Migrations.", StringComparison.Ordinal) && r.EndsWith(".sql", StringComparison.Ordinal))
                     .OrderBy(r => r, StringComparer.Ordinal))
        {
            using var stream = module.Assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var name = resource[(resource.LastIndexOf(".Migrations.", StringComparison.Ordinal) + ".Migrations.".Length)..];
            result.Add((name, reader.ReadToEnd()));
        }

        return result;
    }

    public static string Checksum(string sql) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql.ReplaceLineEndings("\n"))));

    private static async Task<Dictionary<string, string>> LoadAppliedAsync(NpgsqlConnection connection, string module, CancellationToken cancellationToken)
    {
        var applied = await connection.QueryAsync<(string Name, string Checksum)>(new CommandDefinition(
            "SELECT name, checksum FROM platform.schema_migrations WHERE module = @module", new { module }, cancellationToken: cancellationToken));
        return applied.ToDictionary(m => m.Name, m => m.Checksum, StringComparer.Ordinal);
    }
}
