using System.ComponentModel;
using System.Globalization;
using Hangfire;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Platform.Modules.Shared.Jobs;

/// <summary>
/// Work a module runs on a schedule on the Hangfire cluster (see ADR 14). A run must be safe to repeat and to run on
/// any node: it moves state forward only. <see cref="RecurringJobRunner"/> keeps two runs of the same job from
/// overlapping, so a slow run is never doubled by the next tick.
/// </summary>
public interface IRecurringJob
{
    /// <summary>
    /// One run. The returned summary is the run's result on the dashboard (Admin → Jobs → Succeeded). Throw when the run
    /// could not do its work: the run then ends Failed with the exception on the dashboard, where an admin can retry it.
    /// Work that serves many companies should not throw for one company's failure: record it per company and say how
    /// many failed in the summary.
    /// </summary>
    Task<string> RunAsync(CancellationToken cancellationToken);
}

/// <summary>A module's recurring job: its stable id (module.name), the class that runs it, and when (Hangfire cron, UTC).</summary>
public sealed record RecurringJobDefinition(string Id, Type JobType, string Cron, string Description);

/// <summary>The one way modules register recurring jobs; the host puts every definition on the cluster at start-up.</summary>
public static class RecurringJobServices
{
    public static IServiceCollection AddRecurringJob<TJob>(this IServiceCollection services, string id, string cron, string description)
        where TJob : class, IRecurringJob
    {
        services.AddScoped<TJob>();
        services.AddSingleton(new RecurringJobDefinition(id, typeof(TJob), cron, description));
        services.AddTransient<RecurringJobRunner>();
        return services;
    }

    /// <summary>
    /// A cron expression that fires every <paramref name="interval"/>: six fields (with seconds) below a minute, so the
    /// 5 s and 30 s jobs keep their pace. Intervals that do not divide a minute, an hour or a day are rounded down to one
    /// that does (a cron step restarts at each boundary, so "every 7 s" would not be even).
    /// </summary>
    public static string Every(TimeSpan interval)
    {
        var seconds = Math.Max(1, (int)interval.TotalSeconds);
        if (seconds < 60)
        {
            return $"*/{Divisor(seconds, 60).ToString(CultureInfo.InvariantCulture)} * * * * *";
        }

        var minutes = seconds / 60;
        if (minutes < 60)
        {
            return $"0 */{Divisor(minutes, 60).ToString(CultureInfo.InvariantCulture)} * * * *";
        }

        var hours = minutes / 60;
        return hours < 24 ? $"0 0 */{Divisor(hours, 24).ToString(CultureInfo.InvariantCulture)} * * *" : "0 0 0 * * *";
    }

    private static int Divisor(int value, int whole)
    {
        while (whole % value != 0)
        {
            value--;
        }

        return value;
    }
}

/// <summary>
/// What Hangfire runs for every recurring job: finds the module's job by id and runs it in its own scope, under a
/// PostgreSQL advisory lock named after the job, so that a run still going when the next tick fires (on this node or
/// another) makes the new one skip instead of running twice. Advisory locks end with their connection, so a killed
/// host never leaves a lock behind (Hangfire's own <c>DisableConcurrentExecution</c> rows outlive it by minutes).
/// </summary>
public sealed class RecurringJobRunner(IServiceScopeFactory scopes, IEnumerable<RecurringJobDefinition> definitions, IConfiguration configuration)
{
    /// <summary>Failed runs are not retried by Hangfire: the next tick runs anyway, and the failure stays on the dashboard with Retry.</summary>
    [DisplayName("{0}")]
    [AutomaticRetry(Attempts = 0, LogEvents = false)]
    public async Task<string> RunAsync(string jobId, CancellationToken cancellationToken)
    {
        var definition = definitions.FirstOrDefault(d => d.Id == jobId)
            ?? throw new InvalidOperationException($"No module registers the recurring job '{jobId}' any more; it is removed at the next start.");

        await using var connection = new NpgsqlConnection(configuration.PlatformConnectionString());
        await connection.OpenAsync(cancellationToken);
        return await AdvisoryLocks.TryRunAsync(connection, LockKey(jobId), async () =>
               {
                   await using var scope = scopes.CreateAsyncScope();
                   var job = (IRecurringJob)scope.ServiceProvider.GetRequiredService(definition.JobType);
                   return await job.RunAsync(cancellationToken);
               }, cancellationToken)
               ?? "Skipped: the previous run of this job is still going";
    }

    /// <summary>A stable 64-bit key per job id (FNV-1a), in a range of its own so it cannot meet the migrator's lock.</summary>
    public static long LockKey(string jobId)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in jobId)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return (long)(hash & 0x0000_FFFF_FFFF_FFFFUL) | 0x4A4F_0000_0000_0000L; // "JO" in the top bytes
    }
}
