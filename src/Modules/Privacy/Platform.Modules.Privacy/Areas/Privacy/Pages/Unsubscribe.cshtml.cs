using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Privacy.Features;

namespace Platform.Modules.Privacy.Areas.Privacy.Pages;

/// <summary>
/// The unsubscribe link of every newsletter: no sign-in, the signed token says who and which channel. The link opens
/// this page and one click unsubscribes (a GET alone changes nothing, so mail scanners following links do no harm).
/// </summary>
[AllowAnonymous]
internal sealed class UnsubscribeModel(IMediator mediator, UnsubscribeTokens tokens) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Token { get; set; }

    public bool Valid { get; private set; }

    public string? Done { get; private set; }

    public void OnGet() => Valid = tokens.Read(Token) is not null;

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        Done = await mediator.Send(new UnsubscribeWithToken(Token), cancellationToken);
        Valid = Done is not null;
        return Page();
    }
}
