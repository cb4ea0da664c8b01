using System.ComponentModel.DataAnnotations;
using MediatR;
using Npgsql;
using NpgsqlTypes;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Features.Suppressions;

/// <summary>
/// The platform block list (<c>campaigns.blocked_numbers</c>): numbers no company may message, honoured by every sending
/// path through <see cref="Sending.SuppressionRule"/>. Only platform admins read or change it; every change is audited
/// with a NULL company. The handlers check the admin role themselves too, so no other caller can reach them by mistake.
/// </summary>
internal static class BlockList
{
    public static void RequireAdmin(ITenantContext tenant)
    {
        if (!tenant.IsPlatformAdmin)
        {
            throw new UnauthorizedAccessException("Only platform admins manage the block list.");
        }
    }
}

internal sealed record BlockedNumberRow(string Phone, string Reason, DateTimeOffset CreatedAt);

/// <summary>A page of the block list, newest first, or the numbers that start with <see cref="Search"/>.</summary>
internal sealed record ListBlockedNumbers(string? Search, string? After) : IRequest<ListPage<BlockedNumberRow>>;

internal sealed class ListBlockedNumbersHandler(CampaignsDataSource dataSource, ITenantContext tenant, PageCursors cursors)
    : IRequestHandler<ListBlockedNumbers, ListPage<BlockedNumberRow>>
{
    public async Task<ListPage<BlockedNumberRow>> Handle(ListBlockedNumbers request, CancellationToken cancellationToken)
    {
        BlockList.RequireAdmin(tenant);
        var after = cursors.Unprotect(request.After);
        var prefix = SuppressionRules.SearchPrefix(request.Search);
        var sql = prefix is null
            ? $"""
               SELECT phone, reason, created_at FROM campaigns.blocked_numbers
               {(after is null ? string.Empty : "WHERE (created_at, phone) < (@after_at, @after_phone)")}
               ORDER BY created_at DESC, phone DESC LIMIT @take
               """
            : $"""
               SELECT phone, reason, created_at FROM campaigns.blocked_numbers
               WHERE (phone COLLATE "C") >= @low AND (phone COLLATE "C") < @high {(after is null ? string.Empty : "AND (phone COLLATE \"C\") > @after_phone")}
               ORDER BY (phone COLLATE "C") LIMIT @take
               """;
        await using var connection = await dataSource.Source.OpenConnectionAsync(cancellationToken);
        var rows = new List<BlockedNumberRow>();
        await using (var command = new NpgsqlCommand(sql, connection))
        {
            PageCursors.BindPage(command, after, prefix);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(new BlockedNumberRow(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2)));
            }
        }

        await using var count = new NpgsqlCommand("SELECT count(*) FROM (SELECT 1 FROM campaigns.blocked_numbers LIMIT @limit) b", connection);
        count.Parameters.Add(new NpgsqlParameter("limit", NpgsqlDbType.Integer) { Value = SuppressionRules.CountLimit + 1 });
        return cursors.Page(rows, r => new PageCursor(r.CreatedAt, r.Phone), new BoundedCount((long)(await count.ExecuteScalarAsync(cancellationToken))!));
    }
}

/// <summary>The latest changes admins made to the block list.</summary>
internal sealed record ListBlockListAudit(int Take = 50) : IRequest<IReadOnlyList<AuditRow>>;

internal sealed class ListBlockListAuditHandler(CampaignsDataSource dataSource, ITenantContext tenant) : IRequestHandler<ListBlockListAudit, IReadOnlyList<AuditRow>>
{
    public Task<IReadOnlyList<AuditRow>> Handle(ListBlockListAudit request, CancellationToken cancellationToken)
    {
        BlockList.RequireAdmin(tenant);
        return AuditRow.LatestAsync(dataSource, null, request.Take, cancellationToken);
    }
}

/// <summary>Blocks a number for every company. Answers false when it was blocked already (nothing changes).</summary>
internal sealed class BlockNumber : IRequest<bool>
{
    [Required(ErrorMessage = "Enter the mobile number to block.")]
    [Display(Name = "Mobile number")]
    public string Phone { get; set; } = string.Empty;

    [Required(ErrorMessage = "Say why the number is blocked, for example \"Carrier complaint, ticket 4711\".")]
    [StringLength(SuppressionRules.MaxNoteLength, MinimumLength = 3, ErrorMessage = "Say why in 3 to 500 characters.")]
    [Display(Name = "Reason")]
    public string Reason { get; set; } = string.Empty;
}

internal sealed class BlockNumberValidator : IRequestValidator<BlockNumber>
{
    public IEnumerable<ValidationError> Validate(BlockNumber request)
    {
        // International format only: the block list is the platform's, not any one country's.
        if (!string.IsNullOrWhiteSpace(request.Phone) && PhoneNumbers.Parse(request.Phone, defaultCountry: null).Error is { } error)
        {
            yield return new ValidationError(nameof(request.Phone), error);
        }
    }
}

internal sealed class BlockNumberHandler(CampaignsDataSource dataSource, ITenantContext tenant, SuppressionActor actor, TimeProvider clock) : IRequestHandler<BlockNumber, bool>
{
    public async Task<bool> Handle(BlockNumber request, CancellationToken cancellationToken)
    {
        BlockList.RequireAdmin(tenant);
        var phone = PhoneNumbers.Parse(request.Phone, defaultCountry: null).E164!; // the validator refused what it cannot read
        await using var command = dataSource.Source.CreateCommand("""
            WITH added AS (
                INSERT INTO campaigns.blocked_numbers (phone, reason, created_by, created_at) VALUES (@phone, @note, @actor, @now)
                ON CONFLICT (phone) DO NOTHING
                RETURNING phone),
            audited AS (
                INSERT INTO campaigns.suppression_audit (company_id, phone, action, reason, note, source, actor_id, actor_name, at)
                SELECT NULL, phone, @action, @reason, @note, @source, @actor, @actor_name, @now FROM added
                RETURNING 1)
            SELECT count(*)::int FROM audited
            """);
        command.Parameters.Add(new NpgsqlParameter("phone", NpgsqlDbType.Text) { Value = phone });
        command.Parameters.Add(new NpgsqlParameter("note", NpgsqlDbType.Text) { Value = request.Reason.Trim() });
        command.Parameters.Add(new NpgsqlParameter("now", NpgsqlDbType.TimestampTz) { Value = clock.GetUtcNow() });
        command.Parameters.Add(new NpgsqlParameter("action", NpgsqlDbType.Text) { Value = SuppressionActions.Blocked });
        command.Parameters.Add(new NpgsqlParameter("reason", NpgsqlDbType.Text) { Value = SuppressionActions.BlockReason });
        command.Parameters.Add(new NpgsqlParameter("source", NpgsqlDbType.Text) { Value = SuppressionActions.FromAdmin });
        actor.Bind(command);
        return (int)(await command.ExecuteScalarAsync(cancellationToken))! == 1;
    }
}

/// <summary>Lifts a block, with the reason. Answers false when the number is not on the block list.</summary>
internal sealed class UnblockNumber : IRequest<bool>
{
    public string Phone { get; set; } = string.Empty;

    [Required(ErrorMessage = "Say why the block is lifted, for example \"Complaint withdrawn\".")]
    [StringLength(SuppressionRules.MaxNoteLength, MinimumLength = 3, ErrorMessage = "Say why in 3 to 500 characters.")]
    [Display(Name = "Why unblock it")]
    public string Reason { get; set; } = string.Empty;
}

internal sealed class UnblockNumberHandler(CampaignsDataSource dataSource, ITenantContext tenant, SuppressionActor actor, TimeProvider clock) : IRequestHandler<UnblockNumber, bool>
{
    public async Task<bool> Handle(UnblockNumber request, CancellationToken cancellationToken)
    {
        BlockList.RequireAdmin(tenant);
        await using var command = dataSource.Source.CreateCommand("""
            WITH removed AS (
                DELETE FROM campaigns.blocked_numbers WHERE phone = @phone RETURNING phone),
            audited AS (
                INSERT INTO campaigns.suppression_audit (company_id, phone, action, reason, note, source, actor_id, actor_name, at)
                SELECT NULL, phone, @action, @reason, @note, @source, @actor, @actor_name, @now FROM removed
                RETURNING 1)
            SELECT count(*)::int FROM audited
            """);
        command.Parameters.Add(new NpgsqlParameter("phone", NpgsqlDbType.Text) { Value = request.Phone.Trim() });
        command.Parameters.Add(new NpgsqlParameter("note", NpgsqlDbType.Text) { Value = request.Reason.Trim() });
        command.Parameters.Add(new NpgsqlParameter("now", NpgsqlDbType.TimestampTz) { Value = clock.GetUtcNow() });
        command.Parameters.Add(new NpgsqlParameter("action", NpgsqlDbType.Text) { Value = SuppressionActions.Unblocked });
        command.Parameters.Add(new NpgsqlParameter("reason", NpgsqlDbType.Text) { Value = SuppressionActions.BlockReason });
        command.Parameters.Add(new NpgsqlParameter("source", NpgsqlDbType.Text) { Value = SuppressionActions.FromAdmin });
        actor.Bind(command);
        return (int)(await command.ExecuteScalarAsync(cancellationToken))! == 1;
    }
}
