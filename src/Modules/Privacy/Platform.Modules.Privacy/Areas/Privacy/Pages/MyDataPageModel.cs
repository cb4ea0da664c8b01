using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Privacy.Contracts;
using Platform.Modules.Privacy.Domain;
using Platform.Modules.Privacy.Features;
using Platform.Modules.Shared;

namespace Platform.Modules.Privacy.Areas.Privacy.Pages;

/// <summary>
/// "Your data" for one kind of account: newsletter consents per channel (unticked by default), "Download my data"
/// (JSON from every module) and "Erase my account" (password again). The business user's and the subscriber's pages
/// differ only in how the person is recognised and signed out.
/// </summary>
internal abstract class MyDataPageModel(IMediator mediator) : PageModel
{
    protected abstract DataSubjectKind Kind { get; }

    /// <summary>The signed-in person's id, or null (then the page challenges).</summary>
    protected abstract Task<Guid?> SignedInSubjectAsync();

    protected abstract IActionResult ChallengeSignIn();

    protected abstract Task SignOutAsync();

    /// <summary>Where the person manages the rest of their account.</summary>
    public abstract string AccountUrl { get; }

    public Guid SubjectId { get; private set; }

    public IReadOnlyList<ChannelConsent> Consents { get; private set; } = [];

    [BindProperty]
    public bool NewsletterEmail { get; set; }

    [BindProperty]
    public bool NewsletterSms { get; set; }

    [BindProperty]
    public EraseMyAccount Erase { get; set; } = new();

    [TempData]
    public string? Message { get; set; }

    /// <summary>Set once the account is erased: what each module did.</summary>
    public IReadOnlyList<ErasureOutcome>? Erased { get; private set; }

    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        if (await SignedInSubjectAsync() is not { } id)
        {
            context.Result = ChallengeSignIn();
            return;
        }

        SubjectId = id;
        await next();
    }

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    /// <summary>A post without a handler (a forged or stale form) changes nothing.</summary>
    public IActionResult OnPost() => RedirectToPage();

    public async Task<IActionResult> OnGetDownloadAsync(CancellationToken cancellationToken)
    {
        var json = await mediator.Send(new ExportMyData(Kind, SubjectId), cancellationToken);
        return json is null ? ChallengeSignIn() : File(json, "application/json", $"my-data-{DateTime.UtcNow:yyyy-MM-dd}.json");
    }

    public async Task<IActionResult> OnPostConsentsAsync(CancellationToken cancellationToken)
    {
        var changed = await mediator.Send(new SetMarketingConsents(Kind, SubjectId, new Dictionary<string, bool>
        {
            [Channels.Email] = NewsletterEmail,
            [Channels.Sms] = NewsletterSms,
        }, "account page"), cancellationToken);
        Message = changed == 0 ? "Nothing changed." : "Your newsletter choices are saved.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostEraseAsync(CancellationToken cancellationToken)
    {
        Erase.Kind = Kind;
        Erase.SubjectId = SubjectId;
        var (ok, outcomes) = await mediator.TrySendAsync(Erase, ModelState, prefix: nameof(Erase), cancellationToken: cancellationToken);
        if (!ok)
        {
            await LoadAsync(cancellationToken);
            return Page();
        }

        await SignOutAsync();
        Erased = outcomes;
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Consents = await mediator.Send(new GetMarketingConsents(Kind, SubjectId), cancellationToken);
        NewsletterEmail = Consents.Single(c => c.Channel == Channels.Email).Granted;
        NewsletterSms = Consents.Single(c => c.Channel == Channels.Sms).Granted;
    }
}
