using Npgsql;

namespace Platform.Modules.Campaigns;

/// <summary>
/// The module's one helper for raw SQL on <see cref="CampaignsDataSource"/> (the hot paths and set-based jobs; pages
/// and small handlers use <see cref="CampaignsDbContext"/>): a statement with named parameters, run for its row count
/// or its single value, on a pooled connection or on one already in a transaction. Statements with many or typed
/// parameters (arrays for unnest, COPY) build their command themselves.
/// </summary>
internal static class Sql
{
    /// <summary>Runs <paramref name="sql"/> on a connection of the pool; answers the rows it changed.</summary>
    public static async Task<int> ExecuteAsync(this NpgsqlDataSource source, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = source.CreateCommand(sql);
        Bind(command, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Runs <paramref name="sql"/> on <paramref name="connection"/> (in its transaction, if one is open); answers the rows it changed.</summary>
    public static async Task<int> ExecuteAsync(this NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        Bind(command, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The first column of the first row (default when there is none, or it is NULL).</summary>
    public static async Task<T> ScalarAsync<T>(this NpgsqlDataSource source, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = source.CreateCommand(sql);
        Bind(command, parameters);
        return As<T>(await command.ExecuteScalarAsync(cancellationToken));
    }

    /// <summary>The first column of the first row on <paramref name="connection"/> (default when there is none, or it is NULL).</summary>
    public static async Task<T> ScalarAsync<T>(this NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        Bind(command, parameters);
        return As<T>(await command.ExecuteScalarAsync(cancellationToken));
    }

    /// <summary>
    /// A constant of the code (a status name) as an SQL string literal. For values the module defines only, never for
    /// input: it lets a statement name a status the way a partial index was made (<c>status IN ('Scheduled', …)</c>).
    /// </summary>
    public static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>Constants of the code as a list of SQL string literals, for <c>IN (…)</c>.</summary>
    public static string Literals(IEnumerable<string> values) => string.Join(", ", values.Select(Literal));

    private static void Bind(NpgsqlCommand command, (string Name, object? Value)[] parameters)
    {
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
    }

    private static T As<T>(object? result) => result is null or DBNull ? default! : (T)result;
}
