using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;
using Platform.Tests.Integration.Infrastructure;
using Platform.Tests.Integration.OptIns;

namespace Platform.Tests.Integration.Privacy;

/// <summary>Helpers the Privacy tests share: a registered subscriber, the inventory as published, a search of every table.</summary>
public static partial class PrivacyTestKit
{
    public const string SubscriberPassword = "Subscr1berPass";

    public sealed record Person(string Handset, string Code, string Email, string FirstName, string Surname, string PostalCode, string Imei, FormClient Client);

    /// <summary>Texts the keyword from a fresh number, registers on the web with distinctive details, returns the signed-in client.</summary>
    public static async Task<Person> SubscriberAsync(PlatformFactory factory, string word, string tag, string gender = "Female", string country = "Iceland",
        string? handset = null)
    {
        handset ??= Infrastructure.TestHandsets.New();
        // OptIns' own factory hands the text to the module; the others text through the simulator carrier.
        await (factory is OptInsFactory optIns ? optIns.TextAsync(handset, word) : factory.TextPlatformAsync(handset, word));
        var code = (await factory.Database.ScalarAsync<string>("SELECT user_code FROM optins.subscribers WHERE phone = @p", ("p", handset)))!;
        var person = new Person(handset, code, $"{tag}.{Guid.NewGuid():N}@person.example", $"Fn{tag}Zq", $"Sn{tag}Xq", $"PC{Random.Shared.Next(10000, 99999)}", NewImei(), factory.CreateFormClient());
        var response = await person.Client.PostFormAsync($"/OptIns/Me/Register?code={code}", new()
        {
            ["Input.UserCode"] = code,
            ["Input.MobileNumber"] = handset,
            ["Input.FirstName"] = person.FirstName,
            ["Input.Surname"] = person.Surname,
            ["Input.Email"] = person.Email,
            ["Input.PostalCode"] = person.PostalCode,
            ["Input.DateOfBirth"] = "1990-05-17",
            ["Input.Password"] = SubscriberPassword,
            ["Input.ConfirmPassword"] = SubscriberPassword,
            ["Input.Imei"] = person.Imei,
            ["Input.AgeBand"] = "31-40",
            ["Input.Country"] = country,
            ["Input.Gender"] = gender,
        });
        response.StatusCode.Should().Be(HttpStatusCode.Redirect, WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()));
        return person;
    }

    /// <summary>A random IMEI with a valid Luhn check digit.</summary>
    public static string NewImei()
    {
        var digits = Enumerable.Range(0, 14).Select(_ => Random.Shared.Next(10)).ToList();
        var sum = digits.Select((d, i) => i % 2 == 1 ? (d * 2 > 9 ? d * 2 - 9 : d * 2) : d).Sum();
        return string.Concat(digits) + ((10 - sum % 10) % 10);
    }

    /// <summary>The inventory items /privacy publishes for a kind of person, as "Module.Entity.Property".</summary>
    public static async Task<IReadOnlyList<string>> PublishedItemsAsync(FormClient client, string person)
    {
        var (status, html) = await client.GetAsync("/privacy");
        status.Should().Be(HttpStatusCode.OK);
        var start = html.IndexOf($"data-person=\"{person}\"", StringComparison.Ordinal);
        start.Should().BeGreaterThan(0, $"/privacy has a section for {person}");
        var end = html.IndexOf("</section>", start, StringComparison.Ordinal);
        return InventoryItem().Matches(html[start..end]).Select(m => m.Groups[1].Value).ToList();
    }

    /// <summary>True when some object in the JSON has a property of that name (case-insensitive) with a non-empty value.</summary>
    public static bool HasProperty(JsonElement element, string name) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().Any(p =>
            (p.Name.Equals(name, StringComparison.OrdinalIgnoreCase) && p.Value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
            || HasProperty(p.Value, name)),
        JsonValueKind.Array => element.EnumerateArray().Any(e => HasProperty(e, name)),
        _ => false,
    };

    /// <summary>Every column of every table (not views) that holds text: (schema, table, column); bytea too when asked.</summary>
    public static async Task<IReadOnlyList<(string Schema, string Table, string Column)>> TextColumnsAsync(NpgsqlConnection connection, bool withBytea = false)
    {
        var columns = new List<(string Schema, string Table, string Column)>();
        await using var list = new NpgsqlCommand(
            """
            SELECT c.table_schema, c.table_name, c.column_name FROM information_schema.columns c
            JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
            WHERE c.table_schema NOT IN ('pg_catalog', 'information_schema')
              AND (c.data_type IN ('character varying', 'text', 'character', 'json', 'jsonb', 'ARRAY') OR (@bytea AND c.data_type = 'bytea'))
            """, connection);
        list.Parameters.AddWithValue("bytea", withBytea);
        await using var reader = await list.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            columns.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }

        return columns;
    }

    /// <summary>Every text column of every table in the database that contains the value (case-insensitive): "schema.table.column".</summary>
    public static async Task<IReadOnlyList<string>> FindEverywhereAsync(TestDatabase database, string value)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        var columns = await TextColumnsAsync(connection);

        var found = new List<string>();
        foreach (var (schema, table, column) in columns)
        {
            await using var search = new NpgsqlCommand($"SELECT count(*) FROM \"{schema}\".\"{table}\" WHERE \"{column}\"::text ILIKE '%' || @v || '%'", connection);
            search.Parameters.AddWithValue("v", value);
            if ((long)(await search.ExecuteScalarAsync())! > 0)
            {
                found.Add($"{schema}.{table}.{column}");
            }
        }

        return found;
    }

    [GeneratedRegex("data-item=\"([^\"]+)\"")]
    private static partial Regex InventoryItem();
}
