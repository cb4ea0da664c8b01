using CsvHelper;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Campaigns.Domain;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Features.Contacts;

/// <summary>
/// What a CSV column can fill (ContactImport.ColumnTargets): a contact's own column, one of the company's fields
/// (<c>field:key</c>), or nothing (empty: ignored). The one list the mapping page offers and the import job reads.
/// </summary>
internal static class ImportTargets
{
    public const string Ignore = "";
    public const string Phone = "phone";
    public const string FirstName = "first_name";
    public const string LastName = "last_name";
    public const string TimeZone = "time_zone";
    public const string Consent = "consent";
    public const string FieldPrefix = "field:";

    /// <summary>Offered on the mapping page: a new field of this kind, keyed after the column's header.</summary>
    public const string NewPrefix = "new:";

    public static readonly IReadOnlyList<(string Target, string Label)> Columns =
        [(Phone, "Phone (required)"), (FirstName, "First name"), (LastName, "Last name"), (TimeZone, "Time zone"), (Consent, "Consent (per row)")];

    /// <summary>The header names an import takes without asking (our own export's too, whose last column is ignored).</summary>
    public static readonly IReadOnlyList<string> TakenByName = [Phone, FirstName, LastName, TimeZone, Consent, "updated_at_utc"];

    public static string Field(string key) => FieldPrefix + key;

    public static string? FieldKey(string target) => target.StartsWith(FieldPrefix, StringComparison.Ordinal) ? target[FieldPrefix.Length..] : null;
}

/// <summary>An upload's header and first rows, as the mapping page shows them.</summary>
internal sealed record ImportSample(string[] Headers, string[] Names, IReadOnlyList<string?[]> Rows)
{
    public const int RowsShown = 5;

    /// <summary>True when a column is not one the import takes by its name: the user says what it fills before the import runs.</summary>
    public bool NeedsMapping => Names.Any(name => !ImportTargets.TakenByName.Contains(name));

    /// <summary>
    /// Reads the header and the first rows of the saved upload; null when the file cannot be read so far or has no
    /// phone column (the import job then refuses it with its usual message, and the list is unchanged).
    /// </summary>
    public static ImportSample? TryRead(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            Span<byte> head = stackalloc byte[3];
            file.Position = CsvUpload.TextStart(head[..file.Read(head)]);
            using var csv = CsvReader.Create(file, CsvUpload.ReaderOptions(_ => { }), true);
            var header = CsvUpload.ReadHeader(csv, "phone (required)");
            var headers = csv.Headers.Select(h => h.Trim()).ToArray();
            var rows = new List<string?[]>();
            while (rows.Count < RowsShown && csv.Read())
            {
                CsvUpload.CheckText(csv);
                rows.Add(Enumerable.Range(0, headers.Length).Select(i => i < csv.FieldCount ? CsvUpload.Truncate(csv.GetString(i)) : null).ToArray());
            }

            return new ImportSample(headers, header.Names, rows);
        }
        catch (Exception exception) when (exception is UnusableFileException or CsvFormatException or IOException)
        {
            return null;
        }
    }
}

/// <summary>An import waiting for its mapping, with its sample and the company's fields; null for another company's import or one not waiting.</summary>
internal sealed record GetImportMapping(Guid ImportId) : IRequest<ImportMappingView?>;

internal sealed record ImportMappingView(ImportView Import, ImportSample Sample, IReadOnlyList<ContactField> Fields, IReadOnlyList<string> Proposed);

internal sealed class GetImportMappingHandler(CampaignsDbContext db, ITenantContext tenant, IMediator mediator, ImportFiles files) : IRequestHandler<GetImportMapping, ImportMappingView?>
{
    public async Task<ImportMappingView?> Handle(GetImportMapping request, CancellationToken cancellationToken)
    {
        if (await mediator.Send(new GetImport(request.ImportId), cancellationToken) is not { Status: ImportStatus.Mapping } import
            || ImportSample.TryRead(files.PathOf(import.Id)) is not { } sample)
        {
            return null;
        }

        var fields = await db.ContactFieldsOfAsync(tenant.RequireCompanyId(), cancellationToken);
        return new ImportMappingView(import, sample, fields, sample.Names.Select(name => Propose(name, fields, import.PerRowConsent)).ToList());
    }

    /// <summary>What a column fills unless the user says otherwise: its namesake, else a new text field keyed after it.</summary>
    private static string Propose(string name, IReadOnlyList<ContactField> fields, bool perRowConsent) =>
        name == ImportTargets.Consent && !perRowConsent ? ImportTargets.Ignore
        : ImportTargets.TakenByName.Contains(name) && ImportTargets.Columns.All(c => c.Target != name) ? ImportTargets.Ignore // our export's updated_at_utc
        : ImportTargets.Columns.Any(c => c.Target == name) ? name
        : fields.Any(f => f.Key == name) ? ImportTargets.Field(name)
        : ContactFieldRules.KeyFrom(name) is not null ? ImportTargets.NewPrefix + ContactFieldKinds.Text
        : ImportTargets.Ignore;
}

/// <summary>
/// The user's mapping of an upload's columns: new fields are made, the mapping is kept on the import and its job is
/// enqueued (the job applies it in the same set-based import). Every mistake is said at once and nothing changes.
/// </summary>
internal sealed record MapImport(Guid ImportId, IReadOnlyList<string> Targets) : IRequest<bool>;

internal sealed class MapImportHandler(CampaignsDbContext db, ITenantContext tenant, ImportFiles files, ImportJobs importJobs, TimeProvider clock) : IRequestHandler<MapImport, bool>
{
    public async Task<bool> Handle(MapImport request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        var import = await db.Imports.SingleOrDefaultAsync(i => i.Id == request.ImportId && i.CompanyId == companyId && i.Status == ImportStatus.Mapping, cancellationToken);
        if (import is null || ImportSample.TryRead(files.PathOf(import.Id)) is not { } sample)
        {
            return false;
        }

        var fields = await db.ContactFieldsOfAsync(companyId, cancellationToken);
        var targets = new string[sample.Headers.Length];
        var problems = new List<ValidationError>();
        var newFields = new List<ContactField>();
        for (var i = 0; i < targets.Length; i++)
        {
            var target = i < request.Targets.Count ? request.Targets[i] ?? ImportTargets.Ignore : ImportTargets.Ignore;
            var column = $"Column {i + 1} \"{sample.Headers[i]}\"";
            if (target.StartsWith(ImportTargets.NewPrefix, StringComparison.Ordinal))
            {
                var kind = target[ImportTargets.NewPrefix.Length..];
                var key = ContactFieldRules.KeyFrom(sample.Headers[i]);
                if (key is null || !ContactFieldKinds.All.Contains(kind) || kind == ContactFieldKinds.Choice)
                {
                    problems.Add(new ValidationError(string.Empty, $"{column}: no field can be named after it. Add the field under Contact fields, then map the column to it."));
                    continue;
                }

                if (fields.Any(f => f.Key == key) || newFields.Any(f => f.Key == key))
                {
                    problems.Add(new ValidationError(string.Empty, $"{column}: you already have a field {{{key}}}. Map the column to it instead."));
                    continue;
                }

                var now = clock.GetUtcNow();
                newFields.Add(new ContactField { Id = Guid.CreateVersion7(now), CompanyId = companyId, Key = key, Label = sample.Headers[i].Trim(), Kind = kind, CreatedAt = now });
                target = ImportTargets.Field(key);
            }
            else if (target != ImportTargets.Ignore && !ImportTargets.Columns.Any(c => c.Target == target)
                     && !(ImportTargets.FieldKey(target) is { } key && fields.Any(f => f.Key == key)))
            {
                problems.Add(new ValidationError(string.Empty, $"{column}: choose what it fills from the list."));
                continue;
            }

            targets[i] = target;
        }

        foreach (var repeated in targets.Where(t => !string.IsNullOrEmpty(t)).GroupBy(t => t).Where(g => g.Count() > 1))
        {
            problems.Add(new ValidationError(string.Empty, $"Only one column can fill {Describe(repeated.Key)}; set the others to Ignore."));
        }

        if (!targets.Contains(ImportTargets.Phone))
        {
            problems.Add(new ValidationError(string.Empty, "Choose the column that holds the phone numbers."));
        }

        if (import.PerRowConsent && !targets.Contains(ImportTargets.Consent))
        {
            problems.Add(new ValidationError(string.Empty, "You chose a consent for each row: choose the column that holds it."));
        }

        if (fields.Count + newFields.Count > ContactFieldRules.MaxFieldsPerCompany)
        {
            problems.Add(new ValidationError(string.Empty, $"A company can have at most {ContactFieldRules.MaxFieldsPerCompany} contact fields; map some columns to Ignore or to fields you have."));
        }

        if (problems.Count > 0)
        {
            throw new RequestValidationException(problems);
        }

        db.ContactFields.AddRange(newFields);
        import.ColumnTargets = targets.Select(t => t ?? ImportTargets.Ignore).ToArray();
        import.Status = ImportStatus.Queued;
        // The fields and the mapping in one transaction; a lost enqueue is found again by the maintenance job (status Queued).
        await db.SaveChangesAsync(cancellationToken);
        await importJobs.EnqueueAsync(import.Id, cancellationToken);
        return true;
    }

    private static string Describe(string target) =>
        ImportTargets.FieldKey(target) is { } key ? $"{{{key}}}" : ImportTargets.Columns.First(c => c.Target == target).Label.ToLowerInvariant();
}

/// <summary>Drops an import still waiting for its mapping (and its file): nothing was imported.</summary>
internal sealed record CancelImport(Guid ImportId) : IRequest<bool>;

internal sealed class CancelImportHandler(CampaignsDbContext db, ITenantContext tenant, ImportFiles files, TimeProvider clock) : IRequestHandler<CancelImport, bool>
{
    public async Task<bool> Handle(CancelImport request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        var changed = await db.Imports.Where(i => i.Id == request.ImportId && i.CompanyId == companyId && i.Status == ImportStatus.Mapping)
            .ExecuteUpdateAsync(u => u
                .SetProperty(i => i.Status, ImportStatus.Failed)
                .SetProperty(i => i.Error, "Cancelled before the columns were mapped; the list was not changed.")
                .SetProperty(i => i.FinishedAt, clock.GetUtcNow()), cancellationToken);
        if (changed == 1)
        {
            files.Delete(request.ImportId);
        }

        return changed == 1;
    }
}
