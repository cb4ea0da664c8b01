using Microsoft.EntityFrameworkCore;
using Platform.Modules.Campaigns.Domain;

namespace Platform.Modules.Campaigns;

/// <summary>The Campaigns module's own DbContext: it maps the <c>campaigns</c> schema and nothing else.</summary>
internal sealed class CampaignsDbContext(DbContextOptions<CampaignsDbContext> options) : DbContext(options)
{
    public const string Schema = "campaigns";

    public DbSet<ContactList> ContactLists => Set<ContactList>();

    public DbSet<Contact> Contacts => Set<Contact>();

    public DbSet<ContactImport> Imports => Set<ContactImport>();

    public DbSet<ImportError> ImportErrors => Set<ImportError>();

    public DbSet<Suppression> Suppressions => Set<Suppression>();

    public DbSet<RecipientContact> RecipientContacts => Set<RecipientContact>();

    public DbSet<BlockedNumber> BlockedNumbers => Set<BlockedNumber>();

    public DbSet<Features.Suppressions.SuppressionAuditEntry> SuppressionAudit => Set<Features.Suppressions.SuppressionAuditEntry>();

    public DbSet<Conversation> Conversations => Set<Conversation>();

    public DbSet<ConversationMessage> ConversationMessages => Set<ConversationMessage>();

    public DbSet<Campaign> Campaigns => Set<Campaign>();

    public DbSet<CampaignRecurrence> Recurrences => Set<CampaignRecurrence>();

    public DbSet<CampaignVariant> CampaignVariants => Set<CampaignVariant>();

    public DbSet<MessageTemplateEntry> Templates => Set<MessageTemplateEntry>();

    public DbSet<ContactField> ContactFields => Set<ContactField>();

    public DbSet<Segment> Segments => Set<Segment>();

    public DbSet<ContactActivity> ContactActivity => Set<ContactActivity>();

    public DbSet<MessageTemplateVersion> TemplateVersions => Set<MessageTemplateVersion>();

    public DbSet<CampaignPrice> CampaignPrices => Set<CampaignPrice>();

    public DbSet<CampaignRun> CampaignRuns => Set<CampaignRun>();

    public DbSet<Message> Messages => Set<Message>();

    public DbSet<MessagePartition> MessagePartitions => Set<MessagePartition>();

    public DbSet<PendingReceipt> PendingReceipts => Set<PendingReceipt>();

    public DbSet<CallingCode> CallingCodes => Set<CallingCode>();

    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();

    public DbSet<ApiRequest> ApiRequests => Set<ApiRequest>();

    public DbSet<Webhook> Webhooks => Set<Webhook>();

    public DbSet<WebhookDelivery> WebhookDeliveries => Set<WebhookDelivery>();

    public DbSet<InboundSequence> InboundSequences => Set<InboundSequence>();

    public DbSet<InboundFeedItem> InboundFeedItems => Set<InboundFeedItem>();

    public DbSet<InboundQueuedItem> InboundQueuedItems => Set<InboundQueuedItem>();

    public DbSet<InboundWebhookCursor> InboundWebhookCursors => Set<InboundWebhookCursor>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        modelBuilder.Entity<ContactList>(e => e.ToTable("contact_lists"));
        modelBuilder.Entity<Contact>(e =>
        {
            e.ToTable("contacts");
            e.Property(c => c.Id).UseIdentityAlwaysColumn();
            e.Property(c => c.Fields).HasColumnType("jsonb");
        });
        modelBuilder.Entity<ContactField>(e =>
        {
            e.ToTable("contact_fields");
            e.Property(f => f.Id).ValueGeneratedNever();
            e.Property(f => f.Key).HasMaxLength(40);
            e.Property(f => f.Label).HasMaxLength(100);
            e.Property(f => f.Kind).HasMaxLength(10);
        });
        modelBuilder.Entity<Segment>(e =>
        {
            e.ToTable("segments");
            e.Property(s => s.Id).ValueGeneratedNever();
            e.Property(s => s.Name).HasMaxLength(100);
            e.Property(s => s.Match).HasMaxLength(3);
            e.Property(s => s.Rules).HasColumnType("jsonb");
        });
        modelBuilder.Entity<ContactActivity>(e =>
        {
            e.ToTable("contact_activity");
            e.HasKey(a => new { a.CompanyId, a.Phone });
        });
        modelBuilder.Entity<ActivityFoldMark>(e =>
        {
            e.ToTable("activity_fold_marks");
            e.HasKey(m => m.Name);
        });
        modelBuilder.Entity<ContactImport>(e => e.ToTable("imports"));
        modelBuilder.Entity<ImportError>(e =>
        {
            e.ToTable("import_errors");
            e.HasKey(x => new { x.ImportId, x.Line });
        });
        modelBuilder.Entity<Suppression>(e =>
        {
            e.ToTable("suppressions");
            e.HasKey(x => new { x.CompanyId, x.Phone });
        });
        modelBuilder.Entity<RecipientContact>(e =>
        {
            e.ToTable("recipient_contacts");
            e.HasKey(x => new { x.PlatformNumber, x.Phone, x.CompanyId });
        });
        modelBuilder.Entity<BlockedNumber>(e =>
        {
            e.ToTable("blocked_numbers");
            e.HasKey(x => x.Phone);
        });
        modelBuilder.Entity<Features.Suppressions.SuppressionAuditEntry>(e =>
        {
            e.ToTable("suppression_audit");
            e.Property(x => x.Id).UseIdentityAlwaysColumn();
        });
        modelBuilder.Entity<Conversation>(e => e.ToTable("conversations"));
        modelBuilder.Entity<ConversationMessage>(e =>
        {
            e.ToTable("conversation_messages");
            e.Property(x => x.Id).UseIdentityAlwaysColumn();
        });
        modelBuilder.Entity<MessageTemplateEntry>(e =>
        {
            e.ToTable("templates");
            e.Property(t => t.Id).ValueGeneratedNever();
            e.Property(t => t.Name).HasMaxLength(100);
            e.Property(t => t.Body).HasMaxLength(1600);
            e.Property(t => t.Tags).HasMaxLength(200);
        });

        modelBuilder.Entity<MessageTemplateVersion>(e =>
        {
            e.ToTable("template_versions");
            e.Property(v => v.Id).UseIdentityByDefaultColumn();
            e.Property(v => v.Name).HasMaxLength(100);
            e.Property(v => v.Body).HasMaxLength(1600);
            e.Property(v => v.Tags).HasMaxLength(200);
            e.HasIndex(v => new { v.TemplateId, v.Id });
            // Known to EF so that a new template is inserted before its first history entry (and deletes cascade in the database).
            e.HasOne<MessageTemplateEntry>().WithMany().HasForeignKey(v => v.TemplateId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<CampaignRecurrence>(e =>
        {
            e.ToTable("recurrences");
            e.Property(r => r.Frequency).HasMaxLength(8);
            e.Property(r => r.FirstLocal).HasColumnType("timestamp without time zone");
            e.HasOne<Campaign>().WithMany().HasForeignKey(r => r.SourceCampaignId);
        });

        modelBuilder.Entity<LinkClick>(e =>
        {
            e.ToTable("link_clicks");
            e.HasKey(c => new { c.MessageId, c.LinkIndex });
            e.HasOne<Campaign>().WithMany().HasForeignKey(c => c.CampaignId);
        });

        modelBuilder.Entity<LinkStat>(e =>
        {
            e.ToTable("link_stats");
            e.HasKey(s => new { s.CampaignId, s.LinkIndex });
            e.HasOne<Campaign>().WithMany().HasForeignKey(s => s.CampaignId);
        });

        modelBuilder.Entity<Campaign>(e =>
        {
            e.ToTable("campaigns");
            e.Ignore(c => c.Pending);
            e.Ignore(c => c.Processed);
            e.Ignore(c => c.IsAbTest);
            e.Property(c => c.AbMetric).HasMaxLength(9);
        });
        modelBuilder.Entity<CampaignVariant>(e =>
        {
            e.ToTable("campaign_variants");
            e.HasKey(v => new { v.CampaignId, v.Variant });
            e.HasOne<Campaign>().WithMany().HasForeignKey(v => v.CampaignId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<CampaignPrice>(e =>
        {
            e.ToTable("campaign_prices");
            e.HasKey(x => new { x.CampaignId, x.Country });
        });
        modelBuilder.Entity<CampaignRun>(e =>
        {
            e.ToTable("campaign_runs");
            e.HasKey(x => new { x.CampaignId, x.Slot });
        });
        modelBuilder.Entity<Message>(e =>
        {
            e.ToTable("messages");
            e.Property(m => m.Id).UseIdentityAlwaysColumn();
            e.Property(m => m.State).HasConversion<short>();
            e.Property(m => m.Fields).HasColumnType("jsonb");
        });
        modelBuilder.Entity<MessagePartition>(e =>
        {
            e.ToTable("message_partitions");
            e.HasKey(p => p.Name);
        });
        modelBuilder.Entity<PendingReceipt>(e =>
        {
            e.ToTable("pending_receipts");
            e.Property(m => m.Id).UseIdentityAlwaysColumn();
            e.Property(m => m.State).HasConversion<short>();
        });
        modelBuilder.Entity<CallingCode>(e =>
        {
            e.ToTable("calling_codes");
            e.HasKey(x => x.Code);
        });
        modelBuilder.Entity<ApiKey>(e => e.ToTable("api_keys"));
        modelBuilder.Entity<ApiRequest>(e =>
        {
            e.ToTable("api_requests");
            e.HasKey(x => new { x.CompanyId, x.IdempotencyKey });
        });
        modelBuilder.Entity<Webhook>(e =>
        {
            e.ToTable("webhooks");
            e.HasKey(x => x.CompanyId);
        });
        modelBuilder.Entity<WebhookDelivery>(e =>
        {
            e.ToTable("webhook_deliveries");
            e.Property(x => x.Id).UseIdentityAlwaysColumn();
        });
        modelBuilder.Entity<InboundSequence>(e =>
        {
            e.ToTable("inbound_sequences");
            e.HasKey(x => x.CompanyId);
        });
        modelBuilder.Entity<InboundFeedItem>(e =>
        {
            e.ToTable("inbound_items");
            e.HasKey(x => new { x.CompanyId, x.Seq });
        });
        modelBuilder.Entity<InboundQueuedItem>(e =>
        {
            e.ToTable("inbound_queue");
            e.HasKey(x => x.MessageId);
            e.Property(x => x.MessageId).ValueGeneratedNever();
        });
        modelBuilder.Entity<InboundWebhookCursor>(e =>
        {
            e.ToTable("inbound_webhook_cursors");
            e.HasKey(x => x.CompanyId);
        });
    }
}
