using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Modules.Privacy.Contracts;

namespace Platform.Modules.Campaigns.Features;

/// <summary>
/// Campaigns holds an end user's number (and first name) where a company put them on a contact list or messaged them:
/// the company is the controller, we process it for them. Export lists what is held by number; erasure deletes the
/// contacts and anonymises the messages (the counts stay), and keeps the number only as a keyed hash where it is
/// suppressed, so a STOP keeps being honoured by every campaign (the claim step recognises the hash). The inbox is
/// theirs too: their conversations with every company (what they wrote, the answers, the STOP/START/keyword events) and
/// the who-messaged-whom rows are exported, and erased outright.
/// </summary>
internal sealed class CampaignsPersonalData(CampaignsDbContext db, IOptions<CampaignsOptions> options) : IPersonalDataContributor
{
    public const string ErasedPhone = "erased";

    public string Module => CampaignsModule.Name;

    public async Task<object?> ExportAsync(DataSubject subject, CancellationToken ct)
    {
        if (subject.Phone is not { Length: > 0 } phone)
        {
            return null;
        }

        var contacts = await db.Contacts.AsNoTracking().Where(c => c.Phone == phone)
            .Select(c => new { c.CompanyId, c.ListId, c.Phone, c.FirstName, c.LastName, c.Fields, c.TimeZone, c.ConsentSource, c.CreatedAt })
            .ToListAsync(ct);
        var messages = await db.Messages.AsNoTracking().Where(m => m.Phone == phone)
            .OrderBy(m => m.Id).Take(10_000)
            .Select(m => new { m.CompanyId, m.CampaignId, m.Phone, m.FirstName, m.Fields, m.Body, State = m.State.ToString(), m.SubmittedAt, m.FinishedAt })
            .ToListAsync(ct);
        var linkClicks = await db.Set<Domain.LinkClick>().AsNoTracking()
            .Where(k => db.Messages.Any(m => m.Id == k.MessageId && m.Phone == phone)).OrderBy(k => k.MessageId).Take(10_000)
            .Select(k => new { k.CompanyId, k.CampaignId, Link = k.LinkIndex + 1, k.FirstClickedAt, k.LastClickedAt, k.Clicks }).ToListAsync(ct);
        var activity = await db.ContactActivity.AsNoTracking().Where(a => a.Phone == phone)
            .Select(a => new { a.CompanyId, a.Phone, a.LastSentAt, a.LastDeliveredAt, a.LastFailedAt, a.LastClickedAt }).ToListAsync(ct);
        var suppressions = await db.Suppressions.AsNoTracking().Where(s => s.Phone == phone)
            .Select(s => new { s.CompanyId, s.Phone, s.Reason, s.CreatedAt }).ToListAsync(ct);
        var importErrors = await db.ImportErrors.AsNoTracking().Where(e => e.Value == phone)
            .Select(e => new { e.ImportId, e.Line, e.Reason, e.Value }).ToListAsync(ct);
        var apiRequests = await db.ApiRequests.AsNoTracking().Where(r => r.ResponseBody != null && r.ResponseBody.Contains(phone))
            .Select(r => new { r.CompanyId, r.CreatedAt, r.ResponseBody }).ToListAsync(ct);
        var conversations = await db.Conversations.AsNoTracking().Where(c => c.Phone == phone)
            .OrderBy(c => c.CreatedAt)
            .Select(c => new
            {
                c.CompanyId, c.PlatformNumber, c.Phone, c.UserCode, c.LastPreview, c.LastAt, c.DoneAt, c.CreatedAt,
                Entries = db.ConversationMessages.Where(e => e.ConversationId == c.Id && e.CompanyId == c.CompanyId).OrderBy(e => e.Id).Take(10_000)
                    .Select(e => new { e.Direction, e.Event, e.Body, e.CampaignId, e.Error, e.At }).ToList(),
            })
            .ToListAsync(ct);
        var recipientContacts = await db.RecipientContacts.AsNoTracking().Where(r => r.Phone == phone)
            .Select(r => new { r.CompanyId, r.PlatformNumber, r.Phone, r.LastAt, r.CampaignId }).ToListAsync(ct);
        var blockedNumbers = await db.BlockedNumbers.AsNoTracking().Where(b => b.Phone == phone)
            .Select(b => new { b.Phone, b.Reason, b.CreatedAt }).ToListAsync(ct);
        return new { contacts, messages, linkClicks, activity, suppressions, importErrors, apiRequests, conversations, recipientContacts, blockedNumbers };
    }

    public async Task<ErasureOutcome> EraseAsync(DataSubject subject, CancellationToken ct)
    {
        if (subject.Phone is not { Length: > 0 } phone)
        {
            return ErasureOutcome.Nothing(Module);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // Lists keep their counters exact: one less for each list the number was on.
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            UPDATE campaigns.contact_lists l SET contact_count = l.contact_count - c.n
            FROM (SELECT list_id, count(*)::int AS n FROM campaigns.contacts WHERE phone = {phone} GROUP BY list_id) c
            WHERE l.id = c.list_id
            """, ct);
        var contacts = await db.Contacts.Where(c => c.Phone == phone).ExecuteDeleteAsync(ct);
        // Which links they clicked goes before their messages lose the number (the campaign's totals stay in link_stats).
        var clicks = await db.Set<Domain.LinkClick>().Where(k => db.Messages.Any(m => m.Id == k.MessageId && m.Phone == phone)).ExecuteDeleteAsync(ct);
        var activity = await db.ContactActivity.Where(a => a.Phone == phone).ExecuteDeleteAsync(ct);
        var messages = await db.Messages.Where(m => m.Phone == phone)
            .ExecuteUpdateAsync(u => u
                .SetProperty(m => m.Phone, m => ErasedPhone + "-" + m.Id)
                .SetProperty(m => m.FirstName, (string?)null)
                .SetProperty(m => m.Fields, (string?)null)
                .SetProperty(m => m.Body, (string?)null), ct);
        var errors = await db.ImportErrors.Where(e => e.Value == phone).ExecuteUpdateAsync(u => u.SetProperty(e => e.Value, (string?)null), ct);
        // Idempotency replays only matter for a day; the ones that list this number go now.
        var replays = await db.ApiRequests.Where(r => r.ResponseBody != null && r.ResponseBody.Contains(phone)).ExecuteDeleteAsync(ct);
        // The inbox: their conversations go with every entry (ON DELETE CASCADE), and so does who-messaged-whom. A company
        // that messages them again starts a new thread; their STOP stays kept by the suppression's hash below.
        var conversations = await db.Conversations.Where(c => c.Phone == phone).ExecuteDeleteAsync(ct);
        var recipientContacts = await db.RecipientContacts.Where(r => r.Phone == phone).ExecuteDeleteAsync(ct);
        var kept = await db.Database.ExecuteSqlInterpolatedAsync($"""
            UPDATE campaigns.suppressions
            SET phone = {SuppressionHash.Prefix} || encode(sha256(convert_to({options.Value.SuppressionKey} || company_id::text || phone, 'UTF8')), 'hex')
            WHERE phone = {phone}
            """, ct);
        var blocked = await db.BlockedNumbers.CountAsync(b => b.Phone == phone, ct);
        await transaction.CommitAsync(ct);
        var keptAndWhy = new List<string>();
        if (kept > 0)
        {
            keptAndWhy.Add($"A keyed hash of your number stays on the do-not-message list of the {kept} compan{(kept == 1 ? "y" : "ies")} you opted out of, and nothing else about you: it is what keeps their campaigns from texting you again.");
        }

        if (blocked > 0)
        {
            keptAndWhy.Add("Your number stays on the platform's block list, with the reason it was blocked: it is what keeps every company from texting it.");
        }

        return new ErasureOutcome(Module, contacts + clicks + activity + messages + errors + replays + conversations + recipientContacts, keptAndWhy);
    }
}

/// <summary>How an erased person's suppressed number is kept: "h:" and the hex SHA-256 of key, company id and number.</summary>
internal static class SuppressionHash
{
    public const string Prefix = "h:";
}
