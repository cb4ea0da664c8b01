using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace Platform.Host.Infrastructure;

/// <summary>
/// Keeps ASP.NET Core's data-protection key ring in PostgreSQL, so every node of the cluster can read
/// the auth and antiforgery cookies the others issued. The table belongs to the host (schema platform).
/// </summary>
internal sealed class PostgresDataProtectionKeys(string connectionString) : IXmlRepository
{
    private const string CreateTable = """
        CREATE SCHEMA IF NOT EXISTS platform;
        CREATE TABLE IF NOT EXISTS platform.data_protection_keys (
            friendly_name text        PRIMARY KEY,
            xml           text        NOT NULL,
            created_at    timestamptz NOT NULL DEFAULT now());
        """;

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = Open();
        using var command = new NpgsqlCommand("SELECT xml FROM platform.data_protection_keys ORDER BY created_at", connection);
        using var reader = command.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read())
        {
            elements.Add(XElement.Parse(reader.GetString(0)));
        }

        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var connection = Open();
        using var command = new NpgsqlCommand(
            "INSERT INTO platform.data_protection_keys (friendly_name, xml) VALUES (@name, @xml) ON CONFLICT (friendly_name) DO NOTHING", connection);
        command.Parameters.AddWithValue("name", friendlyName);
        command.Parameters.AddWithValue("xml", element.ToString(SaveOptions.DisableFormatting));
        command.ExecuteNonQuery();
    }

    private NpgsqlConnection Open()
    {
        var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var create = new NpgsqlCommand(CreateTable, connection);
        try
        {
            create.ExecuteNonQuery();
        }
        // CREATE … IF NOT EXISTS can still race on the catalog when two nodes start at once.
        catch (PostgresException exception) when (exception.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateObject or PostgresErrorCodes.DuplicateTable)
        {
            // Another node created it at the same moment.
        }

        return connection;
    }
}
