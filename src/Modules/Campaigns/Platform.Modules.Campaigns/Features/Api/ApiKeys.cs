using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Platform.Modules.Campaigns.Domain;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Features.Api;

/// <summary>
/// Send-API keys look like <c>plat_&lt;10 hex prefix&gt;_&lt;43 base64url chars of 32 random bytes&gt;</c>. The prefix is
/// public (shown on the keys page, used to find the key); only the SHA-256 of the whole key is stored.
/// </summary>
internal static class ApiKeyFormat
{
    public const string Scheme = "plat_";
    public const int PrefixLength = 10;

    public static (string Key, string Prefix, byte[] Hash) Generate()
    {
        var prefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(PrefixLength / 2));
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var key = $"{Scheme}{prefix}_{secret}";
        return (key, prefix, Hash(key));
    }

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>The public prefix of something shaped like a key, or null (used to look it up and to partition rate limits).</summary>
    public static string? PrefixOf(string? key)
    {
        if (key is null || key.Length < Scheme.Length + PrefixLength + 2 || key.Length > 100 || !key.StartsWith(Scheme, StringComparison.Ordinal)
            || key[Scheme.Length + PrefixLength] != '_')
        {
            return null;
        }

        var prefix = key.Substring(Scheme.Length, PrefixLength);
        return prefix.All(char.IsAsciiHexDigitLower) ? prefix : null;
    }

    public static bool Matches(string key, byte[] storedHash) => CryptographicOperations.FixedTimeEquals(Hash(key), storedHash);
}

/// <summary>A key as the keys page lists it (never the key itself).</summary>
internal sealed record ApiKeyView(Guid Id, string Name, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt);

internal sealed record ListApiKeys : IRequest<IReadOnlyList<ApiKeyView>>;

internal sealed class ListApiKeysHandler(CampaignsDbContext db, ITenantContext tenant) : IRequestHandler<ListApiKeys, IReadOnlyList<ApiKeyView>>
{
    public async Task<IReadOnlyList<ApiKeyView>> Handle(ListApiKeys request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        return await db.ApiKeys.AsNoTracking().Where(k => k.CompanyId == companyId)
            .OrderBy(k => k.RevokedAt != null).ThenByDescending(k => k.CreatedAt)
            .Select(k => new ApiKeyView(k.Id, k.Name, k.Prefix, k.CreatedAt, k.LastUsedAt, k.RevokedAt))
            .ToListAsync(cancellationToken);
    }
}

/// <summary>Creates a key; the answer is the only time the whole key is ever seen.</summary>
internal sealed record CreateApiKey : IRequest<string>
{
    [Required(ErrorMessage = "Name the key (for example the system that will use it).")]
    [StringLength(100, ErrorMessage = "The name can have at most 100 characters.")]
    public string Name { get; init; } = string.Empty;
}

internal sealed class CreateApiKeyHandler(CampaignsDbContext db, ITenantContext tenant, TimeProvider clock) : IRequestHandler<CreateApiKey, string>
{
    public const int MaxActiveKeys = 20;

    public async Task<string> Handle(CreateApiKey request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        if (await db.ApiKeys.CountAsync(k => k.CompanyId == companyId && k.RevokedAt == null, cancellationToken) >= MaxActiveKeys)
        {
            throw new RequestValidationException(nameof(request.Name), $"A company can have at most {MaxActiveKeys} active keys. Revoke one you no longer use first.");
        }

        var (key, prefix, hash) = ApiKeyFormat.Generate();
        db.ApiKeys.Add(new ApiKey
        {
            Id = Guid.CreateVersion7(),
            CompanyId = companyId,
            Name = request.Name.Trim(),
            Prefix = prefix,
            KeyHash = hash,
            CreatedAt = clock.GetUtcNow(),
        });
        await db.SaveChangesAsync(cancellationToken);
        return key;
    }
}

internal sealed record RevokeApiKey(Guid Id) : IRequest<Unit>;

internal sealed class RevokeApiKeyHandler(CampaignsDbContext db, ITenantContext tenant, ApiKeyAuthenticator authenticator, TimeProvider clock) : IRequestHandler<RevokeApiKey, Unit>
{
    public async Task<Unit> Handle(RevokeApiKey request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        var changed = await db.ApiKeys.Where(k => k.Id == request.Id && k.CompanyId == companyId && k.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedAt, clock.GetUtcNow()), cancellationToken);
        authenticator.Forget(request.Id);
        return changed == 0
            ? throw new RequestValidationException(string.Empty, "That key does not exist or is already revoked.")
            : Unit.Value;
    }
}

/// <summary>The company's receipt webhook, with its signing secret (null: none set).</summary>
internal sealed record WebhookView(string Url, string Secret, DateTimeOffset UpdatedAt);

internal sealed record GetWebhook : IRequest<WebhookView?>;

internal sealed class GetWebhookHandler(CampaignsDbContext db, ITenantContext tenant) : IRequestHandler<GetWebhook, WebhookView?>
{
    public async Task<WebhookView?> Handle(GetWebhook request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        return await db.Webhooks.AsNoTracking().Where(w => w.CompanyId == companyId)
            .Select(w => new WebhookView(w.Url, w.Secret, w.UpdatedAt)).SingleOrDefaultAsync(cancellationToken);
    }
}

/// <summary>Sets (empty: removes) the receipt webhook URL; a new secret is made the first time or when asked.</summary>
internal sealed record SetWebhook : IRequest<Unit>
{
    [StringLength(500, ErrorMessage = "The URL can have at most 500 characters.")]
    public string? Url { get; init; }

    public bool RotateSecret { get; init; }
}

internal sealed class SetWebhookValidator(IHostEnvironment environment, IOptions<SendApiOptions> options) : IRequestValidator<SetWebhook>
{
    public IEnumerable<ValidationError> Validate(SetWebhook request)
    {
        if (!string.IsNullOrWhiteSpace(request.Url) && WebhookUrls.Problem(request.Url.Trim(), environment, options.Value.AllowPrivateWebhookAddresses) is { } problem)
        {
            yield return new ValidationError(nameof(request.Url), problem);
        }
    }
}

internal static class WebhookUrls
{
    /// <summary>
    /// Why the URL cannot be used, or null. HTTPS only; plain http only to localhost in Development and Testing; no
    /// private or local address unless allowed (<see cref="WebhookAddresses"/>, which checks again at every connection).
    /// </summary>
    public static string? Problem(string url, IHostEnvironment environment, bool allowPrivateAddresses)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            return "Enter an absolute URL, for example https://example.com/sms/receipts.";
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            return "The URL may not contain a user name or password.";
        }

        if (uri.Scheme == Uri.UriSchemeHttp && !(uri.IsLoopback && (environment.IsDevelopment() || environment.IsEnvironment("Testing"))))
        {
            return "The webhook URL must use https:// (receipts carry your recipients' numbers).";
        }

        return allowPrivateAddresses ? null : WebhookAddresses.Problem(uri);
    }
}

internal sealed class SetWebhookHandler(CampaignsDbContext db, ITenantContext tenant, TimeProvider clock) : IRequestHandler<SetWebhook, Unit>
{
    public async Task<Unit> Handle(SetWebhook request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        var now = clock.GetUtcNow();
        var existing = await db.Webhooks.SingleOrDefaultAsync(w => w.CompanyId == companyId, cancellationToken);
        if (string.IsNullOrWhiteSpace(request.Url))
        {
            if (existing is not null)
            {
                db.Webhooks.Remove(existing);
            }
        }
        else if (existing is null)
        {
            db.Webhooks.Add(new Webhook { CompanyId = companyId, Url = request.Url.Trim(), Secret = NewSecret(), CreatedAt = now, UpdatedAt = now });
        }
        else
        {
            existing.Url = request.Url.Trim();
            existing.Secret = request.RotateSecret ? NewSecret() : existing.Secret;
            existing.UpdatedAt = now;
        }

        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }

    private static string NewSecret() => "whsec_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
}
