using System.Text;
using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Net.Http.Headers;
using Platform.Modules.OptIns.Domain;
using Platform.Modules.OptIns.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.OptIns.Areas.OptIns.Pages.Keywords;

/// <summary>
/// The keyword's request history as CSV, streamed row by row from the database (no whole file in memory).
/// Cells that a spreadsheet would run as a formula are prefixed with a quote.
/// </summary>
internal sealed class ExportKeywordModel(IMediator mediator) : PageModel
{
    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        var export = await mediator.Send(new ExportKeywordHistory(id), cancellationToken);
        if (export is not { } found)
        {
            return NotFound();
        }

        Response.ContentType = "text/csv; charset=utf-8";
        Response.Headers[HeaderNames.ContentDisposition] = new ContentDispositionHeaderValue("attachment")
        {
            FileNameStar = $"{found.Word.ToLowerInvariant()}-history.csv",
        }.ToString();
        Response.Headers[HeaderNames.CacheControl] = "no-store";
        await using var writer = new StreamWriter(Response.Body, new UTF8Encoding(false), bufferSize: 16 * 1024, leaveOpen: true);
        await writer.WriteAsync(Csv.Line("user_code", "keyword", "times", "date_time_utc"));
        var rows = 0;
        await foreach (var row in found.Rows.WithCancellation(cancellationToken))
        {
            await writer.WriteAsync(Csv.Line(row.UserCode, row.Keyword, row.RequestNumber.ToString(System.Globalization.CultureInfo.InvariantCulture), Csv.Timestamp(row.ReceivedAt)));
            if (++rows % 1000 == 0)
            {
                await writer.FlushAsync(cancellationToken);
            }
        }

        await writer.FlushAsync(cancellationToken);
        return new EmptyResult();
    }
}
