using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Campaigns.Features.Contacts;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Areas.Campaigns.Pages.Lists;

/// <summary>
/// The list as CSV, streamed. Names and consent are cells a spreadsheet will not run as formulas; the phone is
/// E.164 (a plus and digits only, checked when it was stored), written as it is so the file imports again.
/// </summary>
internal sealed class ExportModel(IMediator mediator) : PageModel
{
    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await mediator.Send(new ExportContactList(id), cancellationToken) is not { } export)
        {
            return NotFound();
        }

        await CsvDownload.WriteAsync(Response, CsvDownload.FileName(export.Name, "-contacts"), "phone,first_name,last_name,time_zone,consent,updated_at_utc\r\n", export.Rows,
            c => c.Phone + "," + Csv.Line(c.FirstName, c.LastName, c.TimeZone, c.ConsentSource, Csv.Timestamp(c.UpdatedAt)), cancellationToken);
        return new EmptyResult();
    }
}
