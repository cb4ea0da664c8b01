using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Platform.Modules.OptIns.Features.ConsentProof;
using Platform.Modules.Shared;

namespace Platform.Modules.OptIns.Areas.OptIns.Pages.Consent;

/// <summary>
/// Anyone checks a consent proof bundle against this platform's own checkpoint key (from configuration — the key a bundle
/// names is never trusted). Nothing is stored.
/// </summary>
[AllowAnonymous]
[EnableRateLimiting(RateLimitPolicies.Login)]
[RequestSizeLimit(MaxBytes + 64 * 1024)]
internal sealed class VerifyProofModel(ConsentSigningKey key) : PageModel
{
    private const int MaxBytes = 10 * 1024 * 1024;

    [BindProperty]
    public IFormFile? Bundle { get; set; }

    [BindProperty]
    public string? BundleText { get; set; }

    public ProofVerdict? Verdict { get; private set; }

    public string KeyId => key.KeyId;

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        string? json = null;
        if (Bundle is { Length: > 0 } file)
        {
            if (file.Length > MaxBytes)
            {
                ModelState.AddModelError(nameof(Bundle), "The file is larger than 10 MB: it is not a bundle this platform made.");
                return Page();
            }

            using var reader = new StreamReader(file.OpenReadStream(), Encoding.UTF8);
            json = await reader.ReadToEndAsync(cancellationToken);
        }
        else if (!string.IsNullOrWhiteSpace(BundleText))
        {
            json = BundleText;
        }

        if (json is null)
        {
            ModelState.AddModelError(nameof(Bundle), "Choose the bundle file (consent-proof-….json) or paste its text.");
            return Page();
        }

        Verdict = ConsentProofVerifier.Verify(json, key.PublicKeyPem);
        return Page();
    }
}
