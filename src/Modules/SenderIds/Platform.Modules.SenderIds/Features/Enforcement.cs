using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Modules.SenderIds.Contracts;
using Platform.Modules.SenderIds.Domain;

namespace Platform.Modules.SenderIds.Features;

internal sealed class ListUsableSenderIdsHandler(SenderIdsDbContext db, IOptions<SenderIdsOptions> options)
    : IRequestHandler<ListUsableSenderIds, IReadOnlyList<ApprovedSenderId>>
{
    public async Task<IReadOnlyList<ApprovedSenderId>> Handle(ListUsableSenderIds request, CancellationToken cancellationToken)
    {
        var approved = await db.Applications.AsNoTracking()
            .Where(a => a.CompanyId == request.CompanyId && a.Status == ApplicationStatus.Approved)
            .OrderBy(a => a.SenderId)
            .Select(a => new { a.SenderId, a.Countries })
            .ToListAsync(cancellationToken);
        var usable = approved
            .GroupBy(a => a.SenderId)
            .Select(g => new ApprovedSenderId(g.Key, g.SelectMany(a => a.Countries).Distinct().Order().ToArray(), false))
            .ToList();
        usable.Add(new ApprovedSenderId(options.Value.DefaultSender, Countries.All, true));
        return usable;
    }
}

internal sealed class CheckSenderIdHandler(SenderIdsDbContext db, IOptions<SenderIdsOptions> options)
    : IRequestHandler<CheckSenderId, SenderIdCheck>
{
    public async Task<SenderIdCheck> Handle(CheckSenderId request, CancellationToken cancellationToken)
    {
        var shown = request.SenderId.Trim();
        var country = request.CountryCode.Trim().ToUpperInvariant();
        var key = SenderIdRules.Key(shown);
        if (key == SenderIdRules.Key(options.Value.DefaultSender))
        {
            return new SenderIdCheck(true, null);
        }

        var applications = await db.Applications.AsNoTracking()
            .Where(a => a.SenderKey == key)
            .OrderByDescending(a => a.UpdatedAt)
            .Select(a => new { a.CompanyId, a.Status, a.Countries, a.DecisionReason })
            .ToListAsync(cancellationToken);
        var own = applications.Where(a => a.CompanyId == request.CompanyId).ToList();
        var approved = own.Where(a => a.Status == ApplicationStatus.Approved).ToList();
        if (approved.Any(a => a.Countries.Contains(country)))
        {
            return new SenderIdCheck(true, null);
        }

        if (approved.Count > 0)
        {
            return new SenderIdCheck(false, $"Sender ID {shown} is not approved for {country}. Apply for it in {country} first.");
        }

        if (own.FirstOrDefault(a => a.Status == ApplicationStatus.Revoked) is { } revoked)
        {
            return new SenderIdCheck(false, $"Sender ID {shown} was revoked: {revoked.DecisionReason}");
        }

        if (applications.Any(a => a.CompanyId != request.CompanyId && a.Status == ApplicationStatus.Approved))
        {
            return new SenderIdCheck(false, $"Sender ID {shown} belongs to another company.");
        }

        if (own.FirstOrDefault(a => a.Status == ApplicationStatus.Rejected) is { } rejected)
        {
            return new SenderIdCheck(false, $"Sender ID {shown} was rejected: {rejected.DecisionReason}");
        }

        if (own.Count > 0)
        {
            return new SenderIdCheck(false, $"Sender ID {shown} is not approved yet ({ApplicationStatus.Display(own[0].Status).ToLowerInvariant()}).");
        }

        return new SenderIdCheck(false, $"Sender ID {shown} is not one of your approved Sender IDs. Apply for it on the Sender IDs page.");
    }
}
