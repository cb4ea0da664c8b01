using System.Text.Unicode;
using CsvHelper;

namespace Platform.Modules.Campaigns.Features.Contacts;

/// <summary>
/// The checks every uploaded CSV file gets, whatever it imports (contacts, suppressions): UTF-8 text only (a byte order
/// mark skipped, UTF-16 and binary files refused by name), a header line with a "phone" column, and a quote that is
/// never closed refusing its row rather than swallowing the file. One home, so both imports say the same thing about
/// the same file.
/// </summary>
internal static class CsvUpload
{
    /// <summary>No real row is this long; a quote that is never closed would otherwise swallow the file.</summary>
    public const int MaxRecordBytes = 64 * 1024;

    /// <summary>A refused row's value is echoed back at most this long.</summary>
    public const int MaxValueLength = 200;

    /// <summary>Why a row whose quoted cell is never closed is refused (<see cref="ReaderOptions"/> reports its line).</summary>
    public const string UnclosedQuote = "A quoted cell is never closed: a quote inside a cell must be doubled (\"\")";

    /// <summary>
    /// Where the CSV text starts, given the file's first (up to 3) bytes: after a UTF-8 byte order mark (Excel writes one),
    /// else at 0. Throws for a UTF-16 file, which would otherwise read as one garbled column.
    /// </summary>
    public static int TextStart(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 2 && ((head[0] == 0xFF && head[1] == 0xFE) || (head[0] == 0xFE && head[1] == 0xFF)))
        {
            throw new UnusableFileException("The file is saved as UTF-16 text. Save it as \"CSV UTF-8\" and upload it again.");
        }

        return head.Length >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF ? 3 : 0;
    }

    /// <summary>
    /// Header, line numbers, trimmed cells, bounded records. A stray quote is kept as text (the row is taken as written);
    /// a quote never closed swallows what follows, so its line goes to <paramref name="unclosedQuoteAt"/> and that row is refused.
    /// </summary>
    public static CsvReaderOptions ReaderOptions(Action<long> unclosedQuoteAt) => new()
    {
        HasHeader = true,
        TrackLineNumbers = true,
        TrimWhitespace = true,
        MaxRecordSize = MaxRecordBytes,
        MalformedData = CsvMalformedDataHandling.Recover,
        OnMalformedRecord = record =>
        {
            if (record.Reason == CsvMalformedReason.UnterminatedQuote)
            {
                unclosedQuoteAt(record.LineNumber);
            }
        },
    };

    /// <summary>
    /// Reads the header line: its names trimmed, lower case, spaces as underscores, and the "phone" column found.
    /// <paramref name="columns"/> names the columns the import takes ("phone (required) and note"), for the messages.
    /// Without <paramref name="requirePhone"/> (the user mapped the columns, so the phone may be in any), a file without
    /// a "phone" column is read too (its <see cref="CsvHeader.Phone"/> is -1).
    /// </summary>
    public static CsvHeader ReadHeader(CsvReader csv, string columns, bool requirePhone = true)
    {
        csv.ReadHeader();
        var names = csv.Headers.Select(h => h.Trim().ToLowerInvariant().Replace(' ', '_')).ToArray();
        if (names.Length == 0 || names.All(h => h.Length == 0))
        {
            throw new UnusableFileException($"The file is empty. Its first line must name the columns: {columns}.");
        }

        if (names.Any(h => h.Contains('\0', StringComparison.Ordinal) || h.Contains('\uFFFD', StringComparison.Ordinal)))
        {
            throw Binary();
        }

        var phone = Array.IndexOf(names, "phone");
        if (phone < 0 && requirePhone)
        {
            var found = string.Join(", ", names.Take(8).Select(h => h.Length > 30 ? h[..30] + "…" : h));
            throw new UnusableFileException(
                $"The file has no \"phone\" column. Its first line must name the columns: {columns}. This file's first line has: {found}.");
        }

        return new CsvHeader(names, phone);
    }

    /// <summary>Every record is checked to be text: a spreadsheet or other binary file is refused, not imported as rubbish.</summary>
    public static void CheckText(CsvReader csv)
    {
        var raw = csv.RawRecord;
        if (!Utf8.IsValid(raw))
        {
            throw new UnusableFileException(
                $"Line {csv.LineNumber:N0} is not UTF-8 text. Is the file a spreadsheet or another binary file? Save it as \"CSV UTF-8\" and upload it again.");
        }

        if (raw.Contains((byte)0))
        {
            throw Binary();
        }
    }

    /// <summary>The reader gave up on the file (a record over <see cref="MaxRecordBytes"/>, …) after <paramref name="rows"/> rows.</summary>
    public static UnusableFileException NotCsv(int rows, CsvFormatException exception) =>
        new($"The file cannot be read as CSV after row {rows:N0}: {exception.Message.Split('\n')[0]}");

    public static string? Truncate(string? value) => value is { Length: > MaxValueLength } ? value[..MaxValueLength] + "…" : value;

    private static UnusableFileException Binary() =>
        new("The file is not CSV text: it contains binary data or characters that are not UTF-8. Is it a spreadsheet or another binary file? Save it as \"CSV UTF-8\" and upload it again.");
}

/// <summary>An upload's header line, normalised: its column names and where the "phone" column is.</summary>
internal sealed record CsvHeader(string[] Names, int Phone)
{
    /// <summary>Where the column is, or -1 when the file has none.</summary>
    public int IndexOf(string name) => Array.IndexOf(Names, name);
}
