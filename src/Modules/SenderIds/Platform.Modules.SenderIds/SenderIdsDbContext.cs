using Microsoft.EntityFrameworkCore;
using Platform.Modules.SenderIds.Domain;

namespace Platform.Modules.SenderIds;

/// <summary>The SenderIds module's own DbContext: it maps the <c>senderids</c> schema and nothing else.</summary>
internal sealed class SenderIdsDbContext(DbContextOptions<SenderIdsDbContext> options) : DbContext(options)
{
    public const string Schema = "senderids";

    public DbSet<SenderIdApplication> Applications => Set<SenderIdApplication>();

    public DbSet<SenderIdDocument> Documents => Set<SenderIdDocument>();

    public DbSet<StatusTransition> Transitions => Set<StatusTransition>();

    public DbSet<DocumentAccess> DocumentAccessLog => Set<DocumentAccess>();

    public DbSet<CompanyNotification> Notifications => Set<CompanyNotification>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);

        modelBuilder.Entity<SenderIdApplication>(e =>
        {
            e.ToTable("applications");
            e.Property(a => a.SenderId).HasMaxLength(16);
            e.Property(a => a.SenderKey).HasMaxLength(16);
            e.Property(a => a.Kind).HasMaxLength(16);
            e.Property(a => a.UseCase).HasMaxLength(1000);
            e.Property(a => a.SampleMessages).HasMaxLength(2000);
            e.Property(a => a.RegistrationNumber).HasMaxLength(50);
            e.Property(a => a.Status).HasMaxLength(16);
            e.Property(a => a.DecisionReason).HasMaxLength(500);
            e.HasIndex(a => a.CompanyId);
            e.HasIndex(a => a.SenderKey);
        });

        modelBuilder.Entity<SenderIdDocument>(e =>
        {
            e.ToTable("documents");
            e.Property(d => d.Kind).HasMaxLength(32);
            e.Property(d => d.ContentType).HasMaxLength(32);
            e.HasIndex(d => d.ApplicationId);
        });

        modelBuilder.Entity<StatusTransition>(e =>
        {
            e.ToTable("status_transitions");
            e.Property(t => t.Id).UseIdentityByDefaultColumn();
            e.Property(t => t.FromStatus).HasMaxLength(16);
            e.Property(t => t.ToStatus).HasMaxLength(16);
            e.Property(t => t.ActorRole).HasMaxLength(16);
            e.Property(t => t.ActorEmail).HasMaxLength(256);
            e.Property(t => t.Reason).HasMaxLength(500);
            e.HasIndex(t => t.ApplicationId);
        });

        modelBuilder.Entity<DocumentAccess>(e =>
        {
            e.ToTable("document_access_log");
            e.Property(a => a.Id).UseIdentityByDefaultColumn();
            e.HasIndex(a => a.DocumentId);
        });

        modelBuilder.Entity<CompanyNotification>(e =>
        {
            e.ToTable("notifications");
            e.Property(n => n.Id).UseIdentityByDefaultColumn();
            e.Property(n => n.Message).HasMaxLength(700);
            e.HasIndex(n => n.CompanyId);
        });
    }
}
