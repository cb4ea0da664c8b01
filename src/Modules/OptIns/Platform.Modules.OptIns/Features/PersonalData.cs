using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Modules.OptIns.Domain;
using Platform.Modules.Privacy.Contracts;
using Platform.Modules.Shared;

namespace Platform.Modules.OptIns.Features;

/// <summary>
/// The keyed one-way hash (HMAC-SHA256) of a number that is kept after an erasure. The key
/// (<c>Platform:OptIns:SuppressionKey</c>) is what stops anyone from hashing every possible number to reverse it.
/// </summary>
internal sealed class PhoneHashes(IOptions<OptInsOptions> options)
{
    private readonly byte[] key = Encoding.UTF8.GetBytes(options.Value.SuppressionKey);

    public string Hash(string e164Phone) => Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(e164Phone)));
}

/// <summary>Subscribers (end users with a web account) as data subjects.</summary>
internal sealed class SubscriberDirectory(OptInsDbContext db) : IDataSubjectDirectory
{
    public DataSubjectKind Kind => DataSubjectKind.Subscriber;

    public async Task<DataSubject?> FindAsync(Guid id, CancellationToken ct) =>
        await (from s in db.Subscribers.AsNoTracking()
               join a in db.SubscriberAccounts.AsNoTracking() on s.Id equals a.SubscriberId into accounts
               from a in accounts.DefaultIfEmpty()
               where s.Id == id
               select new DataSubject(DataSubjectKind.Subscriber, s.Id, a == null ? null : a.Email, s.Phone, null))
            .SingleOrDefaultAsync(ct);

    public async Task<IReadOnlyList<DataSubject>> FindManyAsync(IReadOnlyCollection<Guid> ids, CancellationToken ct) =>
        await (from s in db.Subscribers.AsNoTracking()
               join a in db.SubscriberAccounts.AsNoTracking() on s.Id equals a.SubscriberId into accounts
               from a in accounts.DefaultIfEmpty()
               where ids.Contains(s.Id)
               select new DataSubject(DataSubjectKind.Subscriber, s.Id, a == null ? null : a.Email, s.Phone, null))
            .ToListAsync(ct);

    public async Task<DataSubject?> FindByContactAsync(string emailOrPhone, CancellationToken ct)
    {
        var email = emailOrPhone.Trim().ToLower();
        var phone = PhoneNumbers.TryNormalizeE164(emailOrPhone, out var e164) ? e164 : null;
        var id = await db.Subscribers.AsNoTracking().Where(s => phone != null && s.Phone == phone).Select(s => (Guid?)s.Id).FirstOrDefaultAsync(ct)
            ?? await db.SubscriberAccounts.AsNoTracking().Where(a => a.Email.ToLower() == email).Select(a => (Guid?)a.SubscriberId).FirstOrDefaultAsync(ct);
        return id is { } found ? await FindAsync(found, ct) : null;
    }

    public async Task<bool> CheckPasswordAsync(Guid id, string password, CancellationToken ct) =>
        await db.SubscriberAccounts.AsNoTracking().SingleOrDefaultAsync(a => a.SubscriberId == id, ct) is { } account
        && SubscriberPasswords.Hasher.VerifyHashedPassword(account, account.PasswordHash, password) != PasswordVerificationResult.Failed;
}

/// <summary>
/// Everything OptIns holds about a subscriber, and its erasure: the number, account, subscriptions, consent records and
/// request history go; a keyed hash of the number stays per company they were subscribed to, so STOP keeps holding.
/// </summary>
internal sealed class OptInsPersonalData(OptInsDbContext db, PhoneHashes hashes, IUserSessions sessions, TimeProvider clock) : IPersonalDataContributor
{
    public string Module => OptInsModule.Name;

    public async Task<object?> ExportAsync(DataSubject subject, CancellationToken ct)
    {
        if (subject.Kind != DataSubjectKind.Subscriber || await db.Subscribers.AsNoTracking().SingleOrDefaultAsync(s => s.Id == subject.Id, ct) is not { } subscriber)
        {
            return null;
        }

        var id = subscriber.Id;
        var hash = hashes.Hash(subscriber.Phone);
        var account = await db.SubscriberAccounts.AsNoTracking().Where(a => a.SubscriberId == id)
            .Select(a => new { a.Email, a.FirstName, a.Surname, a.PostalCode, a.Imei, a.AgeBand, a.Country, a.Gender, a.CreatedAt, a.UpdatedAt })
            .SingleOrDefaultAsync(ct);
        return new
        {
            subscriber = new { subscriber.Phone, subscriber.UserCode, subscriber.CreatedAt, subscriber.LastSeenAt },
            account,
            subscriptions = await db.Subscriptions.AsNoTracking().Where(s => s.SubscriberId == id)
                .Select(s => new { s.CompanyId, s.Phone, s.PlatformNumber, s.OptedIn, s.ChangedAt, s.LastContactAt }).ToListAsync(ct),
            consentRecords = await db.ConsentRecords.AsNoTracking().Where(c => c.SubscriberId == id).OrderBy(c => c.Id)
                .Select(c => new { c.CompanyId, c.OptedIn, c.Via, c.MessageText, c.RecordedAt }).ToListAsync(ct),
            // Each record's fingerprint in the company's consent proof (ADR 32), with the keyed hash of the number it gets when sealed.
            consentFingerprints = await db.ConsentLeaves.AsNoTracking()
                .Where(l => db.ConsentRecords.Any(c => c.SubscriberId == id && c.Id == l.RecordId)).OrderBy(l => l.RecordId)
                .Select(l => new { l.CompanyId, l.RecordedAt, Fingerprint = l.LeafHash, l.BatchSeq, SubjectHash = l.SubjectHash ?? hash }).ToListAsync(ct),
            requestTotals = await db.RequestTotals.AsNoTracking().Where(t => t.SubscriberId == id)
                .Select(t => new { t.CompanyId, t.KeywordId, t.Times, t.FirstAt, t.LastAt }).ToListAsync(ct),
            requests = await db.Requests.AsNoTracking().Where(r => r.SubscriberId == id).OrderBy(r => r.Id)
                .Select(r => new { r.CompanyId, r.UserCode, r.Keyword, r.RequestNumber, r.ReceivedAt }).ToListAsync(ct),
            // The fingerprint an erasure would keep, and the companies that already hold it (after an earlier erasure).
            suppression = new
            {
                PhoneHash = hash,
                companies = await db.SuppressedNumbers.AsNoTracking().Where(n => n.PhoneHash == hash).Select(n => new { n.CompanyId, n.SuppressedAt }).ToListAsync(ct),
            },
            courtesyReplies = await db.CourtesyReplies.AsNoTracking().Where(c => c.Phone == subscriber.Phone)
                .Select(c => new { c.Phone, c.Kind, c.LastRepliedAt }).ToListAsync(ct),
            // The opt-in/out events announced to the companies' campaigns (kept 7 days after delivery).
            consentEvents = await db.Set<OptInsOutboxMessage>()
                .FromSqlInterpolated($"SELECT * FROM optins.outbox WHERE payload ->> 'subscriberId' = {id.ToString()}")
                .AsNoTracking().OrderBy(e => e.Id)
                .Select(e => new { e.EventType, e.Payload, e.OccurredAt, e.DispatchedAt }).ToListAsync(ct),
        };
    }

    public async Task<ErasureOutcome> EraseAsync(DataSubject subject, CancellationToken ct)
    {
        if (subject.Kind != DataSubjectKind.Subscriber || await db.Subscribers.AsNoTracking().SingleOrDefaultAsync(s => s.Id == subject.Id, ct) is not { } subscriber)
        {
            return ErasureOutcome.Nothing(Module);
        }

        var id = new NpgsqlParameter("id", subscriber.Id);
        var erased = 0;
        await using var transaction = await db.Database.BeginTransactionAsync(ct);

        // The consent log refuses deletes except inside an erasure (see 0002_optins.sql).
        await db.Database.ExecuteSqlRawAsync("SET LOCAL optins.erasure = 'on'", ct);
        var suppressed = await RunAsync(
            """
            INSERT INTO optins.suppressed_numbers (company_id, phone_hash, suppressed_at)
            SELECT company_id, @hash, @at FROM optins.subscriptions WHERE subscriber_id = @id
            ON CONFLICT DO NOTHING
            """, ct, id, new NpgsqlParameter("hash", hashes.Hash(subscriber.Phone)), new NpgsqlParameter("at", clock.GetUtcNow()));

        // The keyword's counters move as for a STOP: the person is no longer opted in.
        await RunAsync(
            """
            INSERT INTO optins.keyword_counters AS c (keyword_id, shard, opted_in, opted_out, requests)
            SELECT keyword_id, 0, -1, 1, 0 FROM optins.subscriptions WHERE subscriber_id = @id AND opted_in
            ON CONFLICT (keyword_id, shard) DO UPDATE SET opted_in = c.opted_in - 1, opted_out = c.opted_out + 1
            """, ct, id);
        // The consent proof keeps each record's leaf (ADR 32); leaves not sealed yet get the number's keyed hash now, so a
        // proof for this number still shows them as erased records.
        await RunAsync(
            """
            UPDATE optins.consent_leaves l SET subject_hash = @hash
            FROM optins.consent_records r WHERE r.id = l.record_id AND r.subscriber_id = @id AND l.subject_hash IS NULL
            """, ct, id, new NpgsqlParameter("hash", hashes.Hash(subscriber.Phone)));
        foreach (var table in new[] { "consent_records", "requests", "request_totals", "subscriptions", "subscriber_accounts" })
        {
            erased += await RunAsync($"DELETE FROM optins.{table} WHERE subscriber_id = @id", ct, id);
        }

        erased += await RunAsync("DELETE FROM optins.courtesy_replies WHERE phone = @phone", ct, new NpgsqlParameter("phone", subscriber.Phone));
        // Delivered consent events carry the number until their 7-day retention: they go now. One not yet delivered stays
        // until it is (it may be the opt-out Campaigns must still apply), then goes with the retention.
        erased += await RunAsync("DELETE FROM optins.outbox WHERE dispatched_at IS NOT NULL AND payload ->> 'subscriberId' = @id::text", ct, id);
        erased += await RunAsync("DELETE FROM optins.subscribers WHERE id = @id", ct, id);
        await transaction.CommitAsync(ct);

        // Their sessions (whose tickets hold their first name) end with the account, on every browser.
        await sessions.EndAllAsync(OptInsModule.SubscriberScheme, subscriber.Id.ToString(), keepCurrent: false, ct);
        return new ErasureOutcome(Module, erased, suppressed == 0
            ? []
            : [$"A one-way fingerprint (keyed hash) of your mobile number for each of the {suppressed} companies you had opted in to, so that they can never message you again (your STOP keeps working). It cannot be turned back into your number.",
                "The fingerprint of each consent record (with its time), so that a company can still prove it held a record of your number then; the record itself and the random value that would let anyone read it back are erased."]);
    }

    /// <summary>Each statement gets fresh parameter objects (Npgsql refuses one parameter in two commands).</summary>
    private Task<int> RunAsync(string sql, CancellationToken ct, params NpgsqlParameter[] parameters) =>
        db.Database.ExecuteSqlRawAsync(sql, parameters.Select(p => (object)p.Clone()), ct);
}
