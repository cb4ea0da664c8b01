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

        // The company's fields follow the contact's own columns, named by their keys (lower_snake ASCII, safe as header cells).
        var keys = export.FieldKeys;
        await CsvDownload.WriteAsync(Response, CsvDownload.FileName(export.Name, "-contacts"),
            "phone,first_name,last_name,time_zone,consent,updated_at_utc" + string.Concat(keys.Select(k => "," + k)) + "\r\n", export.Rows,
            c => c.Phone + "," + Csv.Line([c.FirstName, c.LastName, c.TimeZone, c.ConsentSource, Csv.Timestamp(c.UpdatedAt), .. FieldCells(keys, c.Fields)]), cancellationToken);
        return new EmptyResult();
    }

    private static IEnumerable<string?> FieldCells(IReadOnlyList<string> keys, string? fields)
    {
        if (keys.Count == 0)
        {
            return [];
        }

        var values = ContactFieldValues.Parse(fields);
        return keys.Select(k => values.GetValueOrDefault(k));
    }
}
