using Hangfire;
using Hangfire.Dashboard;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.Storage;
using Platform.Carriers.Runtime.Limits;
using Platform.Modules.Accounts;
using Platform.Modules.Shared.Jobs;

namespace Platform.Host.Infrastructure;

/// <summary>
/// The jobs engine (ADR 14): Hangfire on PostgreSQL (schema <c>hangfire</c>), a server on every host, all hosts one
/// cluster through the shared storage; the Hangfire Dashboard is the admins' Jobs page. The defaults that do not fit a
/// sending platform are changed here, each for a measured reason (docs/operations.md).
/// </summary>
internal static class PlatformJobs
{
    public const string Schema = "hangfire";

    public const string DashboardPath = "/Admin/Jobs";

    /// <summary>A server that missed heartbeats this long is dead: its share of the carriers' rate goes to the others.</summary>
    public static readonly TimeSpan ServerTimeout = TimeSpan.FromSeconds(30);

    public static IServiceCollection AddPlatformJobs(this IServiceCollection services, IConfiguration configuration, string connectionString)
    {
        var section = configuration.GetSection("Platform:Jobs");
        var storage = new PostgreSqlStorageOptions
        {
            SchemaName = Schema,
            // Installed by the migrator under its advisory lock instead (HostComposition.PrepareDatabaseAsync).
            PrepareSchemaIfNecessary = false,
            // The default 15 s leaves a gap between one sending slice and the next on another node.
            QueuePollInterval = TimeSpan.FromSeconds(Math.Max(0.05, section.GetValue("QueuePollSeconds", 1.0))),
            // The default 30 min would leave a killed node's job invisible for half an hour. Sending runs do not depend
            // on it (their own lease in campaigns.campaign_runs resumes them within a minute); this bounds the rest.
            UseSlidingInvisibilityTimeout = true,
            InvisibilityTimeout = TimeSpan.FromMinutes(5),
            // Hangfire's lock rows outlive a killed host by this long (default 10 min): the recurring and delayed
            // schedulers would stall that long. It must stay under the 15 s RecurringJobManager.AddOrUpdate waits for a
            // job's lock, or a host starting right after another was SIGKILLed holding one dies at start (measured: the
            // kill-then-start test in DurableEventsTests, with 30 s). Hangfire holds these locks for milliseconds; our own
            // jobs use PostgreSQL advisory locks, which end with the connection.
            DistributedLockTimeout = TimeSpan.FromSeconds(10),
            JobExpirationCheckInterval = TimeSpan.FromMinutes(15),
            CountersAggregateInterval = TimeSpan.FromMinutes(1),
        };

        // The storage and the job activator are this host's own singletons, registered before AddHangfire (which only
        // adds them if missing). Hangfire's defaults are process-wide statics (JobStorage.Current, JobActivator.Current):
        // with several hosts in one process, as the integration tests run them, one host would enqueue into another's
        // database and run jobs with another's services.
        // Hangfire's own pool is small and named: its workers poll the queue every second and would otherwise keep one idle
        // connection each (15 per idle host, measured), which several hosts on one PostgreSQL cannot afford. A worker
        // running a job holds none of these; the module's own data source serves the job's work.
        var hangfireConnection = new Npgsql.NpgsqlConnectionStringBuilder(connectionString)
        {
            ApplicationName = "platform-hangfire",
            MaxPoolSize = Math.Max(2, section.GetValue("MaxConnections", 4)),
            ConnectionIdleLifetime = 30,
        }.ConnectionString;
        services.AddSingleton<JobStorage>(_ => new PostgreSqlStorage(new NpgsqlConnectionFactory(hangfireConnection, storage), storage));
        services.AddSingleton<JobActivator>(provider => new Hangfire.AspNetCore.AspNetCoreJobActivator(provider.GetRequiredService<IServiceScopeFactory>()));
        services.AddHangfire((provider, hangfire) => hangfire
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseLogProvider(new HostLogProvider(provider.GetRequiredService<ILoggerFactory>())));

        services.AddHangfireServer(server =>
        {
            if (section["ServerName"] is { Length: > 0 } name)
            {
                server.ServerName = name; // tells hosts apart on the dashboard (Servers) and in the tests
            }

            // Jobs one host runs at once; a campaign's sending slot holds one for its slice.
            server.WorkerCount = Math.Max(2, section.GetValue("WorkerCount", 10));
            // Delayed jobs (a campaign's scheduled start, a slot resuming after quiet hours) and recurring jobs (the 5 s
            // ones) start within a second of their time, not the default 15 s.
            server.SchedulePollingInterval = TimeSpan.FromSeconds(1);
            server.HeartbeatInterval = TimeSpan.FromSeconds(5);
            server.ServerTimeout = ServerTimeout;
            server.ServerCheckInterval = TimeSpan.FromSeconds(15);
            // A sending run stops between batches when asked; give the batch in flight time to be recorded.
            server.ShutdownTimeout = TimeSpan.FromSeconds(30);
        });

        services.AddSingleton<HangfireClusterNodes>();
        services.AddSingleton<IClusterNodes>(provider => provider.GetRequiredService<HangfireClusterNodes>());
        return services;
    }

    /// <summary>
    /// Puts every module's recurring jobs on the cluster (same id: updated in place), and removes recurring jobs no
    /// module registers any more. Runs at start-up on every host; Hangfire serialises concurrent updates per job.
    /// </summary>
    public static void RegisterRecurringJobs(IServiceProvider services, ILogger logger)
    {
        var manager = services.GetRequiredService<IRecurringJobManager>();
        var definitions = services.GetServices<RecurringJobDefinition>().ToList();
        foreach (var definition in definitions)
        {
            manager.AddOrUpdate<RecurringJobRunner>(
                definition.Id,
                runner => runner.RunAsync(definition.Id, CancellationToken.None),
                definition.Cron,
                new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
        }

        using var connection = services.GetRequiredService<JobStorage>().GetConnection();
        foreach (var stale in connection.GetRecurringJobs().Where(j => definitions.All(d => d.Id != j.Id)))
        {
            manager.RemoveIfExists(stale.Id);
            logger.LogInformation("Removed recurring job {Job}: no module registers it any more", stale.Id);
        }
    }

    /// <summary>
    /// The Hangfire Dashboard at /Admin/Jobs for platform admins only: the endpoint's policy decides (visitors are sent to
    /// log in, company users to Access denied), Hangfire's own local-requests-only filter is replaced by it, its POSTs
    /// (Retry, Trigger now, Delete) need the antiforgery token, and the storage's connection string is never shown.
    /// </summary>
    public static IEndpointRouteBuilder MapJobsDashboard(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHangfireDashboard(DashboardPath, new DashboardOptions
        {
            Authorization = [],
            AsyncAuthorization = [],
            DashboardTitle = "Platform · Jobs",
            AppPath = "/Admin",
            DisplayStorageConnectionString = false,
            IgnoreAntiforgeryToken = false,
            StatsPollingInterval = 5000,
        }).RequireAuthorization(AccountsModule.PlatformAdminPolicy);
        return endpoints;
    }
}

/// <summary>Live hosts are the Hangfire servers whose heartbeat is recent (each host runs one server).</summary>
internal sealed class HangfireClusterNodes(JobStorage storage, TimeProvider clock) : IClusterNodes
{
    /// <summary>At least 1: this host counts itself even before its first heartbeat.</summary>
    public Task<int> LiveNodesAsync(CancellationToken cancellationToken) => Task.FromResult(Math.Max(1, CountLive()));

    /// <summary>Servers whose heartbeat is within the server timeout.</summary>
    public int CountLive()
    {
        var since = clock.GetUtcNow().UtcDateTime - PlatformJobs.ServerTimeout;
        return storage.GetMonitoringApi().Servers().Count(s => s.Heartbeat is { } beat && beat >= since);
    }
}

/// <summary>
/// Hangfire's log provider is process-wide (a static), set by the last host built in the process. In production a process
/// is one host; the integration tests build many hosts in one process and dispose them, and a disposed host's logger
/// factory throws on every line Hangfire writes — failing a dashboard request of another host. This provider writes
/// through the host that set it and drops lines once that host is gone.
/// </summary>
internal sealed class HostLogProvider(ILoggerFactory factory) : Hangfire.Logging.ILogProvider
{
    public Hangfire.Logging.ILog GetLogger(string name) => new HostLog(factory, name);

    private sealed class HostLog(ILoggerFactory factory, string name) : Hangfire.Logging.ILog
    {
        private ILogger? logger;

        public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null)
        {
            var level = logLevel switch
            {
                Hangfire.Logging.LogLevel.Trace => LogLevel.Trace,
                Hangfire.Logging.LogLevel.Debug => LogLevel.Debug,
                Hangfire.Logging.LogLevel.Info => LogLevel.Information,
                Hangfire.Logging.LogLevel.Warn => LogLevel.Warning,
                Hangfire.Logging.LogLevel.Error => LogLevel.Error,
                _ => LogLevel.Critical,
            };
            try
            {
                logger ??= factory.CreateLogger(name);
                if (messageFunc is null)
                {
                    return logger.IsEnabled(level);
                }

                if (logger.IsEnabled(level))
                {
#pragma warning disable CA2254 // Hangfire hands over finished messages, not templates
                    logger.Log(level, exception, messageFunc());
#pragma warning restore CA2254
                }

                return true;
            }
            catch (ObjectDisposedException)
            {
                return false; // the host that set this provider has been disposed
            }
        }
    }
}

/// <summary>/healthz: Hangfire's storage answers and a server of the cluster has a recent heartbeat (this host's, once it has started).</summary>
internal sealed class JobsHealthCheck(HangfireClusterNodes cluster) : Microsoft.Extensions.Diagnostics.HealthChecks.IHealthCheck
{
    public async Task<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult> CheckHealthAsync(
        Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            // Hangfire's monitoring API is synchronous: waited for on the side, so the check's timeout can end the wait.
            var live = await Task.Run(cluster.CountLive, cancellationToken).WaitAsync(cancellationToken);
            return live > 0
                ? Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy($"{live} live Hangfire server(s)")
                : Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Degraded("No Hangfire server has a recent heartbeat yet");
        }
        catch (Exception exception) when (exception is Npgsql.NpgsqlException or InvalidOperationException)
        {
            return Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Unhealthy("Hangfire's storage does not answer", exception);
        }
    }
}
