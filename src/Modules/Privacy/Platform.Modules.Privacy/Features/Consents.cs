using MediatR;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Privacy.Contracts;
using Platform.Modules.Privacy.Domain;

namespace Platform.Modules.Privacy.Features;

/// <summary>The person's current newsletter/product-update consent on one channel; never given by default.</summary>
internal sealed record ChannelConsent(string Channel, bool Granted, DateTimeOffset? RecordedAt, string? Source);

internal sealed record GetMarketingConsents(DataSubjectKind Kind, Guid SubjectId) : IRequest<IReadOnlyList<ChannelConsent>>;

internal sealed class GetMarketingConsentsHandler(PrivacyDbContext db) : IRequestHandler<GetMarketingConsents, IReadOnlyList<ChannelConsent>>
{
    public async Task<IReadOnlyList<ChannelConsent>> Handle(GetMarketingConsents request, CancellationToken cancellationToken)
    {
        var kind = request.Kind.ToString();
        var latest = await db.MarketingConsents.AsNoTracking()
            .Where(c => c.SubjectId == request.SubjectId && c.SubjectKind == kind)
            .GroupBy(c => c.Channel)
            .Select(g => g.OrderByDescending(c => c.Id).First())
            .ToListAsync(cancellationToken);
        return Channels.All
            .Select(channel => latest.FirstOrDefault(c => c.Channel == channel) is { } last
                ? new ChannelConsent(channel, last.Granted, last.RecordedAt, last.Source)
                : new ChannelConsent(channel, false, null, null))
            .ToList();
    }
}

/// <summary>Records a change of consent per channel (only the channels that changed), with time and source.</summary>
internal sealed record SetMarketingConsents(DataSubjectKind Kind, Guid SubjectId, IReadOnlyDictionary<string, bool> Wanted, string Source) : IRequest<int>;

internal sealed class SetMarketingConsentsHandler(PrivacyDbContext db, IMediator mediator, TimeProvider clock) : IRequestHandler<SetMarketingConsents, int>
{
    public async Task<int> Handle(SetMarketingConsents request, CancellationToken cancellationToken)
    {
        var current = await mediator.Send(new GetMarketingConsents(request.Kind, request.SubjectId), cancellationToken);
        var now = clock.GetUtcNow();
        var changed = 0;
        foreach (var (channel, granted) in request.Wanted)
        {
            if (!Channels.All.Contains(channel) || current.Single(c => c.Channel == channel).Granted == granted)
            {
                continue;
            }

            db.MarketingConsents.Add(new MarketingConsent
            {
                SubjectKind = request.Kind.ToString(),
                SubjectId = request.SubjectId,
                Channel = channel,
                Granted = granted,
                Source = request.Source,
                RecordedAt = now,
            });
            changed++;
        }

        await db.SaveChangesAsync(cancellationToken);
        return changed;
    }
}

/// <summary>
/// Signed one-click unsubscribe tokens for the links in every newsletter: who and which channel, protected with the
/// platform's data-protection keys (shared by all nodes), so the link works without signing in and cannot be forged.
/// </summary>
internal sealed class UnsubscribeTokens(IDataProtectionProvider provider)
{
    private readonly IDataProtector protector = provider.CreateProtector("Platform.Privacy.Unsubscribe.v1");

    /// <param name="newsletterId">The newsletter the link is in, so its unsubscriptions are counted on it; null for other mail.</param>
    public string Create(DataSubjectKind kind, Guid subjectId, string channel, Guid? newsletterId = null) =>
        protector.Protect(newsletterId is { } id ? $"{kind}|{subjectId}|{channel}|{id}" : $"{kind}|{subjectId}|{channel}");

    public (DataSubjectKind Kind, Guid SubjectId, string Channel, Guid? NewsletterId)? Read(string? token)
    {
        if (string.IsNullOrWhiteSpace(token))
        {
            return null;
        }

        try
        {
            var parts = protector.Unprotect(token).Split('|');
            Guid? newsletter = parts.Length == 4 && Guid.TryParse(parts[3], out var n) ? n : null;
            return (parts.Length == 3 || newsletter is not null) && Enum.TryParse<DataSubjectKind>(parts[0], out var kind) && Guid.TryParse(parts[1], out var id) && Channels.All.Contains(parts[2])
                ? (kind, id, parts[2], newsletter)
                : null;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }
}

/// <summary>The one-click unsubscribe: answers false for a token that is not ours.</summary>
internal sealed record UnsubscribeWithToken(string? Token) : IRequest<string?>;

internal sealed class UnsubscribeWithTokenHandler(UnsubscribeTokens tokens, IMediator mediator, PrivacyDbContext db, TimeProvider clock) : IRequestHandler<UnsubscribeWithToken, string?>
{
    public async Task<string?> Handle(UnsubscribeWithToken request, CancellationToken cancellationToken)
    {
        if (tokens.Read(request.Token) is not { } target)
        {
            return null;
        }

        await mediator.Send(new SetMarketingConsents(target.Kind, target.SubjectId, new Dictionary<string, bool> { [target.Channel] = false }, "unsubscribe link"), cancellationToken);
        if (target.NewsletterId is { } newsletterId)
        {
            // Counted on the newsletter the link was in, once however often the link is used.
            var at = clock.GetUtcNow();
            await db.NewsletterRecipients
                .Where(r => r.NewsletterId == newsletterId && r.SubjectId == target.SubjectId && r.Channel == target.Channel && r.UnsubscribedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.UnsubscribedAt, at), cancellationToken);
        }

        return target.Channel;
    }
}

internal sealed class CreateUnsubscribeLinkHandler(UnsubscribeTokens tokens) : IRequestHandler<CreateUnsubscribeLink, string>
{
    public Task<string> Handle(CreateUnsubscribeLink request, CancellationToken cancellationToken) =>
        Task.FromResult("/Privacy/Unsubscribe?token=" + Uri.EscapeDataString(tokens.Create(request.Kind, request.SubjectId, request.Channel)));
}
