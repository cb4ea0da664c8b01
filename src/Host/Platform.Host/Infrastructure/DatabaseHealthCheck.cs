using Dapper;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Platform.Modules.Shared;

namespace Platform.Host.Infrastructure;

/// <summary>Healthy when PostgreSQL answers a trivial query within the check's timeout (HostComposition).</summary>
internal sealed class DatabaseHealthCheck(IConfiguration configuration) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            // WaitAsync, not only the token: against a stalled network Npgsql's own cancellation goes through the same
            // silent path and can take longer than the check's timeout; the probe is abandoned instead.
            await ProbeAsync(cancellationToken).WaitAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL did not answer.", exception);
        }
    }

    private async Task ProbeAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(configuration.PlatformConnectionString());
        await connection.OpenAsync(cancellationToken);
        await connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT 1", cancellationToken: cancellationToken));
    }
}
