using Npgsql;
using Platform.Modules.Campaigns;
using Platform.Modules.Shared;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>
/// Migration 0025 on a database that already has messages (an upgrade): the table becomes the first partition in place
/// (its heap and indexes are the same files: nothing rewritten or rebuilt), every row is still there, new ids carry on
/// from the old ones, api_id stays unique within it, and deleting a campaign still takes its messages and their webhook
/// outbox rows (the foreign key that did that is gone).
/// </summary>
public sealed class MessagesMigrationTests : IAsyncLifetime
{
    private const string Campaign = "00000000-0000-0000-0000-000000000001";
    private const string Company = "00000000-0000-0000-0000-0000000000aa";

    private TestDatabase database = null!;

    public async Task InitializeAsync() => database = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await database.DisposeAsync();

    [Fact]
    public async Task A_messages_table_with_rows_becomes_the_first_partition_without_being_rewritten()
    {
        var migrations = ModuleMigrator.ReadMigrations(CampaignsModule.Definition);
        var conversion = migrations.Single(m => m.Name == "0025_messages_partitioned.sql");
        foreach (var (_, sql) in migrations.TakeWhile(m => m.Name != conversion.Name))
        {
            await ApplyAsync(sql);
        }

        await database.ExecuteAsync($"""
            INSERT INTO campaigns.campaigns (id, company_id, kind, name, sender_id, body, status, time_zone, created_at, updated_at)
            VALUES ('{Campaign}', '{Company}', 'api', 'API request', 'PLATFORM', 'Hi', 'Completed', 'UTC', now(), now());
            INSERT INTO campaigns.messages (campaign_id, company_id, phone, country, time_zone, state, not_before, api_id, carrier_message_id)
            SELECT '{Campaign}', '{Company}', '+4477009' || lpad(i::text, 5, '0'), 'GB', 'UTC', 3, now(), gen_random_uuid(), 'c' || i
            FROM generate_series(1, 1000) AS i;
            INSERT INTO campaigns.webhook_deliveries (company_id, message_id, next_attempt_at, created_at)
            SELECT company_id, id, now(), now() FROM campaigns.messages ORDER BY id LIMIT 3;
            """);
        var heap = await FileAsync("campaigns.messages");
        var index = await FileAsync("campaigns.messages_campaign_state");

        await ApplyAsync(conversion.Sql);

        (await database.ScalarAsync<string>("SELECT relkind::text FROM pg_class WHERE oid = 'campaigns.messages'::regclass")).Should().Be("p");
        (await FileAsync("campaigns.messages_p00001")).Should().Be(heap, "the old table is the first partition, not a copy");
        (await FileAsync("campaigns.messages_p00001_campaign_state")).Should().Be(index, "its indexes are attached, not rebuilt");
        (await database.ScalarAsync<long>("SELECT count(*) FROM campaigns.messages WHERE campaign_id = @c", ("c", Guid.Parse(Campaign)))).Should().Be(1000);
        (await database.ScalarAsync<string>("SELECT name || ' ' || first_id || ' ' || end_id || ' ' || opened_at FROM campaigns.message_partitions"))
            .Should().Be("messages_p00001 1 10000000000 -infinity", "a table with history starts at an unknown time, so the job closes it at its first run");

        (await database.ScalarAsync<long>($"""
            INSERT INTO campaigns.messages (campaign_id, company_id, phone, country, time_zone, not_before)
            VALUES ('{Campaign}', '{Company}', '+447700999999', 'GB', 'UTC', now()) RETURNING id
            """)).Should().Be(1001, "new ids carry on from the old ones");
        var duplicate = async () => await database.ExecuteAsync($"""
            INSERT INTO campaigns.messages (campaign_id, company_id, phone, country, time_zone, not_before, api_id)
            SELECT campaign_id, company_id, phone, country, time_zone, not_before, api_id FROM campaigns.messages WHERE id = 1
            """);
        (await duplicate.Should().ThrowAsync<PostgresException>()).Which.SqlState.Should().Be(PostgresErrorCodes.UniqueViolation);

        await database.ExecuteAsync($"DELETE FROM campaigns.campaigns WHERE id = '{Campaign}'");
        (await database.ScalarAsync<long>("SELECT count(*) FROM campaigns.messages")).Should().Be(0);
        (await database.ScalarAsync<long>("SELECT count(*) FROM campaigns.webhook_deliveries")).Should().Be(0, "a deleted campaign's outbox rows go with its messages");
    }

    /// <summary>A migration as the migrator applies it: in a transaction of its own.</summary>
    private async Task ApplyAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var command = new NpgsqlCommand(sql, connection, transaction))
        {
            await command.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
    }

    private Task<long> FileAsync(string relation) =>
        database.ScalarAsync<long>("SELECT pg_relation_filenode(@r::regclass)::bigint", ("r", relation));
}
