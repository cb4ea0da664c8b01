using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using MediatR;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Modules.Accounts.Contracts;
using Platform.Modules.SenderIds.Domain;
using Platform.Modules.Shared;

namespace Platform.Modules.SenderIds.Features;

/// <summary>Who is acting now (for the history and the access log).</summary>
internal sealed class Actor(IHttpContextAccessor accessor, ITenantContext tenant)
{
    public Guid UserId => tenant.UserId ?? Guid.Empty;

    public string Email => accessor.HttpContext?.User.FindFirstValue(ClaimTypes.Name) ?? "system";

    public bool IsAdmin => tenant.IsPlatformAdmin;
}

/// <summary>A new application (no <see cref="Id"/>) or a fix to a draft or rejected one. The page binds this class directly.</summary>
internal sealed class SaveApplication : IRequest<Guid?>
{
    public Guid? Id { get; set; }

    [Required(ErrorMessage = "Choose alphanumeric or numeric.")]
    [Display(Name = "Type")]
    public string Kind { get; set; } = SenderIdKind.Alphanumeric;

    [Required(ErrorMessage = "Enter the Sender ID you apply for.")]
    [Display(Name = "Sender ID")]
    public string SenderId { get; set; } = string.Empty;

    [Display(Name = "Countries")]
    public List<string> Countries { get; set; } = [];

    [Required(ErrorMessage = "Describe what you will send with this Sender ID.")]
    [StringLength(1000, MinimumLength = 10, ErrorMessage = "Describe the use case in 10 to 1000 characters.")]
    [Display(Name = "Use case")]
    public string UseCase { get; set; } = string.Empty;

    [Required(ErrorMessage = "Give at least one sample message.")]
    [StringLength(2000, ErrorMessage = "The sample messages can have at most 2000 characters.")]
    [Display(Name = "Sample messages")]
    public string SampleMessages { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter your company registration number.")]
    [RegularExpression("^[A-Za-z0-9][A-Za-z0-9 ./-]{1,49}$", ErrorMessage = "Enter the company registration number as on your certificate (2 to 50 letters, digits, spaces, dots, slashes or dashes).")]
    [Display(Name = "Company registration number")]
    public string RegistrationNumber { get; set; } = string.Empty;

    [Display(Name = "Authorisation letter")]
    public IFormFile? AuthorisationLetter { get; set; }

    [Display(Name = "Registration certificate")]
    public IFormFile? RegistrationCertificate { get; set; }
}

internal sealed class SaveApplicationValidator(IOptions<SenderIdsOptions> options) : IRequestValidator<SaveApplication>
{
    public IEnumerable<ValidationError> Validate(SaveApplication request)
    {
        if (!string.IsNullOrWhiteSpace(request.SenderId) && SenderIdRules.Problem(request.Kind, request.SenderId) is { } problem)
        {
            yield return new ValidationError(nameof(request.SenderId), problem);
        }

        if (request.Countries.Count == 0)
        {
            yield return new ValidationError(nameof(request.Countries), "Choose at least one country the Sender ID will be used in.");
        }
        else if (request.Countries.FirstOrDefault(c => !Features.Countries.IsValid(c)) is { } unknown)
        {
            yield return new ValidationError(nameof(request.Countries), $"\"{unknown}\" is not a country code (ISO 3166-1 alpha-2, for example GB).");
        }

        foreach (var (field, file) in new[] { (nameof(request.AuthorisationLetter), request.AuthorisationLetter), (nameof(request.RegistrationCertificate), request.RegistrationCertificate) })
        {
            var label = field == nameof(request.AuthorisationLetter) ? "authorisation letter" : "registration certificate";
            if (file is null || file.Length == 0)
            {
                if (request.Id is null)
                {
                    yield return new ValidationError(field, $"Attach the {label} ({UploadedDocuments.TypesHint[7..^1]}, up to 5 MB).");
                }

                continue;
            }

            if (UploadedDocuments.Problem(file, label, options.Value.MaxDocumentBytes) is { } wrong)
            {
                yield return new ValidationError(field, wrong);
            }
        }
    }
}

internal sealed class SaveApplicationHandler(SenderIdsDbContext db, ITenantContext tenant, Actor actor, DocumentStore store, TimeProvider clock)
    : IRequestHandler<SaveApplication, Guid?>
{
    public async Task<Guid?> Handle(SaveApplication request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        var senderId = request.SenderId.Trim();
        var key = SenderIdRules.Key(senderId);
        await Duplicates.RefuseHeldByAnotherAsync(db, companyId, key, senderId, cancellationToken);

        var now = clock.GetUtcNow();
        SenderIdApplication application;
        if (request.Id is { } id)
        {
            var found = await db.Applications.SingleOrDefaultAsync(a => a.Id == id && a.CompanyId == companyId, cancellationToken);
            if (found is null)
            {
                return null;
            }

            if (found.Status is not (ApplicationStatus.Draft or ApplicationStatus.Rejected))
            {
                throw new RequestValidationException(string.Empty, $"An application that is {ApplicationStatus.Display(found.Status).ToLowerInvariant()} cannot be changed.");
            }

            application = found;
        }
        else
        {
            application = new SenderIdApplication
            {
                Id = Guid.CreateVersion7(),
                CompanyId = companyId,
                SenderId = senderId,
                SenderKey = key,
                Kind = request.Kind,
                Countries = [],
                UseCase = string.Empty,
                SampleMessages = string.Empty,
                RegistrationNumber = string.Empty,
                Status = ApplicationStatus.Draft,
                CreatedAt = now,
            };
            db.Applications.Add(application);
            db.Transitions.Add(new StatusTransition
            {
                ApplicationId = application.Id, FromStatus = null, ToStatus = ApplicationStatus.Draft,
                ActorId = actor.UserId, ActorRole = TransitionActors.Company, ActorEmail = actor.Email, At = now,
            });
        }

        application.SenderId = senderId;
        application.SenderKey = key;
        application.Kind = request.Kind;
        application.Countries = request.Countries.Distinct().Order().ToArray();
        application.UseCase = request.UseCase.Trim();
        application.SampleMessages = request.SampleMessages.Trim();
        application.RegistrationNumber = request.RegistrationNumber.Trim();
        application.UpdatedAt = now;

        var written = new List<Guid>();
        try
        {
            foreach (var (kind, file) in new[] { (DocumentKind.AuthorisationLetter, request.AuthorisationLetter), (DocumentKind.RegistrationCertificate, request.RegistrationCertificate) })
            {
                if (file is null || file.Length == 0)
                {
                    continue;
                }

                var document = new SenderIdDocument
                {
                    Id = Guid.NewGuid(),
                    ApplicationId = application.Id,
                    CompanyId = companyId,
                    Kind = kind,
                    ContentType = UploadedDocuments.Sniff(file)!,
                    SizeBytes = file.Length,
                    UploadedAt = now,
                };
                await using (var content = file.OpenReadStream())
                {
                    await store.SaveAsync(document.Id, content, cancellationToken);
                }

                written.Add(document.Id);
                db.Documents.Add(document);
            }

            await db.SaveChangesAsync(cancellationToken);
        }
        catch
        {
            written.ForEach(store.Delete);
            throw;
        }

        return application.Id;
    }
}

internal static class Duplicates
{
    public static async Task RefuseHeldByAnotherAsync(SenderIdsDbContext db, Guid companyId, string key, string shown, CancellationToken cancellationToken)
    {
        if (await db.Applications.AnyAsync(a => a.SenderKey == key && a.CompanyId != companyId && a.Status == ApplicationStatus.Approved, cancellationToken))
        {
            throw new RequestValidationException(nameof(SaveApplication.SenderId),
                $"{shown} is already approved for another company. If you believe it is rightfully yours, contact support with your documents.");
        }
    }
}

/// <summary>Sends a draft (or a fixed, rejected application) to the review queue.</summary>
internal sealed record SubmitApplication(Guid Id) : IRequest<bool>;

internal sealed class SubmitApplicationHandler(SenderIdsDbContext db, ITenantContext tenant, Actor actor, TimeProvider clock, IMediator mediator, PublicLinks links)
    : IRequestHandler<SubmitApplication, bool>
{
    public async Task<bool> Handle(SubmitApplication request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        var application = await db.Applications.SingleOrDefaultAsync(a => a.Id == request.Id && a.CompanyId == companyId, cancellationToken);
        if (application is null)
        {
            return false;
        }

        if (application.Status is not (ApplicationStatus.Draft or ApplicationStatus.Rejected))
        {
            throw new RequestValidationException(string.Empty, "Only a draft or a rejected application can be submitted.");
        }

        var documents = await db.Documents.Where(d => d.ApplicationId == application.Id && d.PurgedAt == null).Select(d => d.Kind).Distinct().CountAsync(cancellationToken);
        if (documents < 2)
        {
            throw new RequestValidationException(string.Empty, "Attach both the authorisation letter and the registration certificate before submitting.");
        }

        await Duplicates.RefuseHeldByAnotherAsync(db, companyId, application.SenderKey, application.SenderId, cancellationToken);
        var now = clock.GetUtcNow();
        db.Transitions.Add(new StatusTransition
        {
            ApplicationId = application.Id, FromStatus = application.Status, ToStatus = ApplicationStatus.Submitted,
            ActorId = actor.UserId, ActorRole = TransitionActors.Company, ActorEmail = actor.Email, At = now,
        });
        application.Status = ApplicationStatus.Submitted;
        application.SubmittedAt = now;
        application.DecisionReason = null;
        application.DecidedAt = null;
        application.UpdatedAt = now;
        await db.SaveChangesAsync(cancellationToken);

        // After the save: the team hears of a submission that happened, once per submission (a rejected one may come again).
        await mediator.Send(new NotifyCompany(
            companyId,
            CompanyNotices.SenderIdSubmitted,
            $"Sender ID {application.SenderId} was submitted for review",
            new EmailBody(
                $"Sender ID {application.SenderId}: submitted",
                [$"{actor.Email} submitted the application for {application.SenderId} ({string.Join(", ", application.Countries)}). Our staff review it, usually within two working days; you will be emailed the decision."],
                new EmailAction("Open your Sender IDs", links.To("/SenderIds"))),
            $"notice.sender-id-submitted:{application.Id}:{now:O}"), cancellationToken);
        return true;
    }
}

internal sealed record ApplicationSummary(Guid Id, Guid CompanyId, string SenderId, string Kind, string[] Countries, string Status, DateTimeOffset CreatedAt, DateTimeOffset? SubmittedAt, string? DecisionReason);

internal sealed record DocumentSummary(Guid Id, string Kind, string ContentType, long SizeBytes, DateTimeOffset UploadedAt, DateTimeOffset? PurgedAt);

internal sealed record TransitionSummary(string? FromStatus, string ToStatus, string ActorRole, string ActorEmail, string? Reason, DateTimeOffset At, Guid ActorId);

internal sealed record ApplicationDetails(
    SenderIdApplication Application,
    IReadOnlyList<DocumentSummary> Documents,
    IReadOnlyList<TransitionSummary> History,
    int OtherCompaniesApplying = 0);

internal sealed record NotificationSummary(string Message, DateTimeOffset CreatedAt);

internal sealed record CompanyOverview(IReadOnlyList<ApplicationSummary> Applications, IReadOnlyList<NotificationSummary> Notifications);

/// <summary>The signed-in company's applications and the decisions it was told about.</summary>
internal sealed record GetCompanyOverview : IRequest<CompanyOverview>;

internal sealed class GetCompanyOverviewHandler(SenderIdsDbContext db, ITenantContext tenant) : IRequestHandler<GetCompanyOverview, CompanyOverview>
{
    public async Task<CompanyOverview> Handle(GetCompanyOverview request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        var applications = await db.Applications.AsNoTracking()
            .Where(a => a.CompanyId == companyId)
            .OrderByDescending(a => a.CreatedAt)
            .Select(a => new ApplicationSummary(a.Id, a.CompanyId, a.SenderId, a.Kind, a.Countries, a.Status, a.CreatedAt, a.SubmittedAt, a.DecisionReason))
            .ToListAsync(cancellationToken);
        var notifications = await db.Notifications.AsNoTracking()
            .Where(n => n.CompanyId == companyId)
            .OrderByDescending(n => n.Id)
            .Take(50)
            .Select(n => new NotificationSummary(n.Message, n.CreatedAt))
            .ToListAsync(cancellationToken);
        return new CompanyOverview(applications, notifications);
    }
}

/// <summary>One application with its documents and history: the owning company's, or any for an admin (<see cref="AsAdmin"/>).</summary>
internal sealed record GetApplication(Guid Id, bool AsAdmin = false) : IRequest<ApplicationDetails?>;

internal sealed class GetApplicationHandler(SenderIdsDbContext db, ITenantContext tenant) : IRequestHandler<GetApplication, ApplicationDetails?>
{
    public async Task<ApplicationDetails?> Handle(GetApplication request, CancellationToken cancellationToken)
    {
        var query = db.Applications.AsNoTracking().Where(a => a.Id == request.Id);
        if (request.AsAdmin)
        {
            if (!tenant.IsPlatformAdmin)
            {
                return null;
            }
        }
        else
        {
            var companyId = tenant.RequireCompanyId();
            query = query.Where(a => a.CompanyId == companyId);
        }

        var application = await query.SingleOrDefaultAsync(cancellationToken);
        if (application is null)
        {
            return null;
        }

        var documents = await db.Documents.AsNoTracking().Where(d => d.ApplicationId == application.Id).OrderBy(d => d.UploadedAt)
            .Select(d => new DocumentSummary(d.Id, d.Kind, d.ContentType, d.SizeBytes, d.UploadedAt, d.PurgedAt))
            .ToListAsync(cancellationToken);
        var history = await db.Transitions.AsNoTracking().Where(t => t.ApplicationId == application.Id).OrderBy(t => t.Id)
            .Select(t => new TransitionSummary(t.FromStatus, t.ToStatus, t.ActorRole, t.ActorEmail, t.Reason, t.At, t.ActorId))
            .ToListAsync(cancellationToken);
        var others = request.AsAdmin
            ? await db.Applications.AsNoTracking()
                .Where(a => a.SenderKey == application.SenderKey && a.CompanyId != application.CompanyId && a.Status != ApplicationStatus.Draft && a.Status != ApplicationStatus.Rejected)
                .Select(a => a.CompanyId).Distinct().CountAsync(cancellationToken)
            : 0;
        return new ApplicationDetails(application, documents, history, others);
    }
}

internal sealed record OpenedDocument(Stream Content, string ContentType, string FileName);

/// <summary>Opens a supporting document for its company (or an admin), and records the access.</summary>
internal sealed record OpenDocument(Guid Id, bool AsAdmin = false) : IRequest<OpenedDocument?>;

internal sealed class OpenDocumentHandler(SenderIdsDbContext db, ITenantContext tenant, Actor actor, DocumentStore store, TimeProvider clock)
    : IRequestHandler<OpenDocument, OpenedDocument?>
{
    public async Task<OpenedDocument?> Handle(OpenDocument request, CancellationToken cancellationToken)
    {
        var query = db.Documents.AsNoTracking().Where(d => d.Id == request.Id && d.PurgedAt == null);
        if (request.AsAdmin)
        {
            if (!tenant.IsPlatformAdmin)
            {
                return null;
            }
        }
        else
        {
            var companyId = tenant.RequireCompanyId();
            query = query.Where(d => d.CompanyId == companyId);
        }

        var document = await query.SingleOrDefaultAsync(cancellationToken);
        if (document is null || store.Open(document.Id) is not { } content)
        {
            return null;
        }

        db.DocumentAccessLog.Add(new DocumentAccess
        {
            DocumentId = document.Id, ApplicationId = document.ApplicationId, UserId = actor.UserId, AsAdmin = request.AsAdmin, At = clock.GetUtcNow(),
        });
        await db.SaveChangesAsync(cancellationToken);
        var name = $"{document.Kind.ToLowerInvariant()}-{document.Id.ToString("N")[..8]}.{UploadedDocuments.Extension(document.ContentType)}";
        return new OpenedDocument(content, document.ContentType, name);
    }
}
