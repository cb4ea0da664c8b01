using System.ComponentModel.DataAnnotations;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Platform.Modules.Privacy.Contracts;
using Platform.Modules.Privacy.Domain;
using Platform.Modules.Shared;

namespace Platform.Modules.Privacy.Features;

/// <summary>An admin records an authority's request for a person's data. The record is never changed afterwards.</summary>
internal sealed class RecordDisclosure : IRequest<Guid>
{
    [Required(ErrorMessage = "Name the authority that asks (court, police force, regulator).")]
    [StringLength(200, ErrorMessage = "At most 200 characters.")]
    public string Authority { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter the authority's reference (case or order number).")]
    [StringLength(100, ErrorMessage = "At most 100 characters.")]
    public string Reference { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter the legal basis (the order, the statute and section).")]
    [StringLength(500, ErrorMessage = "At most 500 characters.")]
    [Display(Name = "Legal basis")]
    public string LegalBasis { get; set; } = string.Empty;

    [Required(ErrorMessage = "Say what data is requested.")]
    [StringLength(1000, ErrorMessage = "At most 1000 characters.")]
    [Display(Name = "Data requested")]
    public string DataRequested { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter the email address or mobile number of the person concerned.")]
    [StringLength(256, ErrorMessage = "At most 256 characters.")]
    [Display(Name = "Person (email or mobile number)")]
    public string SubjectContact { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter the date the request was received.")]
    [Display(Name = "Received on")]
    public DateOnly? ReceivedOn { get; set; }
}

internal sealed class RecordDisclosureHandler(PrivacyDbContext db, ITenantContext tenant, TimeProvider clock) : IRequestHandler<RecordDisclosure, Guid>
{
    public async Task<Guid> Handle(RecordDisclosure request, CancellationToken cancellationToken)
    {
        var admin = RequireAdmin(tenant);
        var disclosure = new Disclosure
        {
            Id = Guid.CreateVersion7(),
            Authority = request.Authority.Trim(),
            Reference = request.Reference.Trim(),
            LegalBasis = request.LegalBasis.Trim(),
            DataRequested = request.DataRequested.Trim(),
            SubjectContact = request.SubjectContact.Trim(),
            ReceivedOn = request.ReceivedOn!.Value,
            RecordedBy = admin,
            RecordedAt = clock.GetUtcNow(),
        };
        db.Disclosures.Add(disclosure);
        await db.SaveChangesAsync(cancellationToken);
        return disclosure.Id;
    }

    public static Guid RequireAdmin(ITenantContext tenant) =>
        tenant.IsPlatformAdmin && tenant.UserId is { } id ? id : throw new UnauthorizedAccessException("Only platform admins keep the disclosures register.");
}

/// <summary>A second admin approves; the database refuses the recording admin (four eyes).</summary>
internal sealed record ApproveDisclosure(Guid DisclosureId) : IRequest<Unit>;

internal sealed class ApproveDisclosureHandler(PrivacyDbContext db, ITenantContext tenant, TimeProvider clock) : IRequestHandler<ApproveDisclosure, Unit>
{
    public async Task<Unit> Handle(ApproveDisclosure request, CancellationToken cancellationToken)
    {
        var admin = RecordDisclosureHandler.RequireAdmin(tenant);
        var disclosure = await db.Disclosures.AsNoTracking().SingleOrDefaultAsync(d => d.Id == request.DisclosureId, cancellationToken)
            ?? throw new RequestValidationException(string.Empty, "There is no such disclosure request.");
        if (disclosure.RecordedBy == admin)
        {
            throw new RequestValidationException(string.Empty, "Another admin must approve this request: you recorded it.");
        }

        if (await db.DisclosureApprovals.AnyAsync(a => a.DisclosureId == request.DisclosureId, cancellationToken))
        {
            throw new RequestValidationException(string.Empty, "This request is already approved.");
        }

        db.DisclosureApprovals.Add(new DisclosureApproval { DisclosureId = request.DisclosureId, ApprovedBy = admin, ApprovedAt = clock.GetUtcNow() });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException exception) when (exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.CheckViolation })
        {
            throw new RequestValidationException(string.Empty, "This request is already approved, or you recorded it yourself.");
        }

        return Unit.Value;
    }
}

internal sealed record DisclosureLine(Guid Id, string Authority, string Reference, string LegalBasis, string DataRequested, string SubjectContact, DateOnly ReceivedOn, Guid RecordedBy, DateTimeOffset RecordedAt, Guid? ApprovedBy, DateTimeOffset? ApprovedAt);

internal sealed record ListDisclosures : IRequest<IReadOnlyList<DisclosureLine>>;

internal sealed class ListDisclosuresHandler(PrivacyDbContext db) : IRequestHandler<ListDisclosures, IReadOnlyList<DisclosureLine>>
{
    public async Task<IReadOnlyList<DisclosureLine>> Handle(ListDisclosures request, CancellationToken cancellationToken) =>
        await (from d in db.Disclosures.AsNoTracking()
               join a in db.DisclosureApprovals.AsNoTracking() on d.Id equals a.DisclosureId into approvals
               from a in approvals.DefaultIfEmpty()
               orderby d.RecordedAt descending
               select new DisclosureLine(d.Id, d.Authority, d.Reference, d.LegalBasis, d.DataRequested, d.SubjectContact, d.ReceivedOn, d.RecordedBy, d.RecordedAt,
                   a == null ? null : a.ApprovedBy, a == null ? null : a.ApprovedAt))
            .ToListAsync(cancellationToken);
}

/// <summary>
/// A member of staff looks at a person's data (found by email or mobile number) for a stated reason; the view is
/// recorded before anything is shown. For a disclosure, only once a second admin has approved it.
/// </summary>
internal sealed record ViewPersonData(string EmailOrPhone, string Reason, Guid? DisclosureId = null) : IRequest<byte[]>;

internal sealed class ViewPersonDataHandler(PrivacyDbContext db, DataSubjects subjects, ITenantContext tenant, IMediator mediator, TimeProvider clock)
    : IRequestHandler<ViewPersonData, byte[]>
{
    public async Task<byte[]> Handle(ViewPersonData request, CancellationToken cancellationToken)
    {
        var admin = RecordDisclosureHandler.RequireAdmin(tenant);
        var reason = request.Reason?.Trim() ?? string.Empty;
        var contact = request.EmailOrPhone?.Trim() ?? string.Empty;
        if (request.DisclosureId is { } disclosureId)
        {
            var approved = await (from d in db.Disclosures.AsNoTracking()
                                  join a in db.DisclosureApprovals.AsNoTracking() on d.Id equals a.DisclosureId
                                  where d.Id == disclosureId
                                  select d).SingleOrDefaultAsync(cancellationToken)
                ?? throw new RequestValidationException(string.Empty, "This disclosure request is not approved by a second admin yet, so no data can be exported for it.");
            (contact, reason) = (approved.SubjectContact, $"Legal disclosure {approved.Reference} to {approved.Authority}");
        }

        if (reason.Length < 5)
        {
            throw new RequestValidationException("Reason", "Say why you need to see this person's data (it is recorded).");
        }

        DataSubject? subject = null;
        foreach (var kind in new[] { DataSubjectKind.Subscriber, DataSubjectKind.BusinessUser })
        {
            subject ??= await subjects.Directory(kind).FindByContactAsync(contact, cancellationToken);
        }

        if (subject is null)
        {
            throw new RequestValidationException("EmailOrPhone", "No account has this email address or mobile number.");
        }

        await mediator.Send(new RecordStaffAccess(admin, subject.Kind, subject.Id, reason.Length > 500 ? reason[..500] : reason), cancellationToken);
        return await subjects.ExportJsonAsync(subject, clock.GetUtcNow(), cancellationToken);
    }
}

internal sealed class RecordStaffAccessHandler(PrivacyDbContext db, TimeProvider clock) : IRequestHandler<RecordStaffAccess, Unit>
{
    public async Task<Unit> Handle(RecordStaffAccess request, CancellationToken cancellationToken)
    {
        db.StaffAccesses.Add(new StaffAccess
        {
            StaffUserId = request.StaffUserId,
            SubjectKind = request.SubjectKind.ToString(),
            SubjectId = request.SubjectId,
            Reason = request.Reason,
            At = clock.GetUtcNow(),
        });
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}

internal sealed record StaffAccessLine(Guid StaffUserId, string SubjectKind, Guid SubjectId, string Reason, DateTimeOffset At);

internal sealed record ListStaffAccesses : IRequest<IReadOnlyList<StaffAccessLine>>;

internal sealed class ListStaffAccessesHandler(PrivacyDbContext db) : IRequestHandler<ListStaffAccesses, IReadOnlyList<StaffAccessLine>>
{
    public async Task<IReadOnlyList<StaffAccessLine>> Handle(ListStaffAccesses request, CancellationToken cancellationToken) =>
        await db.StaffAccesses.AsNoTracking().OrderByDescending(s => s.Id).Take(100)
            .Select(s => new StaffAccessLine(s.StaffUserId, s.SubjectKind, s.SubjectId, s.Reason, s.At))
            .ToListAsync(cancellationToken);
}
