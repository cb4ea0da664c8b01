using Microsoft.EntityFrameworkCore;

namespace Platform.Modules.OptIns;

/// <summary>The OptIns module's own DbContext: it maps the <c>optins</c> schema and nothing else.</summary>
internal sealed class OptInsDbContext(DbContextOptions<OptInsDbContext> options) : DbContext(options)
{
    public const string Schema = "optins";

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
    }
}
