using Microsoft.EntityFrameworkCore;

namespace Platform.Modules.Billing;

/// <summary>The Billing module's own DbContext: it maps the <c>billing</c> schema and nothing else.</summary>
internal sealed class BillingDbContext(DbContextOptions<BillingDbContext> options) : DbContext(options)
{
    public const string Schema = "billing";

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
    }
}
