using System.Globalization;
using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Campaigns.Features.Contacts;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Areas.Campaigns.Pages.Lists;

/// <summary>An import's progress (the page polls <c>?handler=Progress</c>), its outcome and its error report.</summary>
internal sealed class ImportStatusModel(IMediator mediator) : PageModel
{
    public ImportView Import { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await mediator.Send(new GetImport(id), cancellationToken) is not { } import)
        {
            return NotFound();
        }

        if (import.Status == ImportStatus.Mapping)
        {
            return RedirectToPage("/Lists/ImportMapping", new { id }); // nothing runs until its columns are mapped
        }

        Import = import;
        return Page();
    }

    public async Task<IActionResult> OnGetProgressAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await mediator.Send(new GetImport(id), cancellationToken) is not { } i)
        {
            return NotFound();
        }

        Response.Headers.CacheControl = "no-store";
        return new JsonResult(new
        {
            status = i.Status,
            finished = i.Finished,
            percent = i.Percent,
            rowsExpected = i.RowsExpected,
            rowsRead = i.RowsRead,
            imported = i.Imported,
            merged = i.Merged,
            rejected = i.Rejected,
            error = i.Error,
        });
    }

    public async Task<IActionResult> OnGetErrorsAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await mediator.Send(new ExportImportErrors(id), cancellationToken) is not { } report)
        {
            return NotFound();
        }

        await CsvDownload.WriteAsync(Response, CsvDownload.FileName(Path.GetFileNameWithoutExtension(report.FileName), "-errors"), "line,reason,value\r\n", report.Rows,
            e => Csv.Line(e.Line.ToString(CultureInfo.InvariantCulture), e.Reason, e.Value), cancellationToken);
        return new EmptyResult();
    }
}
