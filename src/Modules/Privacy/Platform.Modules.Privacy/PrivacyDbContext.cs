using Microsoft.EntityFrameworkCore;

namespace Platform.Modules.Privacy;

/// <summary>The Privacy module's own DbContext: it maps the <c>privacy</c> schema and nothing else.</summary>
internal sealed class PrivacyDbContext(DbContextOptions<PrivacyDbContext> options) : DbContext(options)
{
    public const string Schema = "privacy";

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
    }
}
