namespace Platform.Carriers.Runtime.Limits;

/// <summary>
/// How many hosts of the cluster are alive now, so each takes its share of a carrier's cluster-wide rate limit.
/// Defined here so the carrier runtime never depends on the jobs engine that knows the answer (the host implements
/// it from Hangfire's server heartbeats).
/// </summary>
public interface IClusterNodes
{
    Task<int> LiveNodesAsync(CancellationToken cancellationToken);
}
