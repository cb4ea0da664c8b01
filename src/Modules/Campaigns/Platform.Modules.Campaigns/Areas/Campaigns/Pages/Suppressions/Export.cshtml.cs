using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Campaigns.Features.Contacts;
using Platform.Modules.Campaigns.Features.Suppressions;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Areas.Campaigns.Pages.Suppressions;

/// <summary>
/// The suppression list as CSV, streamed. Every cell a person typed (the note) or the page words is one a spreadsheet
/// will not run as a formula; a number is E.164 (a plus and digits only), written as it is so the file uploads again.
/// </summary>
internal sealed class ExportModel(IMediator mediator) : PageModel
{
    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        var rows = await mediator.Send(new ExportSuppressions(), cancellationToken);
        await CsvDownload.WriteAsync(Response, "suppressions.csv", "phone,why,reason,note,suppressed_at_utc\r\n", rows,
            r => Number(r) + "," + Csv.Line(r.Why, r.Reason, r.Note, Csv.Timestamp(r.CreatedAt)), cancellationToken);
        return new EmptyResult();
    }

    /// <summary>The number as it is when it is one (so the file can be uploaded again), else the words in its place, made safe.</summary>
    private static string Number(SuppressionRow row) =>
        row.Number is { Length: > 1 } number && number[0] == '+' && number.AsSpan(1).IndexOfAnyExceptInRange('0', '9') < 0
            ? number
            : Csv.Cell(row.Shown);
}
