using Microsoft.EntityFrameworkCore;
using Platform.Modules.Privacy.Domain;

namespace Platform.Modules.Privacy;

/// <summary>The Privacy module's own DbContext: it maps the <c>privacy</c> schema and nothing else.</summary>
internal sealed class PrivacyDbContext(DbContextOptions<PrivacyDbContext> options) : DbContext(options)
{
    public const string Schema = "privacy";

    public DbSet<PrivacyRequest> Requests => Set<PrivacyRequest>();

    public DbSet<MarketingConsent> MarketingConsents => Set<MarketingConsent>();

    public DbSet<Newsletter> Newsletters => Set<Newsletter>();

    public DbSet<NewsletterRecipient> NewsletterRecipients => Set<NewsletterRecipient>();

    public DbSet<PageViewCount> PageViewCounts => Set<PageViewCount>();

    public DbSet<Disclosure> Disclosures => Set<Disclosure>();

    public DbSet<DisclosureApproval> DisclosureApprovals => Set<DisclosureApproval>();

    public DbSet<StaffAccess> StaffAccesses => Set<StaffAccess>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);

        modelBuilder.Entity<PrivacyRequest>(e =>
        {
            e.ToTable("requests");
            e.Property(r => r.SubjectKind).HasMaxLength(20);
            e.Property(r => r.Kind).HasMaxLength(20);
            e.HasIndex(r => r.SubjectId).HasDatabaseName("ix_requests_subject");
        });

        modelBuilder.Entity<MarketingConsent>(e =>
        {
            e.ToTable("marketing_consents");
            e.Property(c => c.Id).UseIdentityByDefaultColumn();
            e.Property(c => c.SubjectKind).HasMaxLength(20);
            e.Property(c => c.Channel).HasMaxLength(10);
            e.Property(c => c.Source).HasMaxLength(40);
        });

        modelBuilder.Entity<Newsletter>(e =>
        {
            e.ToTable("newsletters");
            e.Property(n => n.Id).ValueGeneratedNever();
            e.Property(n => n.Subject).HasMaxLength(150);
            e.Property(n => n.SmsText).HasMaxLength(300);
            e.Property(n => n.Status).HasMaxLength(10);
        });

        modelBuilder.Entity<NewsletterRecipient>(e =>
        {
            e.ToTable("newsletter_recipients");
            e.HasKey(r => new { r.NewsletterId, r.Channel, r.SubjectId });
            e.Property(r => r.Channel).HasMaxLength(10);
            e.Property(r => r.Address).HasMaxLength(320);
            e.Property(r => r.Error).HasMaxLength(300);
            e.HasOne<Newsletter>().WithMany().HasForeignKey(r => r.NewsletterId);
        });

        modelBuilder.Entity<PageViewCount>(e =>
        {
            e.ToTable("page_view_counts");
            e.HasKey(p => new { p.Day, p.Path, p.Browser, p.OperatingSystem, p.ReferrerHost, p.NetworkPrefix });
            e.Property(p => p.Path).HasMaxLength(200);
            e.Property(p => p.Browser).HasMaxLength(40);
            e.Property(p => p.OperatingSystem).HasMaxLength(40);
            e.Property(p => p.ReferrerHost).HasMaxLength(255);
            e.Property(p => p.NetworkPrefix).HasMaxLength(64);
        });

        modelBuilder.Entity<Disclosure>(e =>
        {
            e.ToTable("disclosures");
            e.Property(d => d.Authority).HasMaxLength(200);
            e.Property(d => d.Reference).HasMaxLength(100);
            e.Property(d => d.LegalBasis).HasMaxLength(500);
            e.Property(d => d.DataRequested).HasMaxLength(1000);
            e.Property(d => d.SubjectContact).HasMaxLength(256);
        });

        modelBuilder.Entity<DisclosureApproval>(e =>
        {
            e.ToTable("disclosure_approvals");
            e.HasKey(a => a.DisclosureId);
            e.Property(a => a.DisclosureId).ValueGeneratedNever();
        });

        modelBuilder.Entity<StaffAccess>(e =>
        {
            e.ToTable("staff_accesses");
            e.Property(s => s.Id).UseIdentityByDefaultColumn();
            e.Property(s => s.SubjectKind).HasMaxLength(20);
            e.Property(s => s.Reason).HasMaxLength(500);
        });
    }
}
