using MediatR;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Accounts.Contracts;
using Platform.Modules.SenderIds.Contracts;
using Platform.Modules.SenderIds.Domain;
using Platform.Modules.Shared;
using Platform.Modules.Shared.Events;

namespace Platform.Modules.SenderIds.Features;

/// <summary>The admin review queue, oldest submission first. No status: what waits for a reviewer (Submitted, Under review).</summary>
internal sealed record GetReviewQueue(string? Country, string? Status) : IRequest<IReadOnlyList<ApplicationSummary>>;

internal sealed class GetReviewQueueHandler(SenderIdsDbContext db, ITenantContext tenant) : IRequestHandler<GetReviewQueue, IReadOnlyList<ApplicationSummary>>
{
    public async Task<IReadOnlyList<ApplicationSummary>> Handle(GetReviewQueue request, CancellationToken cancellationToken)
    {
        if (!tenant.IsPlatformAdmin)
        {
            throw new UnauthorizedAccessException("The review queue is for platform admins.");
        }

        var query = db.Applications.AsNoTracking().Where(a => a.Status != ApplicationStatus.Draft);
        query = string.IsNullOrEmpty(request.Status)
            ? query.Where(a => a.Status == ApplicationStatus.Submitted || a.Status == ApplicationStatus.UnderReview)
            : query.Where(a => a.Status == request.Status);
        if (!string.IsNullOrEmpty(request.Country))
        {
            var country = request.Country.ToUpperInvariant();
            query = query.Where(a => a.Countries.Contains(country));
        }

        return await query
            .OrderBy(a => a.SubmittedAt ?? a.CreatedAt).ThenBy(a => a.Id)
            .Take(500)
            .Select(a => new ApplicationSummary(a.Id, a.CompanyId, a.SenderId, a.Kind, a.Countries, a.Status, a.CreatedAt, a.SubmittedAt, a.DecisionReason))
            .ToListAsync(cancellationToken);
    }
}

internal enum ReviewAction
{
    StartReview,
    Approve,
    Reject,
    Revoke,
}

/// <summary>An admin's decision on an application; rejecting and revoking need a reason.</summary>
internal sealed record DecideApplication(Guid Id, ReviewAction Action, string? Reason) : IRequest<bool>;

internal sealed class DecideApplicationValidator : IRequestValidator<DecideApplication>
{
    public IEnumerable<ValidationError> Validate(DecideApplication request)
    {
        if (request.Action is ReviewAction.Reject or ReviewAction.Revoke && string.IsNullOrWhiteSpace(request.Reason))
        {
            yield return new ValidationError(nameof(request.Reason), request.Action == ReviewAction.Reject
                ? "Give the reason for rejecting, so the company can fix the application."
                : "Give the reason for revoking.");
        }

        if (request.Reason is { Length: > 500 })
        {
            yield return new ValidationError(nameof(request.Reason), "The reason can have at most 500 characters.");
        }
    }
}

internal sealed class DecideApplicationHandler(SenderIdsDbContext db, ITenantContext tenant, Actor actor, TimeProvider clock, IMediator mediator, PublicLinks links)
    : IRequestHandler<DecideApplication, bool>
{
    public async Task<bool> Handle(DecideApplication request, CancellationToken cancellationToken)
    {
        if (!tenant.IsPlatformAdmin)
        {
            return false;
        }

        var application = await db.Applications.SingleOrDefaultAsync(a => a.Id == request.Id, cancellationToken);
        if (application is null)
        {
            return false;
        }

        var (allowedFrom, to) = request.Action switch
        {
            ReviewAction.StartReview => (new[] { ApplicationStatus.Submitted }, ApplicationStatus.UnderReview),
            ReviewAction.Approve => (new[] { ApplicationStatus.Submitted, ApplicationStatus.UnderReview }, ApplicationStatus.Approved),
            ReviewAction.Reject => (new[] { ApplicationStatus.Submitted, ApplicationStatus.UnderReview }, ApplicationStatus.Rejected),
            _ => (new[] { ApplicationStatus.Approved }, ApplicationStatus.Revoked),
        };
        if (!allowedFrom.Contains(application.Status))
        {
            throw new RequestValidationException(string.Empty,
                $"An application that is {ApplicationStatus.Display(application.Status).ToLowerInvariant()} cannot become {ApplicationStatus.Display(to).ToLowerInvariant()}.");
        }

        if (request.Action == ReviewAction.Approve &&
            await db.Applications.AnyAsync(a => a.SenderKey == application.SenderKey && a.CompanyId != application.CompanyId && a.Status == ApplicationStatus.Approved, cancellationToken))
        {
            throw new RequestValidationException(string.Empty, $"{application.SenderId} is already approved for another company; reject this application or revoke the other first.");
        }

        var now = clock.GetUtcNow();
        var reason = string.IsNullOrWhiteSpace(request.Reason) ? null : request.Reason.Trim();
        db.Transitions.Add(new StatusTransition
        {
            ApplicationId = application.Id, FromStatus = application.Status, ToStatus = to,
            ActorId = actor.UserId, ActorRole = TransitionActors.Admin, ActorEmail = actor.Email, Reason = reason, At = now,
        });
        application.Status = to;
        application.UpdatedAt = now;
        if (request.Action != ReviewAction.StartReview)
        {
            application.DecisionReason = reason;
            application.DecidedAt = now;
            db.Notifications.Add(new CompanyNotification
            {
                CompanyId = application.CompanyId,
                ApplicationId = application.Id,
                CreatedAt = now,
                Message = request.Action switch
                {
                    ReviewAction.Approve => $"Sender ID {application.SenderId} was approved for {string.Join(", ", application.Countries)}." + (reason is null ? string.Empty : $" {reason}"),
                    ReviewAction.Reject => $"Sender ID {application.SenderId} was rejected: {reason}. You may fix the application and submit it again.",
                    _ => $"Sender ID {application.SenderId} was revoked: {reason}. Campaigns scheduled with it need attention.",
                },
            });
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        if (request.Action == ReviewAction.Revoke)
        {
            // Campaigns stop the ones that would use it: announced from the outbox, in the revocation's transaction.
            await Outbox.AddAsync(db, new SenderIdRevoked(application.CompanyId, application.SenderId, reason!), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);

        if (request.Action != ReviewAction.StartReview)
        {
            // By email too, to whoever in the company wants it (after the commit: a notice never tells of an undone decision).
            var decision = ApplicationStatus.Display(to).ToLowerInvariant();
            await mediator.Send(new NotifyCompany(
                application.CompanyId,
                CompanyNotices.SenderIdDecided,
                $"Sender ID {application.SenderId} was {decision}",
                new EmailBody(
                    $"Sender ID {application.SenderId}: {decision}",
                    [
                        request.Action switch
                        {
                            ReviewAction.Approve => $"Your application for {application.SenderId} was approved for {string.Join(", ", application.Countries)}: campaigns and API messages may use it from now on.",
                            ReviewAction.Reject => $"Your application for {application.SenderId} was rejected. The reason: {reason}. You may fix the application and submit it again.",
                            _ => $"Your Sender ID {application.SenderId} was revoked. The reason: {reason}. Campaigns scheduled with it need attention.",
                        },
                    ],
                    new EmailAction("Open your Sender IDs", links.To("/SenderIds"))),
                $"notice.sender-id-decided:{application.Id}:{to}:{now:O}"), cancellationToken);
        }

        return true;
    }
}
