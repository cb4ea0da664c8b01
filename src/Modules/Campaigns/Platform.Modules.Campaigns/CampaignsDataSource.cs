using Microsoft.Extensions.Configuration;
using Npgsql;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns;

/// <summary>
/// The module's pooled connections for the set-based SQL of sending (COPY, UPDATE … FROM unnest): the hot paths
/// run raw SQL on these rather than a DbContext per batch. Pages and small handlers use <see cref="CampaignsDbContext"/>.
/// </summary>
internal sealed class CampaignsDataSource : IDisposable
{
    public CampaignsDataSource(IConfiguration configuration)
    {
        var builder = new NpgsqlDataSourceBuilder(configuration.PlatformConnectionString());
        if (builder.ConnectionStringBuilder.MaxAutoPrepare == 0)
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = 32;
        }

        Source = builder.Build();
    }

    public NpgsqlDataSource Source { get; }

    /// <summary>
    /// After a statement PostgreSQL refused, Npgsql's bookkeeping of a connection's auto-prepared statements can disagree
    /// with the server (npgsql/npgsql#6391, open; in a batch, the statements after the refused one were never parsed), and
    /// the next command on that connection reads another statement's rows ("unexpected backend message DataRow", seen in
    /// InboxTests after a refused reply batch). Clearing the pool closes that connection once it is back (idle ones now,
    /// busy ones when returned). Call it where a refusal is expected and handled; refusals are rare (a deadlock, bad data),
    /// so reconnecting is cheaper than a pool without preparation.
    /// </summary>
    public void ForgetPreparedStatements() => Source.Clear();

    public void Dispose() => Source.Dispose();
}
