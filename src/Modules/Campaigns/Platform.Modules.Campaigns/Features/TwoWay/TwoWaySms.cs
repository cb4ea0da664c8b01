using MediatR;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Platform.Modules.Campaigns.Contracts;
using Platform.Modules.Campaigns.Domain;
using Platform.Modules.Campaigns.Sending;

namespace Platform.Modules.Campaigns.Features.TwoWay;

/// <summary>
/// Who messaged a handset from a platform number: <c>campaigns.recipient_contacts</c>. Sending batches write it inside
/// their submit statement (<see cref="MessageStore.PrepareSubmitAsync"/>, one upsert per batch); everything else that
/// reads, writes or trims it is here.
/// </summary>
internal sealed class RecipientContacts(CampaignsDataSource dataSource, IOptions<CampaignsOptions> options, TimeProvider clock)
{
    /// <summary>
    /// The attribution lookup: the company that messaged <c>@phone</c> from <c>@number</c> last since <c>@since</c>, with when
    /// and which campaign (a primary-key probe). Also the head of the reply's write (<see cref="ConversationStore.AppendReplyAsync"/>).
    /// </summary>
    internal const string LastSql = """
        SELECT company_id, last_at, campaign_id FROM campaigns.recipient_contacts
        WHERE platform_number = @number AND phone = @phone AND last_at >= @since
        ORDER BY last_at DESC LIMIT 1
        """;

    /// <summary>Contacts before this no longer count (the STOP look-back).</summary>
    public DateTimeOffset Since => clock.GetUtcNow() - options.Value.StopLookback;

    /// <summary>The companies that messaged the handset from that number within the STOP look-back.</summary>
    public async Task<List<Guid>> CompaniesSinceLookbackAsync(string platformNumber, string phone, CancellationToken cancellationToken)
    {
        await using var command = dataSource.Source.CreateCommand(
            "SELECT company_id FROM campaigns.recipient_contacts WHERE platform_number = @number AND phone = @phone AND last_at >= @since");
        command.Parameters.Add(new NpgsqlParameter("number", NpgsqlDbType.Text) { Value = platformNumber });
        command.Parameters.Add(new NpgsqlParameter("phone", NpgsqlDbType.Text) { Value = phone });
        command.Parameters.Add(new NpgsqlParameter("since", NpgsqlDbType.TimestampTz) { Value = Since });
        var companies = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            companies.Add(reader.GetGuid(0));
        }

        return companies;
    }

    /// <summary>
    /// So the person's next answer comes back to the company that just replied (the attribution rule: the company that
    /// messaged the handset last on that number), and a bare STOP stops it too. The campaign is cleared: an answer to an
    /// inbox reply answers the conversation, not the campaign before it.
    /// </summary>
    public async Task RecordAsync(Guid companyId, string platformNumber, string phone, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = dataSource.Source.CreateCommand("""
            INSERT INTO campaigns.recipient_contacts AS rc (platform_number, phone, company_id, last_at, campaign_id)
            VALUES (@number, @phone, @company, @at, NULL)
            ON CONFLICT (platform_number, phone, company_id)
            DO UPDATE SET last_at = EXCLUDED.last_at, campaign_id = NULL WHERE rc.last_at < EXCLUDED.last_at
            """);
        command.Parameters.Add(new NpgsqlParameter("number", NpgsqlDbType.Text) { Value = platformNumber });
        command.Parameters.Add(new NpgsqlParameter("phone", NpgsqlDbType.Text) { Value = phone });
        command.Parameters.Add(new NpgsqlParameter("company", NpgsqlDbType.Uuid) { Value = companyId });
        command.Parameters.Add(new NpgsqlParameter("at", NpgsqlDbType.TimestampTz) { Value = at });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Who-messaged-whom rows past the STOP look-back: no STOP or reply is attributed by them any more, so they go (their
    /// declared retention). One statement; the table has no index on last_at on purpose (every sending batch updates it),
    /// so this is a scan of the table, run rarely.
    /// </summary>
    public async Task<int> DeleteBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        await using var command = dataSource.Source.CreateCommand("DELETE FROM campaigns.recipient_contacts WHERE last_at < @cutoff");
        command.Parameters.Add(new NpgsqlParameter("cutoff", NpgsqlDbType.TimestampTz) { Value = cutoff });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The company that messaged the handset from that number last (within the look-back), with when and which campaign.</summary>
    public async Task<(Guid CompanyId, DateTimeOffset At, Guid? CampaignId)?> LastAsync(string platformNumber, string phone, CancellationToken cancellationToken)
    {
        await using var command = dataSource.Source.CreateCommand(LastSql);
        command.Parameters.Add(new NpgsqlParameter("number", NpgsqlDbType.Text) { Value = platformNumber });
        command.Parameters.Add(new NpgsqlParameter("phone", NpgsqlDbType.Text) { Value = phone });
        command.Parameters.Add(new NpgsqlParameter("since", NpgsqlDbType.TimestampTz) { Value = Since });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return (reader.GetGuid(0), reader.GetFieldValue<DateTimeOffset>(1), reader.IsDBNull(2) ? null : reader.GetGuid(2));
    }
}

/// <summary>
/// A STOP by SMS becomes the company suppressions before the inbound message is acknowledged: every company that
/// messaged the number from that platform number (and the ones OptIns names), or the one a STOP KEYWORD names.
/// </summary>
internal sealed class StopMessagesToHandler(
    CampaignsDataSource dataSource,
    TimeProvider clock,
    RecipientContacts contacts,
    MessageStore messages,
    ConversationStore conversations,
    ILogger<StopMessagesToHandler> logger) : IRequestHandler<StopMessagesTo, IReadOnlyList<Guid>>
{
    public async Task<IReadOnlyList<Guid>> Handle(StopMessagesTo request, CancellationToken cancellationToken)
    {
        var companies = request.OnlyCompany is { } only
            ? [only]
            : (await contacts.CompaniesSinceLookbackAsync(request.PlatformNumber, request.Phone, cancellationToken)).Union(request.AlsoCompanies).ToList();
        if (companies.Count == 0)
        {
            return [];
        }

        var stopped = new List<Guid>();
        await using (var command = dataSource.Source.CreateCommand("""
            INSERT INTO campaigns.suppressions (company_id, phone, reason, platform_number, created_at)
            SELECT c, @phone, @reason, @number, @at FROM unnest(@companies) AS c ORDER BY c
            ON CONFLICT (company_id, phone) DO UPDATE
                SET reason = EXCLUDED.reason, platform_number = EXCLUDED.platform_number, created_at = EXCLUDED.created_at
                -- The person's own STOP replaces a suppression the company may lift (by hand, a bounce), so lifting
                -- that one later cannot undo the STOP; one the person already put there stays as it is (SuppressOnOptOut
                -- applies the same rule to an opt-out).
                WHERE suppressions.reason = ANY (@liftable)
            RETURNING company_id
            """))
        {
            command.Parameters.Add(new NpgsqlParameter("companies", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = companies.ToArray() });
            command.Parameters.Add(new NpgsqlParameter("phone", NpgsqlDbType.Text) { Value = request.Phone });
            command.Parameters.Add(new NpgsqlParameter("reason", NpgsqlDbType.Text) { Value = SuppressionReasons.StopSms });
            command.Parameters.Add(new NpgsqlParameter("number", NpgsqlDbType.Text) { Value = request.PlatformNumber });
            command.Parameters.Add(new NpgsqlParameter("at", NpgsqlDbType.TimestampTz) { Value = request.At });
            command.Parameters.Add(new NpgsqlParameter("liftable", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = Suppressions.SuppressionRules.LiftableByCompany });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                stopped.Add(reader.GetGuid(0));
            }
        }

        if (stopped.Count > 0)
        {
            await WaitForInFlightAsync(request.Phone, [.. stopped], cancellationToken);
        }

        foreach (var company in stopped)
        {
            await conversations.AppendAsync(new ConversationEntry(company, request.PlatformNumber, request.Phone, ConversationDirections.Event,
                ConversationEventKinds.Stop, request.Text, request.At, request.UserCode), cancellationToken);
            logger.LogInformation("STOP to {PlatformNumber}: company {Company} may no longer message the number", request.PlatformNumber, company);
        }

        return stopped;
    }

    /// <summary>Longest a STOP waits for batches already on their way to the carrier (a dead node's claim waits for its lease instead).</summary>
    private static readonly TimeSpan InFlightWait = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Queued messages are caught by the claim's and the submit's re-check, but a batch re-checked just before the
    /// suppression committed can still be on its way to the carrier. The STOP is acknowledged (and confirmed) only after
    /// such a batch is recorded, so nothing reaches the number after the person was told it stopped. Not a scan of the
    /// queue: the claimed messages are the batches in flight (the benchmark measured the queued scan at 0.5–1 s at a million).
    /// </summary>
    private async Task WaitForInFlightAsync(string phone, Guid[] companies, CancellationToken cancellationToken)
    {
        var deadline = clock.GetUtcNow() + InFlightWait;
        while (await messages.InFlightToAsync(phone, companies, cancellationToken) && clock.GetUtcNow() < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), clock, cancellationToken);
        }
    }
}

/// <summary>A START undoes the latest STOP on that platform number (or a STOP KEYWORD's company); suppressions a company added stay.</summary>
internal sealed class ResumeMessagesToHandler(CampaignsDataSource dataSource, ConversationStore conversations) : IRequestHandler<ResumeMessagesTo, IReadOnlyList<Guid>>
{
    public async Task<IReadOnlyList<Guid>> Handle(ResumeMessagesTo request, CancellationToken cancellationToken)
    {
        // START KEYWORD is the person's explicit opt-in to that company: it lifts whatever they put there themselves.
        var sql = request.OnlyCompany is null
            ? """
              DELETE FROM campaigns.suppressions
              WHERE phone = @phone AND reason = @stop AND platform_number = @number
                AND created_at = (SELECT max(created_at) FROM campaigns.suppressions WHERE phone = @phone AND reason = @stop AND platform_number = @number)
              RETURNING company_id
              """
            : """
              DELETE FROM campaigns.suppressions
              WHERE phone = @phone AND company_id = @company AND reason = ANY (@reasons)
              RETURNING company_id
              """;
        var resumed = new List<Guid>();
        await using (var command = dataSource.Source.CreateCommand(sql))
        {
            command.Parameters.Add(new NpgsqlParameter("phone", NpgsqlDbType.Text) { Value = request.Phone });
            command.Parameters.Add(new NpgsqlParameter("stop", NpgsqlDbType.Text) { Value = SuppressionReasons.StopSms });
            command.Parameters.Add(new NpgsqlParameter("number", NpgsqlDbType.Text) { Value = request.PlatformNumber });
            command.Parameters.Add(new NpgsqlParameter("company", NpgsqlDbType.Uuid) { Value = (object?)request.OnlyCompany ?? DBNull.Value });
            command.Parameters.Add(new NpgsqlParameter("reasons", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = SuppressionReasons.LiftedByOptIn });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                resumed.Add(reader.GetGuid(0));
            }
        }

        foreach (var company in resumed)
        {
            await conversations.AppendAsync(new ConversationEntry(company, request.PlatformNumber, request.Phone, ConversationDirections.Event,
                ConversationEventKinds.Start, request.Text, request.At), cancellationToken);
        }

        return resumed;
    }
}

/// <summary>
/// A reply that is no command goes to the inbox of the company that messaged the handset last on that number (or whose
/// keyword it texted there more recently): one statement finds the company and writes the thread and the entry.
/// </summary>
internal sealed class DeliverReplyHandler(RecipientContacts contacts, ConversationStore conversations) : IRequestHandler<DeliverReply, Guid?>
{
    public Task<Guid?> Handle(DeliverReply request, CancellationToken cancellationToken) =>
        conversations.AppendReplyAsync(
            new ConversationEntry(Guid.Empty, request.PlatformNumber, request.Phone, ConversationDirections.Inbound, null,
                request.Text, request.At, request.UserCode, null, request.CarrierInstance, request.CarrierMessageId),
            contacts.Since, request.KeywordContact);
}

internal sealed class NoteConversationEventHandler(ConversationStore conversations) : IRequestHandler<NoteConversationEvent>
{
    public async Task<Unit> Handle(NoteConversationEvent request, CancellationToken cancellationToken)
    {
        await conversations.AppendAsync(new ConversationEntry(request.CompanyId, request.PlatformNumber, request.Phone, ConversationDirections.Event,
            request.Event, request.Text, request.At, request.UserCode), cancellationToken);
        return Unit.Value;
    }
}

internal sealed class GetLastSenderHandler(RecipientContacts contacts) : IRequestHandler<GetLastSender, CompanyContact?>
{
    public async Task<CompanyContact?> Handle(GetLastSender request, CancellationToken cancellationToken) =>
        await contacts.LastAsync(request.PlatformNumber, request.Phone, cancellationToken) is { } last ? new CompanyContact(last.CompanyId, last.At) : null;
}
