using Microsoft.EntityFrameworkCore;
using Platform.Modules.OptIns.Domain;

namespace Platform.Modules.OptIns;

/// <summary>The OptIns module's own DbContext: it maps the <c>optins</c> schema and nothing else.</summary>
internal sealed class OptInsDbContext(DbContextOptions<OptInsDbContext> options) : DbContext(options)
{
    public const string Schema = "optins";

    public DbSet<Keyword> Keywords => Set<Keyword>();

    public DbSet<KeywordCounter> KeywordCounters => Set<KeywordCounter>();

    public DbSet<Subscriber> Subscribers => Set<Subscriber>();

    public DbSet<SubscriberAccount> SubscriberAccounts => Set<SubscriberAccount>();

    public DbSet<Subscription> Subscriptions => Set<Subscription>();

    public DbSet<ConsentRecord> ConsentRecords => Set<ConsentRecord>();

    public DbSet<ConsentLeaf> ConsentLeaves => Set<ConsentLeaf>();

    public DbSet<RequestTotal> RequestTotals => Set<RequestTotal>();

    public DbSet<KeywordRequest> Requests => Set<KeywordRequest>();

    public DbSet<CourtesyReply> CourtesyReplies => Set<CourtesyReply>();

    public DbSet<SuppressedNumber> SuppressedNumbers => Set<SuppressedNumber>();

    public DbSet<SmsResetCode> SmsResetCodes => Set<SmsResetCode>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);

        modelBuilder.Entity<Keyword>(e =>
        {
            e.ToTable("keywords");
            e.Property(k => k.PlatformNumber).HasMaxLength(16);
            e.Property(k => k.Word).HasMaxLength(20);
            e.Property(k => k.Description).HasMaxLength(500);
            e.Property(k => k.AutoReply).HasMaxLength(300);
            e.HasIndex(k => k.CompanyId);
        });

        modelBuilder.Entity<KeywordCounter>(e =>
        {
            e.ToTable("keyword_counters");
            e.HasKey(c => new { c.KeywordId, c.Shard });
        });

        modelBuilder.Entity<Subscriber>(e =>
        {
            e.ToTable("subscribers");
            e.Property(s => s.Phone).HasMaxLength(16);
            e.Property(s => s.UserCode).HasMaxLength(6);
            e.HasIndex(s => s.Phone).IsUnique();
            e.HasIndex(s => s.UserCode).IsUnique();
        });

        modelBuilder.Entity<SubscriberAccount>(e =>
        {
            e.ToTable("subscriber_accounts");
            e.HasKey(a => a.SubscriberId);
            e.Property(a => a.Email).HasMaxLength(256);
            e.Property(a => a.FirstName).HasMaxLength(100);
            e.Property(a => a.Surname).HasMaxLength(100);
            e.Property(a => a.PostalCode).HasMaxLength(20);
            e.Property(a => a.Imei).HasMaxLength(15);
            e.Property(a => a.AgeBand).HasMaxLength(20);
            e.Property(a => a.Country).HasMaxLength(60);
            e.Property(a => a.Gender).HasMaxLength(20);
        });

        modelBuilder.Entity<Subscription>(e =>
        {
            e.ToTable("subscriptions");
            e.HasKey(s => new { s.CompanyId, s.SubscriberId });
            e.Property(s => s.Phone).HasMaxLength(16);
            e.Property(s => s.PlatformNumber).HasMaxLength(16);
        });

        modelBuilder.Entity<ConsentRecord>(e =>
        {
            e.ToTable("consent_records");
            e.Property(c => c.Id).UseIdentityByDefaultColumn();
            e.Property(c => c.Via).HasMaxLength(8);
            e.Property(c => c.MessageText).HasMaxLength(1600);
            e.Property(c => c.Keyword).HasMaxLength(20);
        });

        modelBuilder.Entity<ConsentLeaf>(e =>
        {
            e.ToTable("consent_leaves");
            e.HasKey(l => l.RecordId);
            e.Property(l => l.RecordId).ValueGeneratedNever();
            e.Property(l => l.SubjectHash).HasMaxLength(64);
        });

        modelBuilder.Entity<ConsentBatch>(e =>
        {
            e.ToTable("consent_batches");
            e.HasKey(b => new { b.CompanyId, b.Seq });
        });

        modelBuilder.Entity<ConsentCheckpoint>(e =>
        {
            e.ToTable("consent_checkpoints");
            e.Property(c => c.Id).UseIdentityByDefaultColumn();
            e.Property(c => c.KeyId).HasMaxLength(64);
        });

        modelBuilder.Entity<ConsentCheckpointHead>(e =>
        {
            e.ToTable("consent_checkpoint_heads");
            e.HasKey(h => new { h.CompanyId, h.CheckpointId });
            e.HasOne<ConsentCheckpoint>().WithMany().HasForeignKey(h => h.CheckpointId);
        });

        modelBuilder.Entity<RequestTotal>(e =>
        {
            e.ToTable("request_totals");
            e.HasKey(t => new { t.KeywordId, t.SubscriberId });
        });

        modelBuilder.Entity<KeywordRequest>(e =>
        {
            e.ToTable("requests");
            e.Property(r => r.Id).UseIdentityByDefaultColumn();
            e.Property(r => r.UserCode).HasMaxLength(6);
            e.Property(r => r.Keyword).HasMaxLength(20);
        });

        modelBuilder.Entity<CourtesyReply>(e =>
        {
            e.ToTable("courtesy_replies");
            e.HasKey(c => new { c.Phone, c.Kind });
            e.Property(c => c.Phone).HasMaxLength(16);
            e.Property(c => c.Kind).HasMaxLength(16);
        });

        modelBuilder.Entity<SuppressedNumber>(e =>
        {
            e.ToTable("suppressed_numbers");
            e.HasKey(n => new { n.CompanyId, n.PhoneHash });
            e.Property(n => n.PhoneHash).HasMaxLength(64);
        });

        modelBuilder.Entity<SmsResetCode>(e =>
        {
            e.ToTable("sms_reset_codes");
            e.HasKey(c => c.SubscriberId);
            e.Property(c => c.CodeHash).HasMaxLength(64);
        });
    }
}
