using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Modules.Accounts.Contracts;
using Platform.Modules.Billing.Contracts;
using Platform.Modules.Billing.Domain;
using Platform.Modules.Shared.Events;

namespace Platform.Modules.Billing.Features;

/// <summary>
/// The one way balances change: lock the company's account row (created on first use), append a ledger
/// entry carrying the balance after it, save, commit. Everything runs in the caller's transaction. It is also the one
/// place that sees a balance cross the company's low-balance threshold, so the warning is written with the change.
/// </summary>
internal static class Ledger
{
    /// <summary>
    /// The company's account row, locked for the caller's transaction. One round trip when the row exists (nearly always;
    /// the send API locks it for every batch it stores): the insert of a first row, and a reload of values tracked before
    /// the lock, happen only when needed.
    /// </summary>
    public static async Task<CreditAccount> LockAsync(BillingDbContext db, Guid companyId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var trackedBefore = db.CreditAccounts.Local.FindEntry(companyId) is not null;
        var rows = await LockedRowAsync(db, companyId, cancellationToken);
        if (rows.Count == 0)
        {
            await db.Database.ExecuteSqlAsync(
                $"""
                INSERT INTO billing.credit_accounts (company_id, plan, available, reserved, trial_granted, updated_at)
                VALUES ({companyId}, {Plans.Free}, 0, 0, false, {now})
                ON CONFLICT (company_id) DO NOTHING
                """,
                cancellationToken);
            rows = await LockedRowAsync(db, companyId, cancellationToken);
        }

        var account = rows.Single();
        if (trackedBefore)
        {
            // Tracked before the lock was taken, the query left the tracked values in place; the locked values are the truth.
            await db.Entry(account).ReloadAsync(cancellationToken);
        }

        return account;
    }

    private static Task<List<CreditAccount>> LockedRowAsync(BillingDbContext db, Guid companyId, CancellationToken cancellationToken) =>
        db.CreditAccounts
            .FromSql($"SELECT * FROM billing.credit_accounts WHERE company_id = {companyId} FOR UPDATE")
            .ToListAsync(cancellationToken);

    public static async Task<LedgerEntry> AppendAsync(
        BillingDbContext db,
        CreditAccount account,
        string kind,
        long availableChange,
        long reservedChange,
        DateTimeOffset now,
        Guid? reservationId = null,
        string? reference = null,
        string? reason = null,
        CancellationToken cancellationToken = default)
    {
        if (account.Available + availableChange < 0 || account.Reserved + reservedChange < 0)
        {
            throw new InvalidOperationException($"A {kind} of {availableChange}/{reservedChange} would make the balance negative.");
        }

        // A crossing, not a level: a balance that stays low while campaigns reserve warns once, and again only after
        // a purchase (or a release) took it back to the threshold.
        if (account.LowBalanceThreshold is { } threshold && account.Available >= threshold && account.Available + availableChange < threshold)
        {
            await Outbox.AddAsync(db, new LowCreditBalance(account.CompanyId, account.Available + availableChange, threshold) { OccurredAt = now }, cancellationToken);
        }

        account.Available += availableChange;
        account.Reserved += reservedChange;
        account.UpdatedAt = now;
        var entry = new LedgerEntry
        {
            CompanyId = account.CompanyId,
            Kind = kind,
            AvailableChange = availableChange,
            ReservedChange = reservedChange,
            AvailableAfter = account.Available,
            ReservedAfter = account.Reserved,
            ReservationId = reservationId,
            Reference = reference,
            Reason = reason,
            CreatedAt = now,
        };
        db.LedgerEntries.Add(entry);
        return entry;
    }
}

internal sealed class QuotePriceHandler(BillingDbContext db, TimeProvider clock) : IRequestHandler<QuotePrice, PriceQuote>
{
    public async Task<PriceQuote> Handle(QuotePrice request, CancellationToken cancellationToken)
    {
        var perSegment = await PriceList.CreditsPerSegmentAsync(db, request.CountryCode, clock.GetUtcNow(), cancellationToken);
        var total = checked(perSegment * Math.Max(request.SegmentsPerMessage, 0) * Math.Max(request.Messages, 0));
        var available = await db.CreditAccounts.AsNoTracking()
            .Where(a => a.CompanyId == request.CompanyId).Select(a => (long?)a.Available).SingleOrDefaultAsync(cancellationToken) ?? 0;
        return new PriceQuote(perSegment, total, available);
    }
}

internal static class PriceList
{
    /// <summary>The price in force at <paramref name="at"/> for the country, else the default '*' row.</summary>
    public static async Task<long> CreditsPerSegmentAsync(BillingDbContext db, string countryCode, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var code = (countryCode ?? string.Empty).Trim().ToUpperInvariant();
        var prices = await db.Prices.AsNoTracking()
            .Where(p => (p.CountryCode == code || p.CountryCode == "*") && p.ValidFrom <= at)
            .OrderByDescending(p => p.ValidFrom)
            .ToListAsync(cancellationToken);
        return (prices.FirstOrDefault(p => p.CountryCode == code) ?? prices.FirstOrDefault(p => p.CountryCode == "*"))?.CreditsPerSegment
               ?? throw new InvalidOperationException("The price list has no default ('*') price.");
    }
}

internal sealed class ReserveCreditsHandler(BillingDbContext db, TimeProvider clock) : IRequestHandler<ReserveCredits, CreditReservation>
{
    public async Task<CreditReservation> Handle(ReserveCredits request, CancellationToken cancellationToken)
    {
        if (request.Credits <= 0)
        {
            return new CreditReservation(false, 0, 0, "A reservation must be for at least one credit.");
        }

        var now = clock.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var account = await Ledger.LockAsync(db, request.CompanyId, now, cancellationToken);

        var existing = await db.Reservations.AsNoTracking().SingleOrDefaultAsync(r => r.Id == request.ReservationId, cancellationToken);
        if (existing is not null)
        {
            await transaction.CommitAsync(cancellationToken);
            return existing.CompanyId == request.CompanyId
                ? new CreditReservation(true, existing.Credits, account.Available, null)
                : new CreditReservation(false, 0, account.Available, "This reservation id is already used.");
        }

        if (account.Available < request.Credits)
        {
            await transaction.CommitAsync(cancellationToken);
            return new CreditReservation(false, 0, account.Available,
                $"Not enough credits: {request.Credits} needed, {account.Available} available. Buy credits to continue.");
        }

        db.Reservations.Add(new Reservation
        {
            Id = request.ReservationId,
            CompanyId = request.CompanyId,
            Credits = request.Credits,
            Purpose = Truncate(request.Purpose, 200),
            CreatedAt = now,
        });
        await Ledger.AppendAsync(db, account, LedgerKinds.Reserve, -request.Credits, request.Credits, now, request.ReservationId, Truncate(request.Purpose, 200), cancellationToken: cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new CreditReservation(true, request.Credits, account.Available, null);
    }

    internal static string Truncate(string? value, int max) =>
        string.IsNullOrEmpty(value) ? string.Empty : value.Length <= max ? value : value[..max];
}

internal sealed class AddToReservationHandler(BillingDbContext db, TimeProvider clock) : IRequestHandler<AddToReservation, CreditReservation>
{
    public async Task<CreditReservation> Handle(AddToReservation request, CancellationToken cancellationToken)
    {
        if (request.Credits <= 0)
        {
            return new CreditReservation(false, 0, 0, "A reservation must be for at least one credit.");
        }

        var now = clock.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var account = await Ledger.LockAsync(db, request.CompanyId, now, cancellationToken);
        var reservation = await db.Reservations.SingleOrDefaultAsync(r => r.Id == request.ReservationId, cancellationToken);
        string? refusal = reservation switch
        {
            { } other when other.CompanyId != request.CompanyId => "This reservation id is already used.",
            { ReleasedAt: not null } => "This reservation was settled; it takes no more credits.",
            _ when account.Available < request.Credits =>
                $"Not enough credits: {request.Credits} needed, {account.Available} available. Buy credits to continue.",
            _ => null,
        };
        if (refusal is not null)
        {
            await transaction.CommitAsync(cancellationToken);
            return new CreditReservation(false, 0, account.Available, refusal);
        }

        var purpose = ReserveCreditsHandler.Truncate(request.Purpose, 200);
        if (reservation is null)
        {
            reservation = new Reservation { Id = request.ReservationId, CompanyId = request.CompanyId, Purpose = purpose, CreatedAt = now };
            db.Reservations.Add(reservation);
        }

        reservation.Credits += request.Credits;
        await Ledger.AppendAsync(db, account, LedgerKinds.Reserve, -request.Credits, request.Credits, now, request.ReservationId, purpose, cancellationToken: cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new CreditReservation(true, reservation.Credits, account.Available, null);
    }
}

internal sealed class CaptureCreditsHandler(BillingDbContext db, TimeProvider clock) : IRequestHandler<CaptureCredits, long>
{
    public async Task<long> Handle(CaptureCredits request, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var key = ReserveCreditsHandler.Truncate(request.CaptureKey, 200);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var account = await Ledger.LockAsync(db, request.CompanyId, now, cancellationToken);
        var reservation = await db.Reservations.SingleOrDefaultAsync(
            r => r.Id == request.ReservationId && r.CompanyId == request.CompanyId, cancellationToken)
            ?? throw new InvalidOperationException($"There is no reservation {request.ReservationId} for this company.");

        var previous = await db.Captures.AsNoTracking()
            .SingleOrDefaultAsync(c => c.ReservationId == request.ReservationId && c.CaptureKey == key, cancellationToken);
        if (previous is not null)
        {
            await transaction.CommitAsync(cancellationToken);
            return previous.Credits;
        }

        // Never above what is still reserved: what a released reservation gave back cannot be spent again.
        var amount = Math.Clamp(request.Credits, 0, reservation.Outstanding);
        reservation.Captured += amount;
        db.Captures.Add(new Capture { ReservationId = reservation.Id, CaptureKey = key, Credits = amount, CreatedAt = now });
        if (amount > 0)
        {
            await Ledger.AppendAsync(db, account, LedgerKinds.Capture, 0, -amount, now, reservation.Id, key, cancellationToken: cancellationToken);
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return amount;
    }
}

internal sealed class ReleaseCreditsHandler(BillingDbContext db, TimeProvider clock) : IRequestHandler<ReleaseCredits, long>
{
    public async Task<long> Handle(ReleaseCredits request, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var account = await Ledger.LockAsync(db, request.CompanyId, now, cancellationToken);
        var reservation = await db.Reservations.SingleOrDefaultAsync(
            r => r.Id == request.ReservationId && r.CompanyId == request.CompanyId, cancellationToken);
        if (reservation is null)
        {
            await transaction.CommitAsync(cancellationToken);
            return 0;
        }

        if (reservation.ReleasedAt is not null)
        {
            await transaction.CommitAsync(cancellationToken);
            return reservation.Released;
        }

        var rest = reservation.Outstanding;
        reservation.Released = rest;
        reservation.ReleasedAt = now;
        if (rest > 0)
        {
            await Ledger.AppendAsync(db, account, LedgerKinds.Release, rest, -rest, now, reservation.Id, cancellationToken: cancellationToken);
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return rest;
    }
}

internal sealed class GetCreditBalanceHandler(BillingDbContext db) : IRequestHandler<GetCreditBalance, CreditBalance>
{
    public async Task<CreditBalance> Handle(GetCreditBalance request, CancellationToken cancellationToken) =>
        await db.CreditAccounts.AsNoTracking()
            .Where(a => a.CompanyId == request.CompanyId)
            .Select(a => new CreditBalance(a.Available, a.Reserved))
            .SingleOrDefaultAsync(cancellationToken) ?? new CreditBalance(0, 0);
}

internal sealed class GetPlanLimitsHandler(BillingDbContext db) : IRequestHandler<GetPlanLimits, PlanLimits>
{
    public async Task<PlanLimits> Handle(GetPlanLimits request, CancellationToken cancellationToken) =>
        await db.CreditAccounts.AsNoTracking()
            .Where(a => a.CompanyId == request.CompanyId)
            .Select(a => new PlanLimits(a.Plan, a.MaxRecipientsPerCampaign))
            .SingleOrDefaultAsync(cancellationToken) ?? new PlanLimits(Plans.Free, null);
}

/// <summary>
/// Trial credits, once per company, whatever number of times they are asked for: at once by Accounts' registration
/// (GrantTrial) and again, durably, when CompanyRegistered arrives from Accounts' outbox.
/// </summary>
internal sealed class GrantTrialCredits(BillingDbContext db, IOptions<BillingOptions> options, TimeProvider clock)
    : INotificationHandler<CompanyRegistered>, IRequestHandler<GrantTrial, bool>
{
    public Task Handle(CompanyRegistered notification, CancellationToken cancellationToken) =>
        GrantAsync(notification.CompanyId, cancellationToken);

    public Task<bool> Handle(GrantTrial request, CancellationToken cancellationToken) =>
        GrantAsync(request.CompanyId, cancellationToken);

    private async Task<bool> GrantAsync(Guid companyId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        // Delivered from Accounts' outbox inside the dispatcher's transaction (with Billing's inbox row); its own otherwise.
        await using var own = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(cancellationToken) : null;
        var account = await Ledger.LockAsync(db, companyId, now, cancellationToken);
        var granted = false;
        if (!account.TrialGranted)
        {
            account.TrialGranted = true;
            var credits = Math.Max(options.Value.TrialCredits, 0);
            await Ledger.AppendAsync(db, account, LedgerKinds.Grant, credits, 0, now, reference: "trial", reason: "Trial credits on registration", cancellationToken: cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            granted = true;
        }

        if (own is not null)
        {
            await own.CommitAsync(cancellationToken);
        }

        return granted;
    }
}
