using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Npgsql;
using Platform.Modules.Shared;
using Quartz;
using Quartz.Extensibility;

namespace Platform.Host.Areas.Admin.Pages;

/// <summary>
/// The admin Jobs dashboard (Quartz has no dashboard package here, so the host has its own): every job
/// with its triggers and next fire time, what runs now on any node, the cluster-wide history of runs
/// with durations and errors, the nodes and their last check-in, and trigger/pause/resume/delete.
/// </summary>
internal sealed class JobsModel(ISchedulerFactory schedulers, IExecutionHistoryStore history, IConfiguration configuration) : PageModel
{
    private const int HistoryPageSize = 25;

    public IReadOnlyList<ClusterNode> Nodes { get; private set; } = [];

    public IReadOnlyList<JobRow> Jobs { get; private set; } = [];

    public IReadOnlyList<RunningRow> Running { get; private set; } = [];

    public IReadOnlyList<ExecutionHistoryEntry> History { get; private set; } = [];

    public bool HistoryHasMore { get; private set; }

    [BindProperty(SupportsGet = true)]
    public bool FailedOnly { get; set; }

    [BindProperty(SupportsGet = true, Name = "p")]
    public int PageNumber { get; set; }

    [TempData]
    public string? Message { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        PageNumber = Math.Max(0, PageNumber);
        var scheduler = await GetSchedulerAsync(cancellationToken);
        Nodes = await scheduler.QueryClusterNodes(cancellationToken);
        Jobs = await LoadJobsAsync(scheduler, cancellationToken);
        Running = await LoadRunningAsync(cancellationToken);

        var page = await history.QueryExecutions(
            new ExecutionHistoryQuery
            {
                SchedulerName = HostComposition.SchedulerName,
                FailedFinally = FailedOnly ? true : null,
                Skip = PageNumber * HistoryPageSize,
                Take = HistoryPageSize,
            },
            cancellationToken);
        History = page.Items;
        HistoryHasMore = page.HasMore;
    }

    public Task<IActionResult> OnPostTriggerAsync(string group, string name, CancellationToken cancellationToken) =>
        ActOnJobAsync(group, name, "triggered", (scheduler, key) => scheduler.TriggerJob(key, cancellationToken), cancellationToken);

    public Task<IActionResult> OnPostPauseAsync(string group, string name, CancellationToken cancellationToken) =>
        ActOnJobAsync(group, name, "paused", async (scheduler, key) => await scheduler.PauseJob(key, cancellationToken), cancellationToken);

    public Task<IActionResult> OnPostResumeAsync(string group, string name, CancellationToken cancellationToken) =>
        ActOnJobAsync(group, name, "resumed", async (scheduler, key) => await scheduler.ResumeJob(key, cancellationToken), cancellationToken);

    public Task<IActionResult> OnPostDeleteAsync(string group, string name, CancellationToken cancellationToken) =>
        ActOnJobAsync(group, name, "deleted (a job a module registers comes back at the next start)",
            async (scheduler, key) => await scheduler.DeleteJob(key, cancellationToken), cancellationToken);

    private async Task<IActionResult> ActOnJobAsync(string group, string name, string done, Func<IScheduler, JobKey, ValueTask> action, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(group) || string.IsNullOrWhiteSpace(name))
        {
            Message = "Choose a job first.";
            return RedirectToPage();
        }

        var scheduler = await GetSchedulerAsync(cancellationToken);
        var key = new JobKey(name, group);
        if (await scheduler.GetJobDetail(key, cancellationToken) is null)
        {
            Message = $"There is no job {group}.{name} any more.";
            return RedirectToPage();
        }

        await action(scheduler, key);
        Message = $"Job {group}.{name} {done}.";
        return RedirectToPage();
    }

    private async Task<IScheduler> GetSchedulerAsync(CancellationToken cancellationToken) =>
        await schedulers.LookupScheduler(HostComposition.SchedulerName, cancellationToken)
        ?? throw new InvalidOperationException("The scheduler is not running.");

    private static async Task<IReadOnlyList<JobRow>> LoadJobsAsync(IScheduler scheduler, CancellationToken cancellationToken)
    {
        var rows = new List<JobRow>();
        foreach (var group in (await scheduler.GetJobGroupNames(cancellationToken)).Order(StringComparer.Ordinal))
        {
            foreach (var key in (await scheduler.GetJobKeys(GroupMatcher<JobKey>.GroupEquals(group), cancellationToken)).OrderBy(k => k.Name, StringComparer.Ordinal))
            {
                var detail = await scheduler.GetJobDetail(key, cancellationToken);
                var triggers = new List<TriggerRow>();
                foreach (var trigger in await scheduler.GetTriggersOfJob(key, cancellationToken))
                {
                    var state = await scheduler.GetTriggerState(trigger.Key, cancellationToken);
                    var schedule = trigger switch
                    {
                        ICronTrigger cron => $"cron {cron.CronExpressionString}",
                        ISimpleTrigger simple when simple.RepeatCount == 0 => "once",
                        ISimpleTrigger simple => $"every {simple.RepeatInterval}",
                        _ => trigger.GetType().Name,
                    };
                    triggers.Add(new TriggerRow(trigger.Key.ToString(), state.ToString(), schedule, trigger.NextFireTimeUtc, trigger.PreviousFireTimeUtc));
                }

                rows.Add(new JobRow(key.Group, key.Name, detail?.Description, detail?.JobType.Type.Name ?? "?", triggers));
            }
        }

        return rows;
    }

    /// <summary>
    /// What is executing on any node: the scheduler's API only knows its own node's jobs, but every node
    /// records its firings in the shared QRTZ_FIRED_TRIGGERS table, so the cluster's answer is there.
    /// </summary>
    private async Task<IReadOnlyList<RunningRow>> LoadRunningAsync(CancellationToken cancellationToken)
    {
        var rows = new List<RunningRow>();
        await using var connection = new NpgsqlConnection(configuration.PlatformConnectionString());
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            """
            SELECT job_group, job_name, trigger_group, trigger_name, instance_name, fired_time
            FROM qrtz_fired_triggers
            WHERE sched_name = @scheduler AND state = 'EXECUTING'
            ORDER BY fired_time
            """, connection);
        command.Parameters.AddWithValue("scheduler", HostComposition.SchedulerName);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var firedAt = new DateTimeOffset(reader.GetInt64(5), TimeSpan.Zero);
            rows.Add(new RunningRow(
                reader.IsDBNull(0) ? string.Empty : reader.GetString(0),
                reader.IsDBNull(1) ? string.Empty : reader.GetString(1),
                $"{reader.GetString(2)}.{reader.GetString(3)}",
                reader.GetString(4),
                firedAt));
        }

        return rows;
    }

    public static string Duration(TimeSpan duration) =>
        duration.TotalSeconds < 1 ? $"{duration.TotalMilliseconds:0} ms" : duration.TotalMinutes < 1 ? $"{duration.TotalSeconds:0.0} s" : duration.ToString(@"h\:mm\:ss");

    public static string When(DateTimeOffset? value) => value?.ToString("yyyy-MM-dd HH:mm:ss 'UTC'") ?? "—";
}

internal sealed record TriggerRow(string Key, string State, string Schedule, DateTimeOffset? NextFireUtc, DateTimeOffset? PreviousFireUtc);

internal sealed record JobRow(string Group, string Name, string? Description, string JobType, IReadOnlyList<TriggerRow> Triggers)
{
    public bool IsPaused => Triggers.Count > 0 && Triggers.All(t => t.State == nameof(TriggerState.Paused));
}

internal sealed record RunningRow(string JobGroup, string JobName, string Trigger, string Node, DateTimeOffset FiredAt);
