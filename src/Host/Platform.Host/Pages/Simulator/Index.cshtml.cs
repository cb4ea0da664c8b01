using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Carriers.Simulator;
using Platform.Host.Carriers;
using Platform.Modules.Shared;
using System.ComponentModel.DataAnnotations;

namespace Platform.Host.Pages.Simulator;

/// <summary>
/// A handset in the browser, for demos and tests: text the platform from a number and read what that
/// number received. Only where Platform:Simulator:DevEndpoints is on (Development); a 404 elsewhere.
/// </summary>
[AllowAnonymous]
internal sealed class IndexModel(SimulatorNetwork network, IConfiguration configuration, IHostEnvironment environment) : PageModel
{
    [BindProperty]
    public HandsetInput Input { get; set; } = new();

    public IReadOnlyList<HandsetMessage> Received { get; private set; } = [];

    public string? Message { get; private set; }

    public IReadOnlyList<string> PlatformNumbers => configuration.GetSection("Platform:Messaging:PlatformNumbers").Get<string[]>() ?? [];

    private bool Enabled => configuration.GetValue("Platform:Simulator:DevEndpoints", environment.IsDevelopment());

    public IActionResult OnGet(string? from)
    {
        if (!Enabled)
        {
            return NotFound();
        }

        Input.From = from ?? Input.From;
        Input.To = PlatformNumbers.FirstOrDefault() ?? string.Empty;
        Load();
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return NotFound();
        }

        if (!PhoneNumbers.TryNormalizeE164(Input.From, out var from))
        {
            ModelState.AddModelError("Input.From", PhoneNumbers.FormatHint);
        }

        if (ModelState.IsValid)
        {
            Input.From = from;
            var delivered = await network.InjectInboundAsync(from, Input.To.Trim(), Input.Text ?? string.Empty, cancellationToken: cancellationToken);
            Message = delivered ? $"Sent \"{Input.Text}\" from {from} to {Input.To}." : "No simulator carrier is running.";
            Input.Text = string.Empty;
            ModelState.Remove("Input.Text");
        }

        Load();
        return Page();
    }

    private void Load() =>
        Received = PhoneNumbers.TryNormalizeE164(Input.From, out var handset) ? network.ReceivedBy(handset) : [];
}

internal sealed class HandsetInput
{
    [Required(ErrorMessage = "Enter the handset's number.")]
    [Display(Name = "From (the handset)")]
    public string From { get; set; } = "+15551230001";

    [Required(ErrorMessage = "Enter the platform number.")]
    [StringLength(SimulatorEndpoints.MaxAddressLength, ErrorMessage = "A platform number has at most 21 characters.")]
    [Display(Name = "To (a platform number)")]
    public string To { get; set; } = string.Empty;

    [StringLength(1600, ErrorMessage = "A message can have at most 1600 characters.")]
    public string? Text { get; set; }
}
