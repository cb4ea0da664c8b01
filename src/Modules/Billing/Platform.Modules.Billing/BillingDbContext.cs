using Microsoft.EntityFrameworkCore;
using Platform.Modules.Billing.Domain;
using Platform.Modules.Billing.Features;

namespace Platform.Modules.Billing;

/// <summary>The Billing module's own DbContext: it maps the <c>billing</c> schema and nothing else.</summary>
internal sealed class BillingDbContext(DbContextOptions<BillingDbContext> options) : DbContext(options)
{
    public const string Schema = "billing";

    public DbSet<Price> Prices => Set<Price>();

    public DbSet<CreditAccount> CreditAccounts => Set<CreditAccount>();

    public DbSet<LedgerEntry> LedgerEntries => Set<LedgerEntry>();

    public DbSet<Reservation> Reservations => Set<Reservation>();

    public DbSet<Capture> Captures => Set<Capture>();

    public DbSet<Purchase> Purchases => Set<Purchase>();

    public DbSet<InvoiceCounter> InvoiceCounters => Set<InvoiceCounter>();

    public DbSet<Refund> Refunds => Set<Refund>();

    public DbSet<CreditNoteCounter> CreditNoteCounters => Set<CreditNoteCounter>();

    public DbSet<StripeEvent> StripeEvents => Set<StripeEvent>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);

        modelBuilder.Entity<Price>(price =>
        {
            price.ToTable("prices");
            price.Property(p => p.CountryCode).HasMaxLength(3);
            price.HasIndex(p => new { p.CountryCode, p.ValidFrom }).IsUnique();
        });

        modelBuilder.Entity<CreditAccount>(account =>
        {
            account.ToTable("credit_accounts");
            account.HasKey(a => a.CompanyId);
            account.Property(a => a.CompanyId).ValueGeneratedNever();
            account.Property(a => a.Plan).HasMaxLength(10);
        });

        modelBuilder.Entity<LedgerEntry>(entry =>
        {
            entry.ToTable("ledger_entries");
            entry.Property(e => e.Id).UseIdentityByDefaultColumn();
            entry.Property(e => e.Kind).HasMaxLength(20);
            entry.Property(e => e.Reference).HasMaxLength(200);
            entry.Property(e => e.Reason).HasMaxLength(500);
            entry.HasIndex(e => new { e.CompanyId, e.Id });
        });

        modelBuilder.Entity<Reservation>(reservation =>
        {
            reservation.ToTable("reservations");
            reservation.Property(r => r.Id).ValueGeneratedNever();
            reservation.Property(r => r.Purpose).HasMaxLength(200);
            reservation.Ignore(r => r.Outstanding);
            reservation.HasIndex(r => r.CompanyId);
        });

        modelBuilder.Entity<Capture>(capture =>
        {
            capture.ToTable("captures");
            capture.HasKey(c => new { c.ReservationId, c.CaptureKey });
            capture.Property(c => c.CaptureKey).HasMaxLength(200);
        });

        modelBuilder.Entity<Purchase>(purchase =>
        {
            purchase.ToTable("purchases");
            purchase.Property(p => p.Id).ValueGeneratedNever();
            purchase.Property(p => p.Pack).HasMaxLength(50);
            purchase.Property(p => p.Currency).HasMaxLength(3);
            purchase.Property(p => p.Status).HasMaxLength(20);
            purchase.Property(p => p.StripeSessionId).HasMaxLength(255);
            purchase.Property(p => p.StripePaymentIntentId).HasMaxLength(255);
            purchase.HasIndex(p => p.StripePaymentIntentId).IsUnique();
            purchase.Property(p => p.InvoiceNumber).HasMaxLength(20);
            purchase.Property(p => p.TaxCountry).HasMaxLength(2);
            purchase.Property(p => p.TaxRatePercent).HasPrecision(5, 2);
            purchase.Property(p => p.TaxLabel).HasMaxLength(TaxRates.MaxLabelLength);
            purchase.Property(p => p.BuyerTaxId).HasMaxLength(30);
            purchase.Property(p => p.CardBrand).HasMaxLength(20);
            purchase.Property(p => p.CardLast4).HasMaxLength(4);
            purchase.Property(p => p.BillingName).HasMaxLength(200);
            purchase.Property(p => p.BillingEmail).HasMaxLength(320);
            purchase.Property(p => p.BillingAddressLine1).HasMaxLength(200);
            purchase.Property(p => p.BillingAddressLine2).HasMaxLength(200);
            purchase.Property(p => p.BillingAddressCity).HasMaxLength(100);
            purchase.Property(p => p.BillingAddressPostalCode).HasMaxLength(20);
            purchase.Property(p => p.BillingAddressState).HasMaxLength(100);
            purchase.Property(p => p.BillingAddressCountry).HasMaxLength(2);
            purchase.HasIndex(p => p.StripeSessionId).IsUnique();
            purchase.HasIndex(p => p.InvoiceNumber).IsUnique();
            purchase.HasIndex(p => p.CompanyId);
        });

        modelBuilder.Entity<InvoiceCounter>(counter =>
        {
            counter.ToTable("invoice_counters");
            counter.HasKey(c => c.Year);
            counter.Property(c => c.Year).ValueGeneratedNever();
        });

        modelBuilder.Entity<Refund>(refund =>
        {
            refund.ToTable("refunds");
            refund.Property(r => r.Id).ValueGeneratedNever();
            refund.Property(r => r.StripeRefundId).HasMaxLength(255);
            refund.HasIndex(r => r.StripeRefundId).IsUnique();
            refund.Property(r => r.Currency).HasMaxLength(3);
            refund.Property(r => r.CreditNoteNumber).HasMaxLength(20);
            refund.HasIndex(r => r.CreditNoteNumber).IsUnique();
            refund.Property(r => r.Reason).HasMaxLength(500);
            refund.HasIndex(r => r.PurchaseId);
        });

        modelBuilder.Entity<CreditNoteCounter>(counter =>
        {
            counter.ToTable("credit_note_counters");
            counter.HasKey(c => c.Year);
            counter.Property(c => c.Year).ValueGeneratedNever();
        });

        modelBuilder.Entity<StripeEvent>(stripeEvent =>
        {
            stripeEvent.ToTable("stripe_events");
            stripeEvent.HasKey(e => e.EventId);
            stripeEvent.Property(e => e.EventId).HasMaxLength(255);
            stripeEvent.Property(e => e.Type).HasMaxLength(100);
        });
    }
}
