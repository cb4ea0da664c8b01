using System.ComponentModel.DataAnnotations;
using MediatR;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Campaigns.Domain;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Features.Contacts;

internal static class ImportStatus
{
    /// <summary>Uploaded with columns the import does not take by name: waits for the user's mapping (no job yet).</summary>
    public const string Mapping = "Mapping";
    public const string Queued = "Queued";
    public const string Reading = "Reading";
    public const string Merging = "Merging";
    public const string Completed = "Completed";
    public const string Failed = "Failed";

    public static bool IsFinished(string status) => status is Completed or Failed;
}

/// <summary>An upload of a CSV file into a list. The page binds this class; the answer is the import's id, or null for an unknown list.</summary>
internal sealed class StartImport : IRequest<Guid?>
{
    public Guid ListId { get; set; }

    [Required(ErrorMessage = "Choose the CSV file to import.")]
    [Display(Name = "CSV file")]
    public IFormFile? File { get; set; }

    [Required(ErrorMessage = "Choose the country of numbers written without a country code.")]
    [Display(Name = "Default country")]
    public string DefaultCountry { get; set; } = string.Empty;

    [Required(ErrorMessage = "Say how the people in this file gave consent to receive your messages.")]
    [StringLength(1000, MinimumLength = 10, ErrorMessage = "Describe how consent was obtained in 10 to 1000 characters, for example \"Customers ticked the SMS box at checkout on our web shop\".")]
    [Display(Name = "How consent was obtained")]
    public string ConsentAttestation { get; set; } = string.Empty;

    /// <summary>Each row gives its own consent in a <c>consent</c> column (a row without one is refused).</summary>
    [Display(Name = "Each row has its own consent column")]
    public bool PerRowConsent { get; set; }

    [Range(typeof(bool), "true", "true", ErrorMessage = "Confirm that everyone in the file agreed to receive your messages.")]
    [Display(Name = "I confirm everyone in this file agreed to receive SMS from us, as described above")]
    public bool Confirmed { get; set; }
}

internal sealed class StartImportValidator : IRequestValidator<StartImport>
{
    public IEnumerable<ValidationError> Validate(StartImport request)
    {
        if (request.File is { Length: 0 })
        {
            yield return new ValidationError(nameof(request.File), "The file is empty. Choose a CSV file with a header line and at least one row.");
        }
        else if (request.File is { } file && file.Length > ContactsOptions.MaxUploadBytes)
        {
            yield return new ValidationError(nameof(request.File), "The file is larger than 256 MB. Split it into smaller files.");
        }
    }
}

internal sealed class StartImportHandler(
    CampaignsDbContext db,
    ITenantContext tenant,
    ImportFiles files,
    ImportJobs importJobs,
    TimeProvider clock) : IRequestHandler<StartImport, Guid?>
{
    public async Task<Guid?> Handle(StartImport request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        if (!await db.ContactLists.AnyAsync(l => l.Id == request.ListId && l.CompanyId == companyId, cancellationToken))
        {
            return null;
        }

        var country = request.DefaultCountry.Trim().ToUpperInvariant();
        if (!await db.CallingCodes.AnyAsync(c => c.Country == country, cancellationToken))
        {
            throw new RequestValidationException(nameof(request.DefaultCountry), "Choose one of the countries in the list.");
        }

        var id = Guid.CreateVersion7();
        int lines;
        await using (var upload = request.File!.OpenReadStream())
        {
            lines = await files.SaveAsync(id, upload, cancellationToken);
        }

        // A column the import does not know by name waits for the user to say what it fills (the mapping page).
        var mapping = ImportSample.TryRead(files.PathOf(id)) is { NeedsMapping: true };
        db.Imports.Add(new ContactImport
        {
            Id = id,
            CompanyId = companyId,
            ListId = request.ListId,
            FileName = Path.GetFileName(request.File.FileName) is { Length: > 0 } name ? name[..Math.Min(name.Length, 200)] : "upload.csv",
            DefaultCountry = country,
            ConsentAttestation = request.ConsentAttestation.Trim(),
            PerRowConsent = request.PerRowConsent,
            Status = mapping ? ImportStatus.Mapping : ImportStatus.Queued,
            RowsExpected = Math.Max(0, lines - 1),
            CreatedBy = tenant.UserId,
            CreatedAt = clock.GetUtcNow(),
        });
        await db.SaveChangesAsync(cancellationToken);

        if (!mapping)
        {
            await importJobs.EnqueueAsync(id, cancellationToken);
        }

        return id;
    }
}

internal sealed record ImportView(
    Guid Id,
    Guid ListId,
    string ListName,
    string FileName,
    string DefaultCountry,
    string ConsentAttestation,
    bool PerRowConsent,
    string Status,
    int RowsExpected,
    int RowsRead,
    int Imported,
    int Merged,
    int Rejected,
    string? Error,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt)
{
    public bool Finished => ImportStatus.IsFinished(Status);

    /// <summary>What the progress bar shows: rows read of the lines counted at upload, 100 only when it has finished.</summary>
    public int Percent => Finished ? 100
        : Status == ImportStatus.Merging ? 99
        : RowsExpected == 0 ? 0
        : (int)Math.Min(98, RowsRead * 100L / RowsExpected);
}

/// <summary>One of the company's imports, or null.</summary>
internal sealed record GetImport(Guid Id) : IRequest<ImportView?>;

/// <summary>The latest imports into one of the company's lists.</summary>
internal sealed record ListImports(Guid ListId, int Take = 10) : IRequest<IReadOnlyList<ImportView>>;

internal sealed class ImportQueriesHandler(CampaignsDbContext db, ITenantContext tenant)
    : IRequestHandler<GetImport, ImportView?>, IRequestHandler<ListImports, IReadOnlyList<ImportView>>
{
    public async Task<ImportView?> Handle(GetImport request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        return await Views(db.Imports.Where(i => i.Id == request.Id && i.CompanyId == companyId)).SingleOrDefaultAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<ImportView>> Handle(ListImports request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        return await Views(db.Imports.Where(i => i.ListId == request.ListId && i.CompanyId == companyId).OrderByDescending(i => i.CreatedAt).Take(request.Take))
            .ToListAsync(cancellationToken);
    }

    private IQueryable<ImportView> Views(IQueryable<ContactImport> imports) =>
        from i in imports.AsNoTracking()
        join l in db.ContactLists on i.ListId equals l.Id
        select new ImportView(i.Id, i.ListId, l.Name, i.FileName, i.DefaultCountry, i.ConsentAttestation, i.PerRowConsent, i.Status,
            i.RowsExpected, i.RowsRead, i.Imported, i.Merged, i.Rejected, i.Error, i.CreatedAt, i.FinishedAt);
}

internal sealed record ImportErrorRow(long Line, string Reason, string? Value);

internal sealed record ImportErrorReport(string FileName, IAsyncEnumerable<ImportErrorRow> Rows);

/// <summary>The rows an import did not take, by line, streamed; null for another company's import.</summary>
internal sealed record ExportImportErrors(Guid ImportId) : IRequest<ImportErrorReport?>;

internal sealed class ExportImportErrorsHandler(CampaignsDbContext db, ITenantContext tenant) : IRequestHandler<ExportImportErrors, ImportErrorReport?>
{
    public async Task<ImportErrorReport?> Handle(ExportImportErrors request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        var fileName = await db.Imports.Where(i => i.Id == request.ImportId && i.CompanyId == companyId).Select(i => i.FileName).SingleOrDefaultAsync(cancellationToken);
        if (fileName is null)
        {
            return null;
        }

        var rows = db.ImportErrors.AsNoTracking()
            .Where(e => e.ImportId == request.ImportId)
            .OrderBy(e => e.Line)
            .Select(e => new ImportErrorRow(e.Line, e.Reason, e.Value))
            .AsAsyncEnumerable();
        return new ImportErrorReport(fileName, rows);
    }
}

/// <summary>A list's export: its contacts and the company's field keys, one column each after the contact's own (so the file imports again, mapped to the same fields).</summary>
internal sealed record ContactListExport(string Name, IAsyncEnumerable<ContactRow> Rows, IReadOnlyList<string> FieldKeys);

/// <summary>All of a list's contacts, streamed in id order; null for another company's list.</summary>
internal sealed record ExportContactList(Guid ListId) : IRequest<ContactListExport?>;

internal sealed class ExportContactListHandler(CampaignsDbContext db, ITenantContext tenant) : IRequestHandler<ExportContactList, ContactListExport?>
{
    public async Task<ContactListExport?> Handle(ExportContactList request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        var name = await db.ContactLists.Where(l => l.Id == request.ListId && l.CompanyId == companyId).Select(l => l.Name).SingleOrDefaultAsync(cancellationToken);
        if (name is null)
        {
            return null;
        }

        var rows = db.Contacts.AsNoTracking()
            .Where(c => c.ListId == request.ListId && c.CompanyId == companyId)
            .OrderBy(c => c.Id)
            .Select(c => new ContactRow(c.Id, c.Phone, c.FirstName, c.LastName, c.TimeZone, c.ConsentSource, c.UpdatedAt, c.Fields))
            .AsAsyncEnumerable();
        return new ContactListExport(name, rows, await db.ContactFieldKeysAsync(companyId, cancellationToken));
    }
}

/// <summary>The countries a default country can be (those the platform knows the calling code of).</summary>
internal sealed record ListCountries : IRequest<IReadOnlyList<string>>;

internal sealed class ListCountriesHandler(CampaignsDbContext db) : IRequestHandler<ListCountries, IReadOnlyList<string>>
{
    public async Task<IReadOnlyList<string>> Handle(ListCountries request, CancellationToken cancellationToken) =>
        await db.CallingCodes.AsNoTracking().Select(c => c.Country).Distinct().OrderBy(c => c).ToListAsync(cancellationToken);
}
