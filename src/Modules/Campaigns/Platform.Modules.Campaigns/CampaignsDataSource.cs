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

    public void Dispose() => Source.Dispose();
}
