using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Net.Http.Headers;
using Platform.Modules.OptIns.Features.ConsentProof;
using Platform.Modules.Shared;

namespace Platform.Modules.OptIns.Areas.OptIns.Pages.Consent;

/// <summary>
/// Consent proof for one number the company already knows (a dispute, a carrier audit): the records on the page, the
/// proof bundle (JSON) that anyone can verify, and the plain CSV carrier audits ask for. The number is posted, never put
/// in a URL, so it stays out of logs and browser history.
/// </summary>
internal sealed class ConsentProofModel(ConsentProofBundles bundles, ConsentSigningKey key, ITenantContext tenant) : PageModel
{
    [BindProperty]
    public string? Phone { get; set; }

    public ConsentProofBundle? Bundle { get; private set; }

    public ProofVerdict? Verdict { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (await BuildAsync(cancellationToken) is { } bundle)
        {
            Bundle = bundle;
            Verdict = ConsentProofVerifier.Verify(JsonSerializer.Serialize(bundle, ConsentProofJson.Options), key.PublicKeyPem);
        }

        return Page();
    }

    public async Task<IActionResult> OnPostBundleAsync(CancellationToken cancellationToken)
    {
        if (await BuildAsync(cancellationToken) is not { } bundle)
        {
            return Page();
        }

        return Download(JsonSerializer.Serialize(bundle, ConsentProofJson.Indented), "application/json", $"consent-proof-{Digits(bundle.Phone)}.json");
    }

    public async Task<IActionResult> OnPostCsvAsync(CancellationToken cancellationToken)
    {
        if (await BuildAsync(cancellationToken) is not { } bundle)
        {
            return Page();
        }

        var csv = new StringBuilder();
        foreach (var row in ConsentProofBundles.CsvRows(bundle))
        {
            csv.Append(Csv.Line(row));
        }

        return Download(csv.ToString(), "text/csv; charset=utf-8", $"consent-records-{Digits(bundle.Phone)}.csv");
    }

    private async Task<ConsentProofBundle?> BuildAsync(CancellationToken cancellationToken)
    {
        if (!PhoneNumbers.TryNormalizeE164(Phone, out var phone))
        {
            ModelState.AddModelError(nameof(Phone), "Enter the mobile number in international format, for example +447700900123.");
            return null;
        }

        Phone = phone;
        var bundle = await bundles.BuildAsync(tenant.RequireCompanyId(), phone, cancellationToken);
        if (bundle is null)
        {
            ModelState.AddModelError(nameof(Phone), $"Your company holds no consent record of {phone}: it never opted in to one of your keywords.");
        }

        return bundle;
    }

    private FileContentResult Download(string content, string contentType, string fileName)
    {
        Response.Headers[HeaderNames.CacheControl] = "no-store";
        return File(new UTF8Encoding(false).GetBytes(content), contentType, fileName);
    }

    private static string Digits(string phone) => phone.TrimStart('+');
}
