using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Platform.Modules.Campaigns.Features.Contacts;

/// <summary>Writes a CSV download row by row as the rows arrive from the database (never the whole file in memory).</summary>
internal static class CsvDownload
{
    public static async Task WriteAsync<T>(HttpResponse response, string fileName, string header, IAsyncEnumerable<T> rows, Func<T, string> line, CancellationToken cancellationToken)
    {
        response.ContentType = "text/csv; charset=utf-8";
        response.Headers[HeaderNames.ContentDisposition] = new ContentDispositionHeaderValue("attachment") { FileNameStar = fileName }.ToString();
        response.Headers[HeaderNames.CacheControl] = "no-store";
        await using var writer = new StreamWriter(response.Body, new UTF8Encoding(false), bufferSize: 32 * 1024, leaveOpen: true);
        await writer.WriteAsync(header);
        var count = 0;
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            await writer.WriteAsync(line(row));
            if (++count % 2000 == 0)
            {
                await writer.FlushAsync(cancellationToken);
            }
        }

        await writer.FlushAsync(cancellationToken);
    }

    /// <summary>A name safe for a downloaded file: letters, digits, dashes.</summary>
    public static string FileName(string name, string suffix)
    {
        var safe = new string(name.Select(c => char.IsLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-').ToArray()).Trim('-');
        return $"{(safe.Length == 0 ? "list" : safe[..Math.Min(safe.Length, 60)])}{suffix}.csv";
    }
}
