namespace Platform.Modules.Campaigns.Domain;

/// <summary>
/// The statuses a campaign (or a send-API request) is stored with, as text in <c>campaigns.campaigns.status</c>.
/// What may move a campaign from one to another is <see cref="CampaignLifecycle"/>; SQL takes these names from here
/// (interpolated constants or parameters), never as literals of its own.
/// </summary>
internal static class CampaignStatus
{
    public const string Draft = "Draft";
    public const string Scheduled = "Scheduled";
    public const string Sending = "Sending";
    public const string Paused = "Paused";
    public const string Completed = "Completed";
    public const string Cancelled = "Cancelled";
    public const string NeedsAttention = "NeedsAttention";

    public static readonly IReadOnlyList<string> All = [Draft, Scheduled, Sending, Paused, Completed, Cancelled, NeedsAttention];
}

/// <summary>Who moves a campaign: the people of its company, the sending engine, or another module's event.</summary>
internal enum CampaignActor
{
    /// <summary>A user of the company, on the campaign's page.</summary>
    Company,

    /// <summary>The sending runs and the maintenance job.</summary>
    Engine,

    /// <summary>SenderIds' review (a revoked Sender ID), through its integration event.</summary>
    SenderIdReview,
}

/// <summary>The named steps of the lifecycle: each is done by one <see cref="CampaignActor"/>.</summary>
internal enum CampaignStep
{
    /// <summary>Draft or needing attention → Scheduled (a campaign that had started sending goes on: → Sending).</summary>
    Schedule,

    /// <summary>Scheduled or Sending → Paused: the runs lose their slots and stop before their next batch.</summary>
    Pause,

    /// <summary>Paused → Scheduled (not yet prepared or started) or Sending.</summary>
    Resume,

    /// <summary>Anything not finished → Cancelled: settled like a completed campaign.</summary>
    Cancel,

    /// <summary>The scheduled time came and the audience is ready: Scheduled → Sending.</summary>
    Start,

    /// <summary>Nothing is left to submit: Sending → Completed.</summary>
    Complete,

    /// <summary>Preparing found a problem (Sender ID refused for a country, plan limit, credits): → NeedsAttention.</summary>
    Refuse,

    /// <summary>The campaign's Sender ID was revoked: → NeedsAttention.</summary>
    Revoke,
}

/// <summary>The buttons of a campaign's page: the company's steps, and Edit (which changes no status).</summary>
internal enum CampaignAction
{
    Edit,
    Schedule,
    Pause,
    Resume,
    Cancel,
}

/// <summary>One allowed move: <see cref="Step"/> takes a campaign from <see cref="From"/> to <see cref="To"/>.</summary>
internal sealed record CampaignTransition(CampaignStep Step, string From, string To);

/// <summary>
/// The campaign lifecycle, the one home of its rules: which step may move a campaign from which status to which, who
/// does each step, which buttons the page shows per status, and the groups of statuses the engine and SQL select by.
/// Every writer of a status asks it (<see cref="Require"/>, <see cref="From"/>), so a status move that is not in
/// <see cref="Transitions"/> cannot be written — and a unit test pins the table.
/// </summary>
internal static class CampaignLifecycle
{
    /// <summary>
    /// Waiting for the company: it may edit the campaign, schedule it or cancel it, and nothing runs. A send-API request
    /// refused before it was accepted is in one of these too (so it may be discarded: nothing was reserved or sent).
    /// </summary>
    public static readonly IReadOnlyList<string> AwaitingCompany = [CampaignStatus.Draft, CampaignStatus.NeedsAttention];

    /// <summary>In the engine's hands: the maintenance job looks after these (the partial index <c>campaigns_active</c> holds exactly these).</summary>
    public static readonly IReadOnlyList<string> Running = [CampaignStatus.Scheduled, CampaignStatus.Sending];

    /// <summary>Over for good: what was submitted is spent, the rest of the reservation released (settlement).</summary>
    public static readonly IReadOnlyList<string> Ended = [CampaignStatus.Completed, CampaignStatus.Cancelled];

    public static readonly IReadOnlyList<CampaignTransition> Transitions =
    [
        new(CampaignStep.Schedule, CampaignStatus.Draft, CampaignStatus.Scheduled),
        new(CampaignStep.Schedule, CampaignStatus.NeedsAttention, CampaignStatus.Scheduled),
        new(CampaignStep.Schedule, CampaignStatus.NeedsAttention, CampaignStatus.Sending),
        new(CampaignStep.Pause, CampaignStatus.Scheduled, CampaignStatus.Paused),
        new(CampaignStep.Pause, CampaignStatus.Sending, CampaignStatus.Paused),
        new(CampaignStep.Resume, CampaignStatus.Paused, CampaignStatus.Scheduled),
        new(CampaignStep.Resume, CampaignStatus.Paused, CampaignStatus.Sending),
        new(CampaignStep.Cancel, CampaignStatus.Draft, CampaignStatus.Cancelled),
        new(CampaignStep.Cancel, CampaignStatus.Scheduled, CampaignStatus.Cancelled),
        new(CampaignStep.Cancel, CampaignStatus.Sending, CampaignStatus.Cancelled),
        new(CampaignStep.Cancel, CampaignStatus.Paused, CampaignStatus.Cancelled),
        new(CampaignStep.Cancel, CampaignStatus.NeedsAttention, CampaignStatus.Cancelled),
        new(CampaignStep.Start, CampaignStatus.Scheduled, CampaignStatus.Sending),
        new(CampaignStep.Complete, CampaignStatus.Sending, CampaignStatus.Completed),
        // A campaign is prepared while Scheduled, or Paused if the company paused it while its preparation ran (the
        // preparation holds the row, so the pause waits and finds it refused). Send-API messages are never prepared:
        // their lane campaign is opened sending (ADR 40).
        new(CampaignStep.Refuse, CampaignStatus.Scheduled, CampaignStatus.NeedsAttention),
        new(CampaignStep.Refuse, CampaignStatus.Paused, CampaignStatus.NeedsAttention),
        new(CampaignStep.Revoke, CampaignStatus.Scheduled, CampaignStatus.NeedsAttention),
        new(CampaignStep.Revoke, CampaignStatus.Sending, CampaignStatus.NeedsAttention),
        new(CampaignStep.Revoke, CampaignStatus.Paused, CampaignStatus.NeedsAttention),
    ];

    /// <summary>Who does the step.</summary>
    public static CampaignActor ActorOf(CampaignStep step) => step switch
    {
        CampaignStep.Schedule or CampaignStep.Pause or CampaignStep.Resume or CampaignStep.Cancel => CampaignActor.Company,
        CampaignStep.Start or CampaignStep.Complete or CampaignStep.Refuse => CampaignActor.Engine,
        CampaignStep.Revoke => CampaignActor.SenderIdReview,
        _ => throw new ArgumentOutOfRangeException(nameof(step), step, null),
    };

    public static bool Allows(CampaignStep step, string from, string to) =>
        Transitions.Any(t => t.Step == step && t.From == from && t.To == to);

    public static bool Allows(CampaignStep step, string from) => Transitions.Any(t => t.Step == step && t.From == from);

    /// <summary>The statuses the step may start from: what a guarded UPDATE puts in its <c>WHERE status …</c>.</summary>
    public static string[] From(CampaignStep step) => Transitions.Where(t => t.Step == step).Select(t => t.From).Distinct().ToArray();

    /// <summary>The one status a step leads to (for the steps that have one).</summary>
    public static string To(CampaignStep step) =>
        Transitions.Where(t => t.Step == step).Select(t => t.To).Distinct().SingleOrDefault()
        ?? throw new InvalidOperationException($"{step} leads to more than one status; the caller says which.");

    /// <summary>Where scheduling or resuming leads: a campaign that has started sending goes on sending, else it waits for its time.</summary>
    public static string ScheduleTarget(bool prepared, bool started) => prepared && started ? CampaignStatus.Sending : CampaignStatus.Scheduled;

    /// <summary>The status <paramref name="step"/> leads to from <paramref name="from"/>, or an error saying it is not allowed.</summary>
    public static string Require(CampaignStep step, string from, string to) =>
        Allows(step, from, to)
            ? to
            : throw new InvalidOperationException($"A campaign cannot go from {from} to {to} by {step}.");

    /// <summary>The buttons shown on the page of a campaign in <paramref name="status"/>, in the order they appear.</summary>
    public static IReadOnlyList<CampaignAction> ActionsFor(string status)
    {
        var actions = new List<CampaignAction>();
        if (AwaitingCompany.Contains(status))
        {
            actions.Add(CampaignAction.Edit);
        }

        foreach (var (action, step) in CompanySteps)
        {
            if (Allows(step, status))
            {
                actions.Add(action);
            }
        }

        return actions;
    }

    /// <summary>The company's step behind a button (Edit has none), and the word for it in messages.</summary>
    public static readonly IReadOnlyList<(CampaignAction Action, CampaignStep Step)> CompanySteps =
    [
        (CampaignAction.Schedule, CampaignStep.Schedule),
        (CampaignAction.Pause, CampaignStep.Pause),
        (CampaignAction.Resume, CampaignStep.Resume),
        (CampaignAction.Cancel, CampaignStep.Cancel),
    ];

    /// <summary>The value a button posts (what <c>ChangeCampaignState</c> takes): the action's name in lower case.</summary>
    public static string FormValue(CampaignAction action) => action.ToString().ToLowerInvariant();

    /// <summary>The company's step a posted action asks for; null for anything else (Edit opens a page, it is no step).</summary>
    public static CampaignStep? StepFor(string? action) =>
        CompanySteps.Where(s => FormValue(s.Action) == action).Select(s => (CampaignStep?)s.Step).FirstOrDefault();

    /// <summary>Whether the company may change what the campaign says and to whom.</summary>
    public static bool IsEditable(string status) => AwaitingCompany.Contains(status);

    /// <summary>
    /// Nothing more happens to the campaign until the company acts (or never): the live page stops its updates once
    /// every message has an outcome.
    /// </summary>
    public static bool IsAtRest(string status) => Ended.Contains(status) || AwaitingCompany.Contains(status);
}
