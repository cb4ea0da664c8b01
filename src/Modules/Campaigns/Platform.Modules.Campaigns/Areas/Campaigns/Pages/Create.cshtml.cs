using System.ComponentModel.DataAnnotations;
using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Platform.Modules.Accounts.Contracts;
using Platform.Modules.Campaigns.Domain;
using Platform.Modules.Campaigns.Features;
using Platform.Modules.Campaigns.Features.Contacts;
using Platform.Modules.Campaigns.Sending;
using Platform.Modules.SenderIds.Contracts;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Areas.Campaigns.Pages;

/// <summary>Write a campaign: Sender ID, text with live preview, audience with its estimate, schedule and quiet hours.</summary>
internal sealed class CreateModel(
    IMediator mediator, CampaignsDbContext db, ITenantContext tenant, CampaignPageCache cache, CompanyCountry companyCountry, OptOutRoute route, IMemoryCache recent)
    : PageModel
{
    /// <summary>Tests one user may send an hour (this node's count): enough to try a text, not a way to message people for free.</summary>
    public const int TestsPerHour = 5;

    /// <summary>What happened to "Send me a test".</summary>
    public string? TestMessage { get; private set; }

    [BindProperty]
    public CampaignForm Input { get; set; } = new();

    public IReadOnlyList<ApprovedSenderId> Senders { get; private set; } = [];

    public IReadOnlyList<ContactList> Lists { get; private set; } = [];

    /// <summary>The company's saved segments, one of which may be the audience.</summary>
    public IReadOnlyList<(Guid Id, string Name)> Segments { get; private set; } = [];

    /// <summary>The company's contact fields' keys, named under the message box.</summary>
    public IReadOnlyList<string> FieldKeys { get; private set; } = [];

    /// <param name="template">A saved template to start from: its text (copied) and its name as the campaign's.</param>
    /// <param name="segment">A segment to send to (the Segments page's "New campaign").</param>
    public async Task OnGetAsync(Guid? id, Guid? template, Guid? segment, CancellationToken cancellationToken)
    {
        await LoadChoicesAsync(cancellationToken);
        if (segment is { } segmentId && Segments.Any(s => s.Id == segmentId))
        {
            Input.SegmentId = segmentId;
        }

        Input.SenderId = Senders.FirstOrDefault()?.SenderId ?? string.Empty;
        Input.TimeZone = await DefaultTimeZoneAsync(cancellationToken);
        if (template is { } templateId && await mediator.Send(new GetTemplate(templateId), cancellationToken) is { } saved)
        {
            Input.Name = saved.Template.Name;
            Input.Body = saved.Template.Body;
        }

        if (id is { } existing)
        {
            var companyId = tenant.RequireCompanyId();
            var campaign = await db.Campaigns.AsNoTracking().SingleOrDefaultAsync(c => c.Id == existing && c.CompanyId == companyId && c.Kind == CampaignKinds.Campaign, cancellationToken);
            if (campaign is not null)
            {
                // Only the campaign a series was set up on carries its repeat settings (ADR 34).
                var recurrence = campaign.Occurrence == 0 ? await db.Recurrences.AsNoTracking().SingleOrDefaultAsync(r => r.Id == campaign.RecurrenceId, cancellationToken) : null;
                var variants = await db.CampaignVariants.AsNoTracking().Where(v => v.CampaignId == campaign.Id && v.CompanyId == companyId).OrderBy(v => v.Variant).ToListAsync(cancellationToken);
                Input = CampaignForm.From(campaign, recurrence, variants);
            }
        }
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            await LoadChoicesAsync(cancellationToken);
            return Page();
        }

        var (ok, id) = await mediator.TrySendAsync(Input.ToRequest(), ModelState, cancellationToken: cancellationToken);
        if (!ok)
        {
            await LoadChoicesAsync(cancellationToken);
            return Page();
        }

        TempData["Message"] = Input.Schedule ? "Scheduled. The audience is being prepared and the credits reserved." : "Saved as a draft.";
        cache.Forget(tenant.RequireCompanyId(), id);
        return RedirectToPage("/Details", new { id });
    }

    /// <summary>
    /// "Send me a test": the message as written, from the chosen Sender ID, with the user's own first name and the opt-out
    /// route a campaign adds, to the user's own mobile once verified by SMS (Accounts' GetVerifiedMobile) — never to anyone
    /// else. Nothing is saved; only the Sender ID and the text are checked.
    /// </summary>
    public async Task<IActionResult> OnPostTestAsync(CancellationToken cancellationToken)
    {
        await LoadChoicesAsync(cancellationToken);
        foreach (var key in ModelState.Keys.Where(k => k is not ("Input.Body" or "Input.SenderId")).ToList())
        {
            ModelState.Remove(key);
        }

        foreach (var problem in MessageTemplate.PlaceholderProblems(Input.Body ?? string.Empty, await db.ContactFieldKeysAsync(tenant.RequireCompanyId(), cancellationToken)))
        {
            ModelState.AddModelError("Input.Body", problem);
        }

        if (!string.IsNullOrEmpty(Input.SenderId) && Senders.All(s => s.SenderId != Input.SenderId))
        {
            ModelState.AddModelError("Input.SenderId", "Choose one of your approved Sender IDs.");
        }

        if (!ModelState.IsValid)
        {
            return Page();
        }

        var userId = tenant.UserId ?? throw new UnauthorizedAccessException("Sign in first.");
        if (await mediator.Send(new GetVerifiedMobile(userId), cancellationToken) is not { } mobile)
        {
            ModelState.AddModelError(string.Empty, "Verify your mobile number first (Profile → Verify your mobile): tests go only to a number you proved is yours.");
            return Page();
        }

        var sent = recent.GetOrCreate($"campaigns.tests:{userId}", entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = TimeSpan.FromHours(1);
            return new int[1];
        })!;
        if (Interlocked.Increment(ref sent[0]) > TestsPerHour)
        {
            ModelState.AddModelError(string.Empty, $"You have sent {TestsPerHour} tests in the last hour; try again later.");
            return Page();
        }

        // The user is no contact: their contact fields render their fallbacks.
        var text = route.Apply(Input.SenderId, MessageTemplate.Render(Input.Body!, mobile.FirstName));
        var result = await mediator.Send(new SendSms(Input.SenderId, mobile.Phone, text), cancellationToken);
        TestMessage = result.Accepted ? $"Test sent to {mobile.Phone}." : $"The test could not be sent: {result.Error}";
        return Page();
    }

    /// <summary>The live preview, asked for as the text is typed (no inline script: the CSP forbids it; see wwwroot/js/campaigns.js).</summary>
    /// <param name="variants">An A/B test's bodies B, C, … (at most four): credits are shown for the longest.</param>
    public async Task<IActionResult> OnGetPreviewAsync(
        string? text, string? country, string? sender, [FromQuery] Guid[]? lists, bool trackLinks, Guid? segment, [FromQuery] string[]? variants, CancellationToken cancellationToken) =>
        new JsonResult(await mediator.Send(
            new PreviewTemplate(Cap(text), country, sender, (lists ?? []).Take(100).ToList(), trackLinks, segment,
                (variants ?? []).Take(AbSplit.MaxVariants - 1).Select(Cap).ToList()), cancellationToken));

    private static string Cap(string? text) => (text ?? string.Empty).Length > 5000 ? text![..5000] : text ?? string.Empty;

    public async Task<IActionResult> OnGetAudienceAsync(bool subscribers, [FromQuery] Guid[]? lists, Guid? segment, CancellationToken cancellationToken) =>
        new JsonResult(await mediator.Send(new EstimateAudience(subscribers, lists ?? [], segment), cancellationToken));

    /// <summary>
    /// A new campaign's time zone: the company's country's (the zone quiet hours use for that country's numbers, from
    /// calling_codes: US → America/New_York), else Europe/London, the platform's first market.
    /// </summary>
    private async Task<string> DefaultTimeZoneAsync(CancellationToken cancellationToken)
    {
        var country = await companyCountry.GetAsync(cancellationToken);
        var zone = await db.CallingCodes.AsNoTracking().Where(c => c.Country == country).OrderBy(c => c.Code).Select(c => c.TimeZone)
            .FirstOrDefaultAsync(cancellationToken);
        return zone is not null && CampaignView.TimeZones.Contains(zone) ? zone : CampaignForm.FallbackTimeZone;
    }

    private async Task LoadChoicesAsync(CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        Senders = await mediator.Send(new ListUsableSenderIds(companyId), cancellationToken);
        Lists = await db.ContactLists.AsNoTracking().Where(l => l.CompanyId == companyId).OrderBy(l => l.Name).ToListAsync(cancellationToken);
        Segments = (await db.Segments.AsNoTracking().Where(x => x.CompanyId == companyId).OrderBy(x => x.Name).Select(x => new { x.Id, x.Name }).ToListAsync(cancellationToken))
            .Select(x => (x.Id, x.Name)).ToList();
        FieldKeys = await db.ContactFieldKeysAsync(companyId, cancellationToken);
    }
}

/// <summary>The form's fields; the date and time are the wall clock in the chosen time zone.</summary>
internal sealed class CampaignForm
{
    public const string FallbackTimeZone = "Europe/London";

    public Guid? Id { get; set; }

    [Required(ErrorMessage = "Give the campaign a name.")]
    [StringLength(100)]
    public string Name { get; set; } = string.Empty;

    [Display(Name = "Sender ID")]
    [Required(ErrorMessage = "Choose a Sender ID.")]
    public string SenderId { get; set; } = string.Empty;

    [Display(Name = "Message")]
    [Required(ErrorMessage = "Write the message.")]
    [StringLength(1600, ErrorMessage = "A message can have at most 1,600 characters.")]
    public string Body { get; set; } = string.Empty;

    [Display(Name = "My opted-in subscribers")]
    public bool IncludeSubscribers { get; set; }

    public List<Guid> ListIds { get; set; } = [];

    [Display(Name = "Or a segment")]
    public Guid? SegmentId { get; set; }

    [Display(Name = "Time zone")]
    public string TimeZone { get; set; } = FallbackTimeZone;

    [Display(Name = "Send at (leave empty to send now)")]
    public DateTime? SendAt { get; set; }

    [Display(Name = "Hold messages outside the recipients' daytime window")]
    public bool RespectQuietHours { get; set; } = true;

    [Display(Name = "Repeat")]
    public string Repeat { get; set; } = RepeatFrequency.None;

    [Display(Name = "Repeat until (leave empty: until you stop it)")]
    public DateOnly? RepeatUntil { get; set; }

    [Display(Name = "Shorten links and count clicks per recipient")]
    public bool TrackLinks { get; set; } = true;

    public TimeOnly QuietStart { get; set; } = new(8, 0);

    public TimeOnly QuietEnd { get; set; } = new(21, 0);

    public bool Schedule { get; set; } = true;

    /// <summary>An A/B test (ADR 36): the message above is variant A; <see cref="AbBodies"/> are B to E.</summary>
    [Display(Name = "A/B test: send two or more texts to part of the audience, then the best one to the rest")]
    public bool AbTest { get; set; }

    public List<string?> AbBodies { get; set; } = [null, null, null, null];

    /// <summary>Each variant's share of the test, A first; nullable so an empty box is "not given" rather than a binding error.</summary>
    public List<short?> AbPercents { get; set; } = [50, 50, null, null, null];

    [Display(Name = "Share of the audience in the test (%)")]
    public short? AbTestPercent { get; set; } = 20;

    [Display(Name = "Winner by")]
    public string AbMetric { get; set; } = AbMetrics.Delivered;

    [Display(Name = "Decide after (hours)")]
    public short? AbWindowHours { get; set; } = 4;

    [Display(Name = "Send the winner to the rest of the audience")]
    public bool AbSendRest { get; set; } = true;

    public SaveCampaign ToRequest() => new()
    {
        Id = Id,
        Name = Name,
        SenderId = SenderId,
        Body = Body,
        IncludeSubscribers = IncludeSubscribers,
        ListIds = ListIds,
        SegmentId = SegmentId,
        TimeZone = TimeZone,
        SendAt = SendAt,
        RespectQuietHours = RespectQuietHours,
        TrackLinks = TrackLinks,
        Repeat = Repeat,
        RepeatUntil = RepeatUntil,
        QuietStart = QuietStart,
        QuietEnd = QuietEnd,
        Schedule = Schedule,
        AbTest = AbTest,
        AbBodies = AbBodies,
        AbPercents = AbPercents.Select(p => p ?? 0).ToList(),
        AbTestPercent = AbTestPercent ?? 0,
        AbMetric = AbMetric,
        AbWindowHours = AbWindowHours ?? 0,
        AbSendRest = AbSendRest,
    };

    public static CampaignForm From(Campaign campaign, CampaignRecurrence? recurrence, IReadOnlyList<CampaignVariant> variants) => new()
    {
        Id = campaign.Id,
        Name = campaign.Name,
        SenderId = campaign.SenderId,
        Body = campaign.Body,
        IncludeSubscribers = campaign.IncludeSubscribers,
        ListIds = [.. campaign.ListIds],
        SegmentId = campaign.SegmentId,
        TimeZone = campaign.TimeZone,
        SendAt = campaign.ScheduledAt is { } at ? TimeZoneInfo.ConvertTime(at, TimeZoneInfo.FindSystemTimeZoneById(campaign.TimeZone)).DateTime : null,
        RespectQuietHours = campaign.RespectQuietHours,
        TrackLinks = campaign.TrackLinks,
        Repeat = recurrence is { EndedAt: null } ? recurrence.Frequency : RepeatFrequency.None,
        RepeatUntil = recurrence?.Until,
        QuietStart = campaign.QuietStart,
        QuietEnd = campaign.QuietEnd,
        AbTest = campaign.IsAbTest,
        AbBodies = [.. Enumerable.Range(1, AbSplit.MaxVariants - 1).Select(i => variants.FirstOrDefault(v => v.Variant == i)?.Body)],
        AbPercents = campaign.IsAbTest ? [.. Enumerable.Range(0, AbSplit.MaxVariants).Select(i => variants.FirstOrDefault(v => v.Variant == i)?.Percent)] : [50, 50, null, null, null],
        AbTestPercent = campaign.AbTestPercent ?? 20,
        AbMetric = campaign.AbMetric ?? AbMetrics.Delivered,
        AbWindowHours = campaign.AbWindowHours ?? 4,
        AbSendRest = !campaign.IsAbTest || campaign.AbSendRest,
    };
}
