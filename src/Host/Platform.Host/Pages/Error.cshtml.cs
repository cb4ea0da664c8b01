using System.Diagnostics;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Host.Infrastructure;

namespace Platform.Host.Pages;

/// <summary>The error page: a plain explanation and a reference for the logs, never a stack trace.</summary>
[AllowAnonymous]
[IgnoreAntiforgeryToken]
[ResponseCache(Duration = 0, Location = ResponseCacheLocation.None, NoStore = true)]
internal sealed class ErrorModel : PageModel
{
    public string Title { get; private set; } = "Something went wrong";

    public string Message { get; private set; } = "We could not finish that. It has been logged; please try again in a moment.";

    public string? RequestId { get; private set; }

    public void OnGet(int? status) => Describe(status);

    public void OnPost(int? status) => Describe(status);

    private void Describe(int? status)
    {
        RequestId = Activity.Current?.Id ?? HttpContext.TraceIdentifier;
        (Title, Message) = status switch
        {
            404 => ("Page not found", "There is nothing at this address. Check the link, or go back to the start page."),
            403 => ("Access denied", "Your account cannot open that page."),
            400 => ("That request was not valid", "Check what you entered and try again."),
            413 => ("That was too large", "What you sent is larger than this page accepts. Send a smaller file and try again."),
            431 => ("Your browser sent too much", "Its cookies for this site have grown too large. Clear this site's cookies, then sign in again."),
            429 => ("Too many attempts", "Wait a minute, then try again."),
            _ => (Title, Message),
        };
        if (Refusals.Kept(HttpContext) is var (title, detail))
        {
            // The input guard refused this request and said why.
            (Title, Message) = (title, detail);
        }

        if (status is >= 400 and < 600)
        {
            Response.StatusCode = status.Value;
        }
    }
}
