using Microsoft.EntityFrameworkCore;

namespace Platform.Modules.Campaigns;

/// <summary>The Campaigns module's own DbContext: it maps the <c>campaigns</c> schema and nothing else.</summary>
internal sealed class CampaignsDbContext(DbContextOptions<CampaignsDbContext> options) : DbContext(options)
{
    public const string Schema = "campaigns";

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
    }
}
