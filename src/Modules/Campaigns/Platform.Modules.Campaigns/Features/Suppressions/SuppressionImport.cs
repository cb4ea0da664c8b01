using System.ComponentModel.DataAnnotations;
using CsvHelper;
using MediatR;
using Microsoft.AspNetCore.Http;
using Npgsql;
using NpgsqlTypes;
using Platform.Modules.Campaigns.Features.Contacts;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Features.Suppressions;

/// <summary>A CSV file of numbers to suppress, taken at once (small enough to answer within the request).</summary>
internal sealed class ImportSuppressions : IRequest<SuppressionImportResult>
{
    /// <summary>A suppression file is a list of numbers: 100,000 of them fit in a few MB, and the upload is read in one go.</summary>
    public const int MaxRows = 100_000;

    public const long MaxBytes = 10L * 1024 * 1024;

    [Required(ErrorMessage = "Choose the CSV file to upload.")]
    [Display(Name = "CSV file")]
    public IFormFile? File { get; set; }

    [Required(ErrorMessage = "Choose the country of numbers written without a country code.")]
    [Display(Name = "Default country")]
    public string DefaultCountry { get; set; } = string.Empty;

    [Required(ErrorMessage = "Say why these numbers are suppressed, for example \"Unsubscribed from our old SMS provider\".")]
    [StringLength(SuppressionRules.MaxNoteLength, ErrorMessage = "A note can have at most 500 characters.")]
    [Display(Name = "Note for every number (a row's own note column wins)")]
    public string Note { get; set; } = string.Empty;
}

internal sealed class ImportSuppressionsValidator : IRequestValidator<ImportSuppressions>
{
    public IEnumerable<ValidationError> Validate(ImportSuppressions request)
    {
        if (request.File is { Length: 0 })
        {
            yield return new ValidationError(nameof(request.File), "The file is empty. Choose a CSV file with a header line and at least one row.");
        }
        else if (request.File is { } file && file.Length > ImportSuppressions.MaxBytes)
        {
            yield return new ValidationError(nameof(request.File), "The file is larger than 10 MB. Split it into smaller files (up to 100,000 numbers each).");
        }
    }
}

/// <summary>What an upload did: rows read, numbers added, already there (or repeated in the file), rows refused with why.</summary>
internal sealed record SuppressionImportResult(string FileName, int Rows, int Added, int AlreadySuppressed, int Repeated, int Rejected, IReadOnlyList<ImportErrorRow> Errors)
{
    /// <summary>The page lists this many refused rows; the counts say how many there were in all.</summary>
    public const int ErrorsShown = 500;
}

/// <summary>
/// Reads the whole file (≤ 10 MB) and checks it the way a contact import does — UTF-8 text, a "phone" column, at most
/// <see cref="ImportSuppressions.MaxRows"/> rows — so a file that cannot be used changes nothing and says why. The good
/// rows become suppressions, with their audit entries, in one INSERT … SELECT FROM unnest statement; refused rows are
/// reported by line.
/// </summary>
internal sealed class ImportSuppressionsHandler(CampaignsDataSource dataSource, ITenantContext tenant, SuppressionActor actor, TimeProvider clock)
    : IRequestHandler<ImportSuppressions, SuppressionImportResult>
{
    public async Task<SuppressionImportResult> Handle(ImportSuppressions request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        var country = request.DefaultCountry.Trim().ToUpperInvariant();
        if (!await IsListedAsync(country, cancellationToken))
        {
            throw new RequestValidationException(nameof(request.DefaultCountry), "Choose one of the countries in the list.");
        }

        var file = request.File!;
        var content = new byte[file.Length];
        await using (var upload = file.OpenReadStream())
        {
            await upload.ReadExactlyAsync(content, cancellationToken);
        }

        SuppressionFile parsed;
        try
        {
            parsed = SuppressionFile.Read(content, country, request.Note.Trim());
        }
        catch (UnusableFileException exception)
        {
            throw new RequestValidationException(nameof(request.File), exception.Message + " Nothing was added.");
        }

        await using var command = dataSource.Source.CreateCommand("""
            WITH rows AS (
                SELECT DISTINCT ON (phone) phone, note FROM unnest(@phones, @notes, @lines) AS r(phone, note, line) ORDER BY phone, line),
            added AS (
                INSERT INTO campaigns.suppressions (company_id, phone, reason, note, created_at)
                SELECT @company, phone, @reason, note, @now FROM rows ORDER BY phone
                ON CONFLICT (company_id, phone) DO NOTHING
                RETURNING phone, reason, note),
            audited AS (
                INSERT INTO campaigns.suppression_audit (company_id, phone, action, reason, note, source, actor_id, actor_name, at)
                SELECT @company, phone, @action, reason, note, @source, @actor, @actor_name, @now FROM added
                RETURNING 1)
            SELECT (SELECT count(*) FROM rows)::int, (SELECT count(*) FROM audited)::int
            """);
        command.Parameters.Add(new NpgsqlParameter("phones", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = parsed.Phones.ToArray() });
        command.Parameters.Add(new NpgsqlParameter("notes", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = parsed.Notes.ToArray() });
        command.Parameters.Add(new NpgsqlParameter("lines", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = parsed.Lines.ToArray() });
        command.Parameters.Add(new NpgsqlParameter("company", NpgsqlDbType.Uuid) { Value = companyId });
        command.Parameters.Add(new NpgsqlParameter("reason", NpgsqlDbType.Text) { Value = SuppressionReasons.Manual });
        command.Parameters.Add(new NpgsqlParameter("now", NpgsqlDbType.TimestampTz) { Value = clock.GetUtcNow() });
        command.Parameters.Add(new NpgsqlParameter("action", NpgsqlDbType.Text) { Value = SuppressionActions.Added });
        command.Parameters.Add(new NpgsqlParameter("source", NpgsqlDbType.Text) { Value = SuppressionActions.FromCsv });
        actor.Bind(command);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var (distinct, added) = (reader.GetInt32(0), reader.GetInt32(1));
        return new SuppressionImportResult(
            Path.GetFileName(file.FileName) is { Length: > 0 } name ? name[..Math.Min(name.Length, 200)] : "upload.csv",
            parsed.Rows, added, distinct - added, parsed.Phones.Count - distinct, parsed.Rejected, parsed.Errors);
    }

    /// <summary>Whether the country is one of those the import page offers (the countries of the calling codes the platform routes).</summary>
    private async Task<bool> IsListedAsync(string country, CancellationToken cancellationToken)
    {
        await using var command = dataSource.Source.CreateCommand("SELECT EXISTS (SELECT 1 FROM campaigns.calling_codes WHERE country = @country)");
        command.Parameters.Add(new NpgsqlParameter("country", NpgsqlDbType.Text) { Value = country });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}

/// <summary>The rows of a suppression CSV file: the good ones as columns for unnest, the refused ones with their line and why.</summary>
internal sealed class SuppressionFile
{
    public List<string> Phones { get; } = [];

    public List<string> Notes { get; } = [];

    public List<long> Lines { get; } = [];

    public List<ImportErrorRow> Errors { get; } = [];

    public int Rows { get; private set; }

    public int Rejected { get; private set; }

    /// <summary>Reads the file; throws <see cref="UnusableFileException"/> for one it cannot use at all (the contact import's checks, <see cref="CsvUpload"/>).</summary>
    public static SuppressionFile Read(byte[] content, string defaultCountry, string defaultNote)
    {
        var start = CsvUpload.TextStart(content.AsSpan(0, Math.Min(3, content.Length)));
        long malformedLine = 0;
        var options = CsvUpload.ReaderOptions(line => malformedLine = line);
        var file = new SuppressionFile();
        try
        {
            using var csv = CsvReader.Create(content.AsMemory(start), options);
            var header = CsvUpload.ReadHeader(csv, "phone (required) and note");
            var noteColumn = header.IndexOf("note");
            while (csv.Read())
            {
                if (++file.Rows > ImportSuppressions.MaxRows)
                {
                    throw new UnusableFileException($"The file has more than {ImportSuppressions.MaxRows:N0} rows. Split it into smaller files and upload each.");
                }

                CsvUpload.CheckText(csv);
                file.Take(csv, header.Phone, noteColumn, defaultCountry, defaultNote, malformedLine == csv.LineNumber);
            }
        }
        catch (CsvFormatException exception)
        {
            throw CsvUpload.NotCsv(file.Rows, exception);
        }

        return file.Rows == 0
            ? throw new UnusableFileException("The file has no rows under its header line. Add at least one number and upload it again.")
            : file;
    }

    private void Take(CsvReader csv, int phoneColumn, int noteColumn, string defaultCountry, string defaultNote, bool malformed)
    {
        var rawPhone = Field(csv, phoneColumn);
        var note = ContactRules.Clean(Field(csv, noteColumn));
        string? phone = null;
        // A number without its country code is read as dialled in the country chosen for the file (libphonenumber, ADR 17).
        var reason = malformed ? CsvUpload.UnclosedQuote
            : string.IsNullOrWhiteSpace(rawPhone) ? "No phone number"
            : (phone = PhoneNumbers.Parse(rawPhone, defaultCountry).E164) is null ? "Not a valid mobile number"
            : note?.Length > SuppressionRules.MaxNoteLength ? $"note is longer than {SuppressionRules.MaxNoteLength} characters"
            : null;
        if (reason is null)
        {
            Phones.Add(phone!);
            Notes.Add(note ?? defaultNote);
            Lines.Add(csv.LineNumber);
            return;
        }

        Rejected++;
        if (Errors.Count < SuppressionImportResult.ErrorsShown)
        {
            Errors.Add(new ImportErrorRow(csv.LineNumber, reason, CsvUpload.Truncate(rawPhone)));
        }
    }

    private static string? Field(CsvReader csv, int index) => index < 0 || index >= csv.FieldCount || csv.IsEmpty(index) ? null : csv.GetString(index);
}
