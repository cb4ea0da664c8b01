using Microsoft.AspNetCore.Http;
using Npgsql;
using NpgsqlTypes;
using Platform.Modules.Privacy.Contracts;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Features.Suppressions;

/// <summary>
/// One change to a company's suppression list made by its team, or to the platform block list made by an admin
/// (<see cref="CompanyId"/> null). Written by the same statement as the change, so a change without its entry cannot exist.
/// </summary>
internal sealed class SuppressionAuditEntry
{
    public long Id { get; set; }

    public Guid? CompanyId { get; set; }

    [PersonalData(PersonalDataCategory.Contact, "Showing who added or lifted a suppression of the number, and why",
        "As long as the company exists; replaced by \"erased\" when the person erases their data")]
    public required string Phone { get; set; }

    public required string Action { get; set; }

    public required string Reason { get; set; }

    public string? Note { get; set; }

    public required string Source { get; set; }

    public Guid? ActorId { get; set; }

    [PersonalData(PersonalDataCategory.Account, "Showing a company's team who changed its suppression list", "As long as the entry; removed when the user erases their account",
        Person = PersonKind.BusinessUser, SeenBy = "Your company's team (and, for the platform block list, platform admins)")]
    public string? ActorName { get; set; }

    public DateTimeOffset At { get; set; }
}

/// <summary>What an audit entry records.</summary>
internal static class SuppressionActions
{
    public const string Added = "added";
    public const string Lifted = "lifted";
    public const string Blocked = "blocked";
    public const string Unblocked = "unblocked";

    /// <summary>Where the change was made.</summary>
    public const string FromPage = "page";
    public const string FromCsv = "csv";
    public const string FromAdmin = "admin";

    /// <summary>The reason code of a block-list entry (the block list has no reason codes of its own).</summary>
    public const string BlockReason = "blocked";

    /// <summary>What an erased person's number becomes in the audit.</summary>
    public const string ErasedPhone = "erased";

    public static string Describe(string action, string source) => (action, source) switch
    {
        (Added, FromCsv) => "Added (CSV upload)",
        (Added, _) => "Added by hand",
        (Lifted, _) => "Lifted",
        (Blocked, _) => "Blocked",
        (Unblocked, _) => "Unblocked",
        _ => action,
    };
}

/// <summary>Who is making a change: the signed-in user's id and name (their email), as the audit records them.</summary>
internal sealed class SuppressionActor(ITenantContext tenant, IHttpContextAccessor accessor)
{
    public Guid? Id => tenant.UserId;

    public string? Name => accessor.HttpContext?.User.Identity?.Name is { Length: > 0 } name ? name[..Math.Min(name.Length, 256)] : null;

    /// <summary>Adds @actor and @actor_name to a statement that writes an audit entry.</summary>
    public void Bind(NpgsqlCommand command)
    {
        command.Parameters.Add(new NpgsqlParameter("actor", NpgsqlDbType.Uuid) { Value = (object?)Id ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("actor_name", NpgsqlDbType.Text) { Value = (object?)Name ?? DBNull.Value });
    }
}

/// <summary>
/// The audit's personal data: the number a change was about (the person's) and the name of who made it (a business
/// user's). Export lists both; erasure keeps the entry (a company must still be able to account for its list) without the
/// number, or without the user's name.
/// </summary>
internal sealed class SuppressionAuditPersonalData(CampaignsDataSource dataSource) : IPersonalDataContributor
{
    public string Module => CampaignsModule.Name + " (suppression history)";

    public async Task<object?> ExportAsync(DataSubject subject, CancellationToken ct)
    {
        var entries = new List<object>();
        await using var command = dataSource.Source.CreateCommand("""
            SELECT company_id, phone, action, reason, note, source, at, actor_id = @id AS by_me FROM campaigns.suppression_audit
            WHERE (@phone IS NOT NULL AND phone = @phone) OR actor_id = @id
            ORDER BY id LIMIT 10000
            """);
        command.Parameters.Add(new NpgsqlParameter("phone", NpgsqlDbType.Text) { Value = (object?)subject.Phone ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("id", NpgsqlDbType.Uuid) { Value = subject.Id });
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            entries.Add(new
            {
                companyId = reader.IsDBNull(0) ? (Guid?)null : reader.GetGuid(0),
                phone = reader.GetString(1),
                action = reader.GetString(2),
                reason = reader.GetString(3),
                note = reader.IsDBNull(4) ? null : reader.GetString(4),
                source = reader.GetString(5),
                at = reader.GetFieldValue<DateTimeOffset>(6),
                madeByYou = reader.GetBoolean(7),
            });
        }

        return entries.Count == 0 ? null : new { suppressionHistory = entries };
    }

    public async Task<ErasureOutcome> EraseAsync(DataSubject subject, CancellationToken ct)
    {
        await using var command = dataSource.Source.CreateCommand("""
            WITH numbers AS (
                UPDATE campaigns.suppression_audit SET phone = @erased WHERE @phone IS NOT NULL AND phone = @phone RETURNING 1),
            names AS (
                UPDATE campaigns.suppression_audit SET actor_name = NULL WHERE actor_id = @id AND actor_name IS NOT NULL RETURNING 1)
            SELECT (SELECT count(*) FROM numbers)::int, (SELECT count(*) FROM names)::int
            """);
        command.Parameters.Add(new NpgsqlParameter("erased", NpgsqlDbType.Text) { Value = SuppressionActions.ErasedPhone });
        command.Parameters.Add(new NpgsqlParameter("phone", NpgsqlDbType.Text) { Value = (object?)subject.Phone ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("id", NpgsqlDbType.Uuid) { Value = subject.Id });
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var (numbers, names) = (reader.GetInt32(0), reader.GetInt32(1));
        var kept = new List<string>();
        if (numbers > 0)
        {
            kept.Add($"The history of {numbers} change{(numbers == 1 ? "" : "s")} to suppression lists that concerned your number stays without your number: it is how a company accounts for whom it stopped messaging.");
        }

        if (names > 0)
        {
            kept.Add($"{names} change{(names == 1 ? "" : "s")} you made to your company's suppression list stay in its history without your name.");
        }

        return new ErasureOutcome(Module, numbers + names, kept);
    }
}
