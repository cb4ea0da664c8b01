using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Campaigns.Features.Api;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Areas.Campaigns.Pages;

/// <summary>Send-API keys (created, shown once, revoked) and the receipt webhook with its signing secret.</summary>
internal sealed class ApiKeysModel(IMediator mediator) : PageModel
{
    public IReadOnlyList<ApiKeyView> Keys { get; private set; } = [];

    public WebhookView? Webhook { get; private set; }

    /// <summary>The key just created: shown in this response only, never stored in the clear.</summary>
    public string? NewKey { get; private set; }

    [TempData]
    public string? Notice { get; set; }

    [BindProperty]
    public CreateApiKey Input { get; set; } = new();

    [BindProperty]
    public SetWebhook Hook { get; set; } = new();

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostCreateAsync(CancellationToken cancellationToken)
    {
        ModelState.Clear();
        var (ok, key) = await mediator.TrySendAsync(Input, ModelState, nameof(Input), cancellationToken);
        if (ok)
        {
            NewKey = key;
            Input = new();
        }

        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(Guid id, CancellationToken cancellationToken)
    {
        ModelState.Clear();
        var (ok, _) = await mediator.TrySendAsync(new RevokeApiKey(id), ModelState, cancellationToken: cancellationToken);
        if (!ok)
        {
            await LoadAsync(cancellationToken);
            return Page();
        }

        Notice = "The key was revoked: requests made with it are refused from now on.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostWebhookAsync(CancellationToken cancellationToken)
    {
        ModelState.Clear();
        var (ok, _) = await mediator.TrySendAsync(Hook, ModelState, nameof(Hook), cancellationToken);
        if (!ok)
        {
            await LoadAsync(cancellationToken, keepHook: true);
            return Page();
        }

        Notice = string.IsNullOrWhiteSpace(Hook.Url) ? "The webhook was removed." : "The webhook was saved.";
        return RedirectToPage();
    }

    private async Task LoadAsync(CancellationToken cancellationToken, bool keepHook = false)
    {
        Keys = await mediator.Send(new ListApiKeys(), cancellationToken);
        Webhook = await mediator.Send(new GetWebhook(), cancellationToken);
        if (!keepHook)
        {
            Hook = new SetWebhook { Url = Webhook?.Url };
        }
    }
}
