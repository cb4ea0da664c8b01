using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Accounts.Domain;

namespace Platform.Modules.Accounts;

/// <summary>The Accounts module's DbContext: companies, users (ASP.NET Core Identity) and invitations, in schema <c>accounts</c>.</summary>
internal sealed class AccountsDbContext(DbContextOptions<AccountsDbContext> options)
    : IdentityDbContext<PlatformUser, IdentityRole<Guid>, Guid>(options)
{
    public const string Schema = "accounts";

    public DbSet<Company> Companies => Set<Company>();

    public DbSet<Invitation> Invitations => Set<Invitation>();

    public DbSet<CompanyStandingChange> CompanyStandingChanges => Set<CompanyStandingChange>();

    public DbSet<SupportTicket> SupportTickets => Set<SupportTicket>();

    public DbSet<SupportMessage> SupportMessages => Set<SupportMessage>();

    public DbSet<SupportAttachment> SupportAttachments => Set<SupportAttachment>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.HasDefaultSchema(Schema);

        builder.Entity<PlatformUser>(user =>
        {
            user.ToTable("users");
            user.Property(u => u.FirstName).HasMaxLength(100);
            user.Property(u => u.Surname).HasMaxLength(100);
            user.Property(u => u.PostalCode).HasMaxLength(20);
            user.Property(u => u.CompanyRole).HasMaxLength(20);
            user.Property(u => u.TermsVersion).HasMaxLength(40);
            user.Property(u => u.PolicyAnnounced).HasMaxLength(40);
            user.HasIndex(u => u.CompanyId);
        });
        builder.Entity<IdentityRole<Guid>>().ToTable("roles");
        builder.Entity<IdentityUserRole<Guid>>().ToTable("user_roles");
        builder.Entity<IdentityUserClaim<Guid>>().ToTable("user_claims");
        builder.Entity<IdentityUserLogin<Guid>>().ToTable("user_logins");
        builder.Entity<IdentityUserToken<Guid>>().ToTable("user_tokens");
        builder.Entity<IdentityRoleClaim<Guid>>().ToTable("role_claims");

        builder.Entity<Company>(company =>
        {
            company.ToTable("companies");
            company.Property(c => c.Name).HasMaxLength(200);
            company.Property(c => c.MarketSector).HasMaxLength(100);
            company.Property(c => c.Country).HasMaxLength(2);
            company.Property(c => c.TaxId).HasMaxLength(CompanyRules.MaxTaxIdLength);
            company.Property(c => c.TermsVersion).HasMaxLength(40);
            company.Property(c => c.SuspensionReason).HasMaxLength(500);
        });

        builder.Entity<SupportTicket>(ticket =>
        {
            ticket.ToTable("support_tickets");
            ticket.Property(t => t.Id).ValueGeneratedNever();
            ticket.Property(t => t.Number).UseIdentityByDefaultColumn();
            ticket.HasIndex(t => t.Number).IsUnique();
            ticket.Property(t => t.Name).HasMaxLength(200);
            ticket.Property(t => t.Email).HasMaxLength(256);
            ticket.Property(t => t.Subject).HasMaxLength(150);
            ticket.Property(t => t.Status).HasMaxLength(10);
        });

        builder.Entity<SupportMessage>(message =>
        {
            message.ToTable("support_messages");
            message.Property(m => m.Id).ValueGeneratedNever();
            message.HasOne<SupportTicket>().WithMany().HasForeignKey(m => m.TicketId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<SupportAttachment>(attachment =>
        {
            attachment.ToTable("support_attachments");
            attachment.Property(a => a.Id).ValueGeneratedNever();
            attachment.Property(a => a.FileName).HasMaxLength(200);
            attachment.Property(a => a.ContentType).HasMaxLength(50);
            attachment.HasOne<SupportMessage>().WithMany().HasForeignKey(a => a.MessageId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<CompanyStandingChange>(change =>
        {
            change.ToTable("company_standing_changes");
            change.Property(c => c.Action).HasMaxLength(20);
            change.Property(c => c.Reason).HasMaxLength(500);
            change.HasIndex(c => new { c.CompanyId, c.At }).HasDatabaseName("company_standing_changes_company");
        });

        builder.Entity<Invitation>(invitation =>
        {
            invitation.ToTable("invitations");
            invitation.Property(i => i.Email).HasMaxLength(256);
            invitation.Property(i => i.Role).HasMaxLength(20);
            invitation.Property(i => i.TokenHash).HasMaxLength(64);
            invitation.HasIndex(i => i.TokenHash).IsUnique();
            invitation.HasIndex(i => i.CompanyId);
        });
    }
}
