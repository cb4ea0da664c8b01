using Microsoft.EntityFrameworkCore;
using Platform.Modules.Privacy.Contracts;

namespace Platform.Modules.SenderIds.Features;

/// <summary>
/// SenderIds holds one piece of a business user's personal data: their email on the changes and decisions they made
/// on Sender ID applications. Erasure replaces it; the decision record itself (what, when) stays with the company.
/// </summary>
internal sealed class SenderIdsPersonalData(SenderIdsDbContext db) : IPersonalDataContributor
{
    public const string ErasedActor = "(erased user)";

    public string Module => SenderIdsModule.Name;

    public async Task<object?> ExportAsync(DataSubject subject, CancellationToken ct)
    {
        if (subject.Kind != DataSubjectKind.BusinessUser)
        {
            return null;
        }

        var changes = await (
                from t in db.Transitions.AsNoTracking()
                join a in db.Applications.AsNoTracking() on t.ApplicationId equals a.Id
                where t.ActorId == subject.Id
                orderby t.At
                select new { Application = a.SenderId, t.FromStatus, t.ToStatus, t.ActorRole, t.ActorEmail, t.Reason, t.At })
            .ToListAsync(ct);
        var documentsOpened = await db.DocumentAccessLog.AsNoTracking().Where(d => d.UserId == subject.Id)
            .OrderBy(d => d.At).Select(d => new { d.DocumentId, d.AsAdmin, d.At }).ToListAsync(ct);
        return new { applicationChanges = changes, documentsOpened };
    }

    public async Task<ErasureOutcome> EraseAsync(DataSubject subject, CancellationToken ct)
    {
        if (subject.Kind != DataSubjectKind.BusinessUser)
        {
            return ErasureOutcome.Nothing(Module);
        }

        var erased = await db.Transitions.Where(t => t.ActorId == subject.Id && t.ActorEmail != ErasedActor)
            .ExecuteUpdateAsync(u => u.SetProperty(t => t.ActorEmail, ErasedActor), ct);
        return new ErasureOutcome(Module, erased, erased == 0
            ? []
            : ["The history of your company's Sender ID applications (which status changed when), without your email address: it is the record of each decision."]);
    }
}
