using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using CsvHelper;
using Hangfire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Platform.Modules.Shared;
using Platform.Modules.Shared.Jobs;

namespace Platform.Modules.Campaigns.Features.Contacts;

/// <summary>A file the import cannot use at all: the import fails with this message and the list is unchanged.</summary>
internal sealed class UnusableFileException(string message) : Exception(message);

/// <summary>
/// Imports one uploaded CSV file into its list, in one transaction: the rows are parsed as a stream (CsvHelper),
/// written with binary COPY into a temporary staging table, and then merged with one INSERT … SELECT … ON CONFLICT.
/// Rows that cannot be taken become <c>import_errors</c>; a file that cannot be used fails the import and changes
/// nothing. Reentrant: a re-run after a crash starts again from the file (the crashed run's transaction rolled back),
/// and a finished import is not run again.
/// </summary>
internal sealed class ImportContactsJob(
    CampaignsDataSource data,
    ImportFiles files,
    IOptions<ContactsOptions> options,
    TimeProvider clock,
    ILogger<ImportContactsJob> logger)
{
    /// <summary>
    /// Runs under an advisory lock on the import's id, so a second job for the same import (the maintenance job enqueues
    /// one when it thinks the first was lost) waits for nothing and changes nothing. A refused file is the user's
    /// outcome, not the job's failure: the run succeeds and its result on the dashboard says why the file was refused.
    /// </summary>
    [DisplayName("Import contacts {0}")]
    [AutomaticRetry(Attempts = 0)]
    public async Task<string> RunAsync(Guid importId, CancellationToken cancellationToken)
    {
        await using var guard = await data.Source.OpenConnectionAsync(cancellationToken);
        return await AdvisoryLocks.TryRunAsync(guard, ImportJobs.LockKey(importId), () => ImportOnceAsync(importId, cancellationToken), cancellationToken)
               ?? "Another run is importing this file";
    }

    private async Task<string> ImportOnceAsync(Guid importId, CancellationToken cancellationToken)
    {
        var import = await LoadAsync(importId, cancellationToken);
        if (import is null || ImportStatus.IsFinished(import.Status))
        {
            files.Delete(importId);
            return "Nothing to do";
        }

        var stopwatch = Stopwatch.StartNew();
        var reader = new RowReader(options.Value, import, rows => SetProgress(importId, ImportStatus.Reading, rows));
        try
        {
            await SetProgressAsync(importId, ImportStatus.Reading, 0, cancellationToken);
            var counts = await ImportAsync(import, reader, cancellationToken);
            logger.LogInformation("Import {Import}: {Rows} rows in {Elapsed} ms, {Imported} new, {Merged} merged, {Rejected} rejected",
                importId, counts.Rows, stopwatch.ElapsedMilliseconds, counts.Imported, counts.Merged, counts.Rejected);
            return $"{counts.Rows} rows: {counts.Imported} new, {counts.Merged} merged, {counts.Rejected} rejected";
        }
        catch (UnusableFileException exception)
        {
            await FailAsync(importId, exception.Message, reader.Rows);
            return "Refused the file: " + exception.Message;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogError(exception, "Import {Import} failed", importId);
            await FailAsync(importId, "The import stopped because of an error on our side; your list was not changed. Upload the file again.", reader.Rows);
            throw; // our failure, not the file's: the run ends Failed on the dashboard with the exception
        }
        finally
        {
            files.Delete(importId);
        }
    }

    private sealed record Counts(int Rows, int Imported, int Merged, int Rejected);

    private async Task<Counts> ImportAsync(ImportJobData import, RowReader reader, CancellationToken cancellationToken)
    {
        var path = files.PathOf(import.Id);
        if (!File.Exists(path))
        {
            throw new UnusableFileException("The uploaded file is no longer available. Upload it again.");
        }

        await using var connection = await data.Source.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync("""
            CREATE TEMP TABLE import_stage (
                line bigint NOT NULL, phone text, first_name text, last_name text, time_zone text, consent text, fields jsonb, reason text, value text
            ) ON COMMIT DROP
            """, cancellationToken);
        if (import.ColumnTargets is not null)
        {
            reader.Fields = await FieldsAsync(connection, import.CompanyId, cancellationToken);
        }

        await using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.SequentialScan))
        using (var copy = connection.BeginBinaryImport(
                   "COPY import_stage (line, phone, first_name, last_name, time_zone, consent, fields, reason, value) FROM STDIN (FORMAT BINARY)"))
        {
            // Synchronous on purpose: the job has its own thread, and per-field awaits would cost more than the I/O.
            reader.Read(file, copy, cancellationToken);
            copy.Complete();
        }

        if (reader.Rows == 0)
        {
            throw new UnusableFileException("The file has no rows under its header line. Add at least one contact and upload it again.");
        }

        await SetProgressAsync(import.Id, ImportStatus.Merging, reader.Rows, cancellationToken);
        var now = clock.GetUtcNow();
        var rejected = await connection.ExecuteAsync("""
            INSERT INTO campaigns.import_errors (import_id, line, reason, value)
            SELECT @import, line, reason, value FROM import_stage WHERE reason IS NOT NULL
            """, cancellationToken, ("import", import.Id));
        var duplicates = await connection.ExecuteAsync("""
            INSERT INTO campaigns.import_errors (import_id, line, reason, value)
            SELECT @import, line, 'Duplicate of line ' || first_line || ' (same number): merged into it', phone
            FROM (SELECT line, phone, min(line) OVER (PARTITION BY phone) AS first_line FROM import_stage WHERE reason IS NULL) s
            WHERE line <> first_line
            """, cancellationToken, ("import", import.Id));

        int inserted, updated;
        await using (var upsert = new NpgsqlCommand("""
            WITH up AS (
                INSERT INTO campaigns.contacts AS c
                    (company_id, list_id, phone, first_name, last_name, time_zone, fields, consent_source, import_id, created_at, updated_at)
                SELECT DISTINCT ON (phone) @company, @list, phone, first_name, last_name, time_zone, fields, coalesce(consent, @attestation), @import, @now, @now
                FROM import_stage WHERE reason IS NULL
                ORDER BY phone, line
                ON CONFLICT (list_id, phone) DO UPDATE SET
                    first_name = coalesce(excluded.first_name, c.first_name),
                    last_name = coalesce(excluded.last_name, c.last_name),
                    time_zone = coalesce(excluded.time_zone, c.time_zone),
                    -- The file's fields replace those values only; the contact's other fields stay.
                    fields = CASE WHEN excluded.fields IS NULL THEN c.fields ELSE coalesce(c.fields, '{}'::jsonb) || excluded.fields END,
                    consent_source = excluded.consent_source,
                    import_id = excluded.import_id,
                    updated_at = excluded.updated_at
                RETURNING (xmax = 0) AS inserted)
            SELECT count(*) FILTER (WHERE inserted)::int, count(*) FILTER (WHERE NOT inserted)::int FROM up
            """, connection, transaction))
        {
            upsert.Parameters.AddWithValue("company", import.CompanyId);
            upsert.Parameters.AddWithValue("list", import.ListId);
            upsert.Parameters.AddWithValue("attestation", import.ConsentAttestation);
            upsert.Parameters.AddWithValue("import", import.Id);
            upsert.Parameters.AddWithValue("now", now);
            await using var result = await upsert.ExecuteReaderAsync(cancellationToken);
            await result.ReadAsync(cancellationToken);
            (inserted, updated) = (result.GetInt32(0), result.GetInt32(1));
        }

        await connection.ExecuteAsync("UPDATE campaigns.contact_lists SET contact_count = contact_count + @n WHERE id = @list", cancellationToken,
            ("n", inserted), ("list", import.ListId));
        var counts = new Counts(reader.Rows, inserted, updated + duplicates, rejected);
        await connection.ExecuteAsync("""
            UPDATE campaigns.imports SET status = @status, rows_read = @rows, imported = @imported, merged = @merged, rejected = @rejected,
                error = NULL, finished_at = @now
            WHERE id = @import
            """, cancellationToken,
            ("status", ImportStatus.Completed), ("rows", counts.Rows), ("imported", counts.Imported), ("merged", counts.Merged),
            ("rejected", counts.Rejected), ("now", clock.GetUtcNow()), ("import", import.Id));
        await transaction.CommitAsync(cancellationToken);
        return counts;
    }

    private async Task<ImportJobData?> LoadAsync(Guid importId, CancellationToken cancellationToken)
    {
        await using var command = data.Source.CreateCommand("""
            SELECT i.company_id, i.list_id, i.status, i.consent_attestation, i.per_row_consent, i.default_country, i.column_targets
            FROM campaigns.imports i WHERE i.id = @id
            """);
        command.Parameters.AddWithValue("id", importId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new ImportJobData(importId, reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), reader.GetBoolean(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetFieldValue<string[]>(6))
            : null;
    }

    /// <summary>The company's field definitions, read once per import (each row's values are checked against them in memory).</summary>
    private static async Task<IReadOnlyDictionary<string, Domain.ContactField>> FieldsAsync(NpgsqlConnection connection, Guid companyId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT key, label, kind, choices FROM campaigns.contact_fields WHERE company_id = @company", connection);
        command.Parameters.AddWithValue("company", companyId);
        var fields = new Dictionary<string, Domain.ContactField>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            fields[reader.GetString(0)] = new Domain.ContactField { CompanyId = companyId, Key = reader.GetString(0), Label = reader.GetString(1), Kind = reader.GetString(2), Choices = reader.GetFieldValue<string[]>(3) };
        }

        return fields;
    }

    /// <summary>A short statement of its own (not the import's transaction), so the page sees it at once.</summary>
    private void SetProgress(Guid importId, string status, int rows)
    {
        using var command = ProgressCommand(importId, status, rows);
        command.ExecuteNonQuery();
    }

    private async Task SetProgressAsync(Guid importId, string status, int rows, CancellationToken cancellationToken)
    {
        await using var command = ProgressCommand(importId, status, rows);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private NpgsqlCommand ProgressCommand(Guid importId, string status, int rows)
    {
        var command = data.Source.CreateCommand($"UPDATE campaigns.imports SET status = @status, rows_read = @rows WHERE id = @id AND status NOT IN ({Sql.Literal(ImportStatus.Completed)}, {Sql.Literal(ImportStatus.Failed)})");
        command.Parameters.AddWithValue("status", status);
        command.Parameters.AddWithValue("rows", rows);
        command.Parameters.AddWithValue("id", importId);
        return command;
    }

    private async Task FailAsync(Guid importId, string error, int rows)
    {
        await using var command = data.Source.CreateCommand($"""
            UPDATE campaigns.imports SET status = {Sql.Literal(ImportStatus.Failed)}, error = @error, rows_read = @rows, imported = 0, merged = 0, rejected = 0, finished_at = @now
            WHERE id = @id
            """);
        command.Parameters.AddWithValue("error", error);
        command.Parameters.AddWithValue("rows", rows);
        command.Parameters.AddWithValue("now", clock.GetUtcNow());
        command.Parameters.AddWithValue("id", importId);
        await command.ExecuteNonQueryAsync(CancellationToken.None);
    }
}

internal sealed record ImportJobData(Guid Id, Guid CompanyId, Guid ListId, string Status, string ConsentAttestation, bool PerRowConsent, string? DefaultCountry, string[]? ColumnTargets = null);

/// <summary>
/// Reads the CSV file as a stream and writes one staging row per data row: either the cleaned contact, or the
/// reason it cannot be taken. Throws <see cref="UnusableFileException"/> for a file it cannot use at all.
/// </summary>
internal sealed class RowReader(ContactsOptions options, ImportJobData import, Action<int> progress)
{
    private readonly ContactsOptions options = options;

    private readonly Dictionary<string, bool> timeZones = new(StringComparer.Ordinal);

    public int Rows { get; private set; }

    /// <summary>The company's fields by key, when the user mapped columns to them (ContactImport.ColumnTargets).</summary>
    public IReadOnlyDictionary<string, Domain.ContactField> Fields { get; set; } = new Dictionary<string, Domain.ContactField>();

    public void Read(FileStream file, NpgsqlBinaryImporter copy, CancellationToken cancellationToken)
    {
        Span<byte> head = stackalloc byte[3];
        file.Position = CsvUpload.TextStart(head[..file.Read(head)]);
        long malformedLine = 0;
        var options = CsvUpload.ReaderOptions(line => malformedLine = line);
        try
        {
            using var csv = CsvReader.Create(file, options, true);
            var columns = ReadHeader(csv);
            while (csv.Read())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (++Rows > this.options.MaxRows)
                {
                    throw new UnusableFileException($"The file has more than {this.options.MaxRows:N0} rows. Split it into smaller files and import each.");
                }

                CsvUpload.CheckText(csv);
                WriteRow(copy, csv.LineNumber, csv, columns, malformedLine == csv.LineNumber);
                if (Rows % this.options.ProgressEvery == 0)
                {
                    progress(Rows);
                }
            }
        }
        catch (CsvFormatException exception)
        {
            throw CsvUpload.NotCsv(Rows, exception);
        }
    }

    private sealed record Columns(int Phone, int FirstName, int LastName, int TimeZone, int Consent, IReadOnlyList<(int Index, Domain.ContactField Field)> Fields);

    private Columns ReadHeader(CsvReader csv)
    {
        var names = "phone (required), first_name, last_name, time_zone" + (import.PerRowConsent ? ", consent" : string.Empty);
        if (import.ColumnTargets is { } targets)
        {
            // The user said what each column fills (the mapping page): by position, whatever the headers say.
            CsvUpload.ReadHeader(csv, names, requirePhone: false);
            var fields = targets.Select((target, index) => (index, key: ImportTargets.FieldKey(target)))
                .Where(t => t.key is not null && Fields.ContainsKey(t.key))
                .Select(t => (t.index, Fields[t.key!])).ToList();
            return new Columns(Array.IndexOf(targets, ImportTargets.Phone), Array.IndexOf(targets, ImportTargets.FirstName), Array.IndexOf(targets, ImportTargets.LastName),
                Array.IndexOf(targets, ImportTargets.TimeZone), import.PerRowConsent ? Array.IndexOf(targets, ImportTargets.Consent) : -1, fields);
        }

        var header = CsvUpload.ReadHeader(csv, names);
        var consent = header.IndexOf("consent");
        if (import.PerRowConsent && consent < 0)
        {
            throw new UnusableFileException("You chose a consent column for each row, but the file has no \"consent\" column. Add it, or use one attestation for the whole file.");
        }

        return new Columns(header.Phone, header.IndexOf("first_name"), header.IndexOf("last_name"), header.IndexOf("time_zone"),
            import.PerRowConsent ? consent : -1, []);
    }

    private void WriteRow(NpgsqlBinaryImporter copy, long line, CsvReader csv, Columns columns, bool malformed)
    {
        var rawPhone = Field(csv, columns.Phone);
        var firstName = ContactRules.Clean(Field(csv, columns.FirstName));
        var lastName = ContactRules.Clean(Field(csv, columns.LastName));
        var timeZone = ContactRules.Clean(Field(csv, columns.TimeZone));
        var consent = ContactRules.Clean(Field(csv, columns.Consent));
        var (fields, fieldProblem) = FieldValues(csv, columns);
        string? phone = null;
        // A number without its country code is read as dialled in the country chosen for the file (libphonenumber, ADR 17).
        var reason = malformed ? CsvUpload.UnclosedQuote
            : string.IsNullOrWhiteSpace(rawPhone) ? "No phone number"
            : (phone = PhoneNumbers.Parse(rawPhone, import.DefaultCountry).E164) is null ? "Not a valid mobile number"
            : firstName?.Length > ContactRules.MaxNameLength ? $"first_name is longer than {ContactRules.MaxNameLength} characters"
            : lastName?.Length > ContactRules.MaxNameLength ? $"last_name is longer than {ContactRules.MaxNameLength} characters"
            : timeZone is not null && !KnownTimeZone(timeZone) ? $"Unknown time zone \"{Truncate(timeZone)}\": use an IANA name such as Europe/London"
            : columns.Consent >= 0 && consent is null ? "Missing consent: the consent column is empty"
            : consent?.Length > 500 ? "consent is longer than 500 characters"
            : fieldProblem;

        copy.StartRow();
        copy.Write(line, NpgsqlDbType.Bigint);
        if (reason is null)
        {
            Text(copy, phone);
            Text(copy, firstName);
            Text(copy, lastName);
            Text(copy, timeZone);
            Text(copy, consent);
            if (fields is null)
            {
                copy.WriteNull();
            }
            else
            {
                copy.Write(fields, NpgsqlDbType.Jsonb);
            }

            copy.WriteNull();
            copy.WriteNull();
        }
        else
        {
            for (var i = 0; i < 6; i++)
            {
                copy.WriteNull();
            }

            Text(copy, reason);
            Text(copy, Truncate(rawPhone));
        }
    }

    private static string? Field(CsvReader csv, int index) => index < 0 || index >= csv.FieldCount || csv.IsEmpty(index) ? null : csv.GetString(index);

    /// <summary>The row's mapped field values as the JSON object a contact keeps (null when none), or the first value that does not fit its field's kind.</summary>
    private static (string? Json, string? Problem) FieldValues(CsvReader csv, Columns columns)
    {
        if (columns.Fields.Count == 0)
        {
            return (null, null);
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (index, field) in columns.Fields)
        {
            var (value, problem) = ContactFieldRules.Clean(field, Field(csv, index));
            if (problem is not null)
            {
                return (null, problem);
            }

            if (value is not null)
            {
                values[field.Key] = value;
            }
        }

        return (ContactFieldValues.ToJson(values), null);
    }

    private bool KnownTimeZone(string id)
    {
        if (!timeZones.TryGetValue(id, out var known))
        {
            known = ContactRules.TimeZoneProblem(id) is null;
            timeZones[id] = known;
        }

        return known;
    }

    private static string? Truncate(string? value) => CsvUpload.Truncate(value);

    private static void Text(NpgsqlBinaryImporter copy, string? value)
    {
        if (value is null)
        {
            copy.WriteNull();
        }
        else
        {
            copy.Write(value, NpgsqlDbType.Text);
        }
    }
}
