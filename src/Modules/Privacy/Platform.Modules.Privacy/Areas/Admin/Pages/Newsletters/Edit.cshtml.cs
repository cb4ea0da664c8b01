using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Privacy.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.Privacy.Areas.Admin.Pages.Newsletters;

/// <summary>
/// Admins write a newsletter (Markdown for email, plain text for SMS), see it as it will look, send themselves a test,
/// then send it; afterwards the page shows its progress per channel.
/// </summary>
internal sealed class EditNewsletterModel(IMediator mediator) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public Guid? Id { get; set; }

    [BindProperty]
    public SaveNewsletter Input { get; set; } = new();

    [TempData]
    public string? Message { get; set; }

    public NewsletterDetails? Details { get; private set; }

    public bool Editable => Details is null || Details.Newsletter.Status == Domain.NewsletterStatus.Draft;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (Id is { } id)
        {
            Details = await mediator.Send(new GetNewsletter(id), cancellationToken);
            if (Details is null)
            {
                return NotFound();
            }

            var n = Details.Newsletter;
            Input = new SaveNewsletter { Id = n.Id, Subject = n.Subject, Body = n.Body, SmsText = n.SmsText, SendEmail = n.ByMail, SendSms = n.BySms };
        }

        return Page();
    }

    /// <summary>Saves the draft and shows its preview.</summary>
    public Task<IActionResult> OnPostSaveAsync(CancellationToken cancellationToken) =>
        SaveThenAsync(_ => Task.FromResult("Saved. The preview below is the email as it will look."), cancellationToken);

    /// <summary>Saves the draft and sends it to the admin asking.</summary>
    public Task<IActionResult> OnPostTestAsync(CancellationToken cancellationToken) =>
        SaveThenAsync(id => mediator.Send(new SendNewsletterTest(id), cancellationToken), cancellationToken);

    /// <summary>Saves the draft and starts sending it.</summary>
    public Task<IActionResult> OnPostSendAsync(CancellationToken cancellationToken) =>
        SaveThenAsync(
            async id =>
            {
                var recipients = await mediator.Send(new StartNewsletter(id), cancellationToken);
                return $"Sending to {recipients} recipient(s) (people × channels). This page shows the progress.";
            },
            cancellationToken);

    private async Task<IActionResult> SaveThenAsync(Func<Guid, Task<string>> then, CancellationToken cancellationToken)
    {
        Input.Id = Id;
        if (ModelState.IsValid)
        {
            var (saved, id) = await mediator.TrySendAsync(Input, ModelState, cancellationToken: cancellationToken);
            if (saved)
            {
                try
                {
                    Message = await then(id);
                    return RedirectToPage(new { id });
                }
                catch (RequestValidationException exception)
                {
                    Id = id;
                    foreach (var error in exception.Errors)
                    {
                        ModelState.AddModelError(string.Empty, error.Message);
                    }
                }
            }
        }

        if (Id is { } existing)
        {
            Details = await mediator.Send(new GetNewsletter(existing), cancellationToken);
        }

        return Page();
    }
}
