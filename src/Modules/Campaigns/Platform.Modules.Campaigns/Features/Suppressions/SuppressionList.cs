using System.ComponentModel.DataAnnotations;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using MediatR;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Npgsql;
using NpgsqlTypes;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Features.Suppressions;

/// <summary>One entry of a company's suppression list as the company may see it.</summary>
/// <param name="Key">The stored number, or an erased person's keyed hash: never shown, it only identifies the row.</param>
/// <param name="Number">The number when the company may see it (see <see cref="SuppressionRules.KnownSql"/>), else null.</param>
/// <param name="UserCode">The user code a hidden keyword subscriber is known by, when the company's inbox has one.</param>
internal sealed record SuppressionRow(string Key, string? Number, string? UserCode, string Reason, string? PlatformNumber, string? Note, DateTimeOffset CreatedAt)
{
    public bool Erased => SuppressionRules.IsErased(Key);

    /// <summary>What the page and the export show in the number's place.</summary>
    public string Shown => Erased ? "erased number"
        : Number ?? (UserCode is { } code ? $"subscriber {code} (number hidden)" : "keyword subscriber (number hidden)");

    public string Why => SuppressionRules.Why(Reason, PlatformNumber, Note);

    public bool CanLift => !Erased && Number is not null && SuppressionRules.LiftableByCompany.Contains(Reason);

    public static string Columns => """
        s.phone, CASE WHEN s.phone LIKE '+%' AND
        """ + SuppressionRules.KnownSql + """
         THEN s.phone END,
        """ + SuppressionRules.UserCodeSql + """
        , s.reason, s.platform_number, s.note, s.created_at
        """;

    public static SuppressionRow Read(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        reader.IsDBNull(1) ? null : reader.GetString(1),
        reader.IsDBNull(2) ? null : reader.GetString(2),
        reader.GetString(3),
        reader.IsDBNull(4) ? null : reader.GetString(4),
        reader.IsDBNull(5) ? null : reader.GetString(5),
        reader.GetFieldValue<DateTimeOffset>(6));
}

/// <summary>One page of a newest-first list (or of search results), the link to the next one, and the bounded total.</summary>
internal sealed record ListPage<T>(IReadOnlyList<T> Rows, string? Next, BoundedCount Total);

/// <summary>
/// Keyset cursors travel in the page's links protected by Data Protection: a cursor holds the row's stored number, which
/// for a hidden subscriber the company must not see, and a link somebody edited must start at the first page, never fail.
/// </summary>
internal sealed class PageCursors(IDataProtectionProvider protection)
{
    private readonly IDataProtector protector = protection.CreateProtector("Platform.Campaigns.Suppressions.PageCursor");

    public string Protect(PageCursor cursor) => protector.Protect(cursor.ToString());

    public PageCursor? Unprotect(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > 1000)
        {
            return null;
        }

        try
        {
            return PageCursor.Parse(protector.Unprotect(value));
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>
    /// Binds what a keyset page statement may use: <c>@take</c> (one row more than a page, to know whether there is a
    /// next one), the cursor (<c>@after_at</c>, <c>@after_phone</c>) and a search's range (<c>@low</c>, <c>@high</c>).
    /// </summary>
    public static void BindPage(NpgsqlCommand command, PageCursor? after, string? prefix)
    {
        command.Parameters.Add(new NpgsqlParameter("take", NpgsqlDbType.Integer) { Value = SuppressionRules.PageSize + 1 });
        command.Parameters.Add(new NpgsqlParameter("after_at", NpgsqlDbType.TimestampTz) { Value = after?.At ?? DateTimeOffset.UnixEpoch });
        command.Parameters.Add(new NpgsqlParameter("after_phone", NpgsqlDbType.Text) { Value = after?.Phone ?? string.Empty });
        command.Parameters.Add(new NpgsqlParameter("low", NpgsqlDbType.Text) { Value = prefix ?? string.Empty });
        command.Parameters.Add(new NpgsqlParameter("high", NpgsqlDbType.Text) { Value = prefix is null ? string.Empty : SuppressionRules.SearchUpperBound(prefix) });
    }

    /// <summary>The page of <paramref name="rows"/> read with <see cref="BindPage"/>: the extra row dropped, and then the link to the next page after the last row shown.</summary>
    public ListPage<T> Page<T>(List<T> rows, Func<T, PageCursor> cursorOf, BoundedCount total)
    {
        string? next = null;
        if (rows.Count > SuppressionRules.PageSize)
        {
            rows.RemoveAt(rows.Count - 1);
            next = Protect(cursorOf(rows[^1]));
        }

        return new ListPage<T>(rows, next, total);
    }
}

/// <summary>A page of the company's suppression list: newest first, or the numbers that start with <see cref="Search"/> in number order.</summary>
internal sealed record ListSuppressions(string? Search, string? After) : IRequest<ListPage<SuppressionRow>>;

internal sealed class ListSuppressionsHandler(CampaignsDataSource dataSource, ITenantContext tenant, PageCursors cursors)
    : IRequestHandler<ListSuppressions, ListPage<SuppressionRow>>
{
    public async Task<ListPage<SuppressionRow>> Handle(ListSuppressions request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        var after = cursors.Unprotect(request.After);
        var prefix = SuppressionRules.SearchPrefix(request.Search);
        await using var connection = await dataSource.Source.OpenConnectionAsync(cancellationToken);

        string sql;
        if (prefix is null)
        {
            // Newest first along suppressions_company_recent; the row comparison continues after the previous page's last row.
            sql = $"""
                SELECT {SuppressionRow.Columns} FROM campaigns.suppressions s
                WHERE s.company_id = @company {(after is null ? string.Empty : "AND (s.created_at, s.phone) < (@after_at, @after_phone)")}
                ORDER BY s.created_at DESC, s.phone DESC LIMIT @take
                """;
        }
        else
        {
            // The start of a number as a range under the C collation (suppressions_company_phone_c), in number order; hidden
            // subscribers never match, or searching digit by digit would spell their number out.
            sql = $"""
                SELECT {SuppressionRow.Columns} FROM campaigns.suppressions s
                WHERE s.company_id = @company AND (s.phone COLLATE "C") >= @low AND (s.phone COLLATE "C") < @high
                  {(after is null ? string.Empty : "AND (s.phone COLLATE \"C\") > @after_phone")}
                  AND {SuppressionRules.KnownSql}
                ORDER BY (s.phone COLLATE "C") LIMIT @take
                """;
        }

        var rows = new List<SuppressionRow>();
        await using (var command = new NpgsqlCommand(sql, connection))
        {
            command.Parameters.Add(new NpgsqlParameter("company", NpgsqlDbType.Uuid) { Value = companyId });
            PageCursors.BindPage(command, after, prefix);
            SuppressionRules.BindKnown(command);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(SuppressionRow.Read(reader));
            }
        }

        return cursors.Page(rows, r => new PageCursor(r.CreatedAt, r.Key), await CountAsync(connection, companyId, cancellationToken));
    }

    /// <summary>At most <see cref="SuppressionRules.CountLimit"/> + 1 index entries: never a count over millions.</summary>
    private static async Task<BoundedCount> CountAsync(NpgsqlConnection connection, Guid companyId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM (SELECT 1 FROM campaigns.suppressions WHERE company_id = @company LIMIT @limit) s", connection);
        command.Parameters.Add(new NpgsqlParameter("company", NpgsqlDbType.Uuid) { Value = companyId });
        command.Parameters.Add(new NpgsqlParameter("limit", NpgsqlDbType.Integer) { Value = SuppressionRules.CountLimit + 1 });
        return new BoundedCount((long)(await command.ExecuteScalarAsync(cancellationToken))!);
    }
}

/// <summary>One entry of the audit as a page shows it.</summary>
internal sealed record AuditRow(Guid? CompanyId, string Phone, string Action, string Reason, string? Note, string Source, string? ActorName, DateTimeOffset At)
{
    public string Shown => SuppressionRules.IsErased(Phone) ? "erased number" : Phone;

    public string What => SuppressionActions.Describe(Action, Source);

    public string Who => ActorName ?? "a former user";

    /// <summary>The latest entries of one company's audit, or of the block list's (<c>@company</c> null).</summary>
    public static async Task<IReadOnlyList<AuditRow>> LatestAsync(CampaignsDataSource dataSource, Guid? companyId, int take, CancellationToken cancellationToken)
    {
        await using var command = dataSource.Source.CreateCommand(companyId is null
            ? "SELECT company_id, phone, action, reason, note, source, actor_name, at FROM campaigns.suppression_audit WHERE company_id IS NULL ORDER BY id DESC LIMIT @take"
            : "SELECT company_id, phone, action, reason, note, source, actor_name, at FROM campaigns.suppression_audit WHERE company_id = @company ORDER BY id DESC LIMIT @take");
        command.Parameters.Add(new NpgsqlParameter("company", NpgsqlDbType.Uuid) { Value = (object?)companyId ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("take", NpgsqlDbType.Integer) { Value = Math.Clamp(take, 1, 500) });
        var rows = new List<AuditRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new AuditRow(reader.IsDBNull(0) ? null : reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.GetFieldValue<DateTimeOffset>(7)));
        }

        return rows;
    }
}

/// <summary>The latest changes the company's team made to its suppression list.</summary>
internal sealed record ListSuppressionAudit(int Take = 50) : IRequest<IReadOnlyList<AuditRow>>;

internal sealed class ListSuppressionAuditHandler(CampaignsDataSource dataSource, ITenantContext tenant) : IRequestHandler<ListSuppressionAudit, IReadOnlyList<AuditRow>>
{
    public Task<IReadOnlyList<AuditRow>> Handle(ListSuppressionAudit request, CancellationToken cancellationToken) =>
        AuditRow.LatestAsync(dataSource, tenant.RequireCompanyId(), request.Take, cancellationToken);
}

/// <summary>What adding a number did: added, or nothing because it was already there (and why, when the company may know).</summary>
internal sealed record AddSuppressionOutcome(string Phone, bool Added, string? ExistingWhy);

/// <summary>A number the company suppresses by hand, with a note saying why.</summary>
internal sealed class AddSuppression : IRequest<AddSuppressionOutcome>
{
    [Required(ErrorMessage = "Enter the mobile number to suppress.")]
    [Display(Name = "Mobile number")]
    public string Phone { get; set; } = string.Empty;

    [Required(ErrorMessage = "Say why, for example \"Asked us in the shop not to text them\".")]
    [StringLength(SuppressionRules.MaxNoteLength, ErrorMessage = "A note can have at most 500 characters.")]
    [Display(Name = "Note")]
    public string Note { get; set; } = string.Empty;

    /// <summary>The company's country, set by the page (never from the form): a number without its country code is read as dialled there.</summary>
    [BindNever]
    public string? DefaultCountry { get; set; }
}

internal sealed class AddSuppressionValidator : IRequestValidator<AddSuppression>
{
    public IEnumerable<ValidationError> Validate(AddSuppression request)
    {
        if (!string.IsNullOrWhiteSpace(request.Phone) && PhoneNumbers.Parse(request.Phone, request.DefaultCountry).Error is { } error)
        {
            yield return new ValidationError(nameof(request.Phone), error);
        }

        if (request.Note is { Length: > 0 } note && string.IsNullOrWhiteSpace(note))
        {
            yield return new ValidationError(nameof(request.Note), "Say why, for example \"Asked us in the shop not to text them\".");
        }
    }
}

internal sealed class AddSuppressionHandler(CampaignsDataSource dataSource, ITenantContext tenant, SuppressionActor actor, TimeProvider clock)
    : IRequestHandler<AddSuppression, AddSuppressionOutcome>
{
    public async Task<AddSuppressionOutcome> Handle(AddSuppression request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        var phone = PhoneNumbers.Parse(request.Phone, request.DefaultCountry).E164!; // the validator refused what it cannot read
        // One statement: the row and its audit entry together, and (from the statement's snapshot) the row that was already there.
        await using var command = dataSource.Source.CreateCommand($"""
            WITH added AS (
                INSERT INTO campaigns.suppressions (company_id, phone, reason, note, created_at)
                VALUES (@company, @phone, @reason, @note, @now)
                ON CONFLICT (company_id, phone) DO NOTHING
                RETURNING phone, reason, note),
            audited AS (
                INSERT INTO campaigns.suppression_audit (company_id, phone, action, reason, note, source, actor_id, actor_name, at)
                SELECT @company, phone, @action, reason, note, @source, @actor, @actor_name, @now FROM added
                RETURNING 1)
            SELECT (SELECT count(*) FROM audited)::int, s.reason, s.platform_number, s.note, COALESCE({SuppressionRules.KnownSql}, false)
            FROM (SELECT 1) one LEFT JOIN campaigns.suppressions s ON s.company_id = @company AND s.phone = @phone
            """);
        command.Parameters.Add(new NpgsqlParameter("company", NpgsqlDbType.Uuid) { Value = companyId });
        command.Parameters.Add(new NpgsqlParameter("phone", NpgsqlDbType.Text) { Value = phone });
        command.Parameters.Add(new NpgsqlParameter("reason", NpgsqlDbType.Text) { Value = SuppressionReasons.Manual });
        command.Parameters.Add(new NpgsqlParameter("note", NpgsqlDbType.Text) { Value = request.Note.Trim() });
        command.Parameters.Add(new NpgsqlParameter("now", NpgsqlDbType.TimestampTz) { Value = clock.GetUtcNow() });
        command.Parameters.Add(new NpgsqlParameter("action", NpgsqlDbType.Text) { Value = SuppressionActions.Added });
        command.Parameters.Add(new NpgsqlParameter("source", NpgsqlDbType.Text) { Value = SuppressionActions.FromPage });
        actor.Bind(command);
        SuppressionRules.BindKnown(command);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        if (reader.GetInt32(0) == 1)
        {
            return new AddSuppressionOutcome(phone, true, null);
        }

        // Already there: say why only when the company may know it (a hidden subscriber's opt-out stays unexplained).
        var why = reader.IsDBNull(1) || !reader.GetBoolean(4)
            ? null
            : SuppressionRules.Why(reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3));
        return new AddSuppressionOutcome(phone, false, why);
    }
}

/// <summary>Lifts one of the company's suppressions, with the reason; answers false when the company has no such entry.</summary>
internal sealed class LiftSuppression : IRequest<bool>
{
    public string Phone { get; set; } = string.Empty;

    [Required(ErrorMessage = "Say why you lift the suppression, for example \"Added by mistake\".")]
    [StringLength(SuppressionRules.MaxNoteLength, MinimumLength = 3, ErrorMessage = "Say why in 3 to 500 characters, for example \"Added by mistake\".")]
    [Display(Name = "Why lift it")]
    public string Reason { get; set; } = string.Empty;

    /// <summary>The company's country, set by the page (never from the form), so the number reads as it does when added.</summary>
    [BindNever]
    public string? DefaultCountry { get; set; }
}

internal sealed class LiftSuppressionHandler(CampaignsDataSource dataSource, ITenantContext tenant, SuppressionActor actor, TimeProvider clock)
    : IRequestHandler<LiftSuppression, bool>
{
    public async Task<bool> Handle(LiftSuppression request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        if (PhoneNumbers.Parse(request.Phone, request.DefaultCountry).E164 is not { } phone)
        {
            return false;
        }

        // Deletes only a reason the company may lift; the outer SELECT sees the statement's snapshot, so it tells a missing
        // entry (404) from one the person put there (refused, with why).
        await using var command = dataSource.Source.CreateCommand("""
            WITH lifted AS (
                DELETE FROM campaigns.suppressions
                WHERE company_id = @company AND phone = @phone AND reason = ANY (@liftable)
                RETURNING phone, reason),
            audited AS (
                INSERT INTO campaigns.suppression_audit (company_id, phone, action, reason, note, source, actor_id, actor_name, at)
                SELECT @company, phone, @action, reason, @note, @source, @actor, @actor_name, @now FROM lifted
                RETURNING 1)
            SELECT (SELECT count(*) FROM audited)::int,
                   (SELECT reason FROM campaigns.suppressions WHERE company_id = @company AND phone = @phone)
            """);
        command.Parameters.Add(new NpgsqlParameter("company", NpgsqlDbType.Uuid) { Value = companyId });
        command.Parameters.Add(new NpgsqlParameter("phone", NpgsqlDbType.Text) { Value = phone });
        command.Parameters.Add(new NpgsqlParameter("liftable", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = SuppressionRules.LiftableByCompany });
        command.Parameters.Add(new NpgsqlParameter("note", NpgsqlDbType.Text) { Value = request.Reason.Trim() });
        command.Parameters.Add(new NpgsqlParameter("now", NpgsqlDbType.TimestampTz) { Value = clock.GetUtcNow() });
        command.Parameters.Add(new NpgsqlParameter("action", NpgsqlDbType.Text) { Value = SuppressionActions.Lifted });
        command.Parameters.Add(new NpgsqlParameter("source", NpgsqlDbType.Text) { Value = SuppressionActions.FromPage });
        actor.Bind(command);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        if (reader.GetInt32(0) == 1)
        {
            return true;
        }

        return reader.IsDBNull(1) ? false : throw new RequestValidationException(string.Empty, SuppressionRules.NotLiftable);
    }
}

/// <summary>Every entry of the company's list, streamed in number order, as the page shows them.</summary>
internal sealed record ExportSuppressions : IRequest<IAsyncEnumerable<SuppressionRow>>;

internal sealed class ExportSuppressionsHandler(CampaignsDataSource dataSource, ITenantContext tenant) : IRequestHandler<ExportSuppressions, IAsyncEnumerable<SuppressionRow>>
{
    public Task<IAsyncEnumerable<SuppressionRow>> Handle(ExportSuppressions request, CancellationToken cancellationToken) =>
        Task.FromResult(RowsAsync(tenant.RequireCompanyId(), cancellationToken));

    private async IAsyncEnumerable<SuppressionRow> RowsAsync(Guid companyId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = dataSource.Source.CreateCommand(
            $"SELECT {SuppressionRow.Columns} FROM campaigns.suppressions s WHERE s.company_id = @company ORDER BY s.company_id, s.phone");
        command.Parameters.Add(new NpgsqlParameter("company", NpgsqlDbType.Uuid) { Value = companyId });
        SuppressionRules.BindKnown(command);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return SuppressionRow.Read(reader);
        }
    }
}
