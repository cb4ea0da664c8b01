using Microsoft.EntityFrameworkCore;

namespace Platform.Modules.SenderIds;

/// <summary>The SenderIds module's own DbContext: it maps the <c>senderids</c> schema and nothing else.</summary>
internal sealed class SenderIdsDbContext(DbContextOptions<SenderIdsDbContext> options) : DbContext(options)
{
    public const string Schema = "senderids";

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
    }
}
