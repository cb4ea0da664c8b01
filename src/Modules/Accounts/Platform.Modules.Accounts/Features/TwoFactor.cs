using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using MediatR;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Platform.Modules.Accounts.Domain;
using Platform.Modules.Shared;

namespace Platform.Modules.Accounts.Features;

/// <summary>
/// Two-factor authentication with an authenticator app (TOTP, RFC 6238; ADR 22): Identity's authenticator provider
/// checks the codes, its token store (<c>accounts.user_tokens</c>) keeps the key and the recovery codes' hashes.
/// </summary>
internal static class TwoFactor
{
    /// <summary>How many recovery codes a user gets at once; each works once.</summary>
    public const int RecoveryCodeCount = 10;

    /// <summary>The issuer an authenticator app shows next to the account.</summary>
    public const string Issuer = "Platform";

    public const string SetupPath = "/Accounts/TwoFactor";

    /// <summary>Where the admin gate sends an admin whose session was not signed in with a second factor.</summary>
    public const string AdminRequiredPath = SetupPath + "?required=admin";

    /// <summary>
    /// The claim Identity puts on a session signed in with a second factor (its <c>DoTwoFactorSignInAsync</c>); the admin
    /// gate asks for it, so what counts is how this session was signed in, not only what the account has switched on.
    /// </summary>
    public static readonly Claim SessionClaim = new("amr", "mfa");

    public static bool SignedInWithTwoFactors(ClaimsPrincipal user) => user.HasClaim(SessionClaim.Type, SessionClaim.Value);

    /// <summary>The key as the page shows it: groups of 4, so it can be typed into an app without losing one's place.</summary>
    public static string Grouped(string key) =>
        string.Join(' ', Enumerable.Range(0, (key.Length + 3) / 4).Select(i => key.Substring(i * 4, Math.Min(4, key.Length - (i * 4)))));

    /// <summary>The <c>otpauth://</c> address the QR code carries (the format Google Authenticator defined and every app reads).</summary>
    public static string AuthenticatorUri(string email, string key) =>
        $"otpauth://totp/{Uri.EscapeDataString(Issuer)}:{Uri.EscapeDataString(email)}?secret={key}&issuer={Uri.EscapeDataString(Issuer)}&digits=6&period=30";

    /// <summary>A typed code without the spaces and dashes people copy along; null unless it is then 6 digits.</summary>
    public static string? AppCode(string? typed)
    {
        var code = Compact(typed);
        return code.Length == 6 && code.All(char.IsAsciiDigit) ? code : null;
    }

    /// <summary>A typed recovery code as issued (upper case, <c>XXXXX-XXXXX</c>), whatever spacing or case it was typed in.</summary>
    public static string RecoveryCode(string? typed)
    {
        var code = Compact(typed).ToUpperInvariant();
        return code.Length == 10 ? $"{code[..5]}-{code[5..]}" : code;
    }

    private static string Compact(string? typed) =>
        new((typed ?? string.Empty).Where(c => !char.IsWhiteSpace(c) && c != '-').ToArray());

    /// <summary>What a wrong code is told, with the lockout as configured: a wrong code counts like a wrong password.</summary>
    public static string WrongCode(LockoutOptions lockout) =>
        "That code is not right. Enter the code your authenticator app shows now. " + CountsLikePasswords(lockout);

    public static string WrongRecoveryCode(LockoutOptions lockout) =>
        "That recovery code is not right or was already used: each works once. " + CountsLikePasswords(lockout);

    private static string CountsLikePasswords(LockoutOptions lockout) =>
        $"Wrong codes count like wrong passwords: after {lockout.MaxFailedAccessAttempts} in a row the account stays locked for {lockout.DefaultLockoutTimeSpan.TotalMinutes:0} minutes.";

    /// <summary>
    /// Sets the user's authenticator key without renewing the security stamp, which Identity's <c>ResetAuthenticatorKeyAsync</c>
    /// does: a key that is not turned on opens nothing, and a new stamp would end every session of the user (this one too)
    /// at its next check, only for opening the setup page.
    /// </summary>
    public static async Task SetAuthenticatorKeyAsync(this UserManager<PlatformUser> users, IUserStore<PlatformUser> store, PlatformUser user, string key, CancellationToken cancellationToken)
    {
        await ((IUserAuthenticatorKeyStore<PlatformUser>)store).SetAuthenticatorKeyAsync(user, key, cancellationToken);
        EnsurePlatformAdminHandler.ThrowIfFailed(await users.UpdateAsync(user));
    }

    public const string AdminsMust = "Platform admins must sign in with a second factor. Turn on two-factor authentication to use the admin pages.";
}

/// <summary>The signed-in user's two-factor state; while it is off, the key to set an app up with (made on first look).</summary>
internal sealed record GetTwoFactor : IRequest<TwoFactorState>;

/// <param name="Setup">Only while two-factor is off: once on, the key is never shown again.</param>
internal sealed record TwoFactorState(bool Enabled, int RecoveryCodesLeft, AuthenticatorSetup? Setup);

/// <param name="Key">Base32, as the app wants it.</param>
internal sealed record AuthenticatorSetup(string Key, string Uri)
{
    public string GroupedKey => TwoFactor.Grouped(Key);
}

/// <summary>Turns two-factor on with a code from the app (proving it was set up right); answers the recovery codes, shown once.</summary>
internal sealed class EnableTwoFactor : IRequest<IReadOnlyList<string>>
{
    [Required(ErrorMessage = "Enter the 6-digit code your authenticator app shows.")]
    [StringLength(20, ErrorMessage = "Enter the 6-digit code your authenticator app shows.")]
    [Display(Name = "Code from the app")]
    public string Code { get; set; } = string.Empty;
}

/// <summary>New recovery codes (the old ones stop working); the password proves it is the user at the keyboard.</summary>
internal sealed class NewRecoveryCodes : IRequest<IReadOnlyList<string>>, ICurrentPassword
{
    [Required(ErrorMessage = "Enter your password.")]
    [DataType(DataType.Password)]
    [Display(Name = "Your password")]
    public string Password { get; set; } = string.Empty;
}

/// <summary>Turns two-factor off; the key and the recovery codes are dropped, so setting it up again starts with a new key.</summary>
internal sealed class DisableTwoFactor : IRequest<Unit>, ICurrentPassword
{
    [Required(ErrorMessage = "Enter your password.")]
    [DataType(DataType.Password)]
    [Display(Name = "Your password")]
    public string Password { get; set; } = string.Empty;
}

internal interface ICurrentPassword
{
    string Password { get; }
}

internal sealed class TwoFactorHandlers(
    UserManager<PlatformUser> users,
    IUserStore<PlatformUser> store,
    SignInManager<PlatformUser> signIn,
    IUserSessions sessions,
    ITenantContext tenant,
    IMediator mediator,
    PublicLinks links)
    : IRequestHandler<GetTwoFactor, TwoFactorState>,
      IRequestHandler<EnableTwoFactor, IReadOnlyList<string>>,
      IRequestHandler<NewRecoveryCodes, IReadOnlyList<string>>,
      IRequestHandler<DisableTwoFactor, Unit>
{
    public async Task<TwoFactorState> Handle(GetTwoFactor request, CancellationToken cancellationToken)
    {
        var user = await CurrentUserAsync();
        if (await users.GetTwoFactorEnabledAsync(user))
        {
            return new TwoFactorState(true, await users.CountRecoveryCodesAsync(user), null);
        }

        var key = await users.GetAuthenticatorKeyAsync(user);
        if (string.IsNullOrEmpty(key))
        {
            key = users.GenerateNewAuthenticatorKey();
            await users.SetAuthenticatorKeyAsync(store, user, key, cancellationToken);
        }

        return new TwoFactorState(false, 0, new AuthenticatorSetup(key, TwoFactor.AuthenticatorUri(user.Email!, key)));
    }

    public async Task<IReadOnlyList<string>> Handle(EnableTwoFactor request, CancellationToken cancellationToken)
    {
        var user = await CurrentUserAsync();
        if (await users.GetTwoFactorEnabledAsync(user))
        {
            throw new RequestValidationException(string.Empty, "Two-factor authentication is already on.");
        }

        if (TwoFactor.AppCode(request.Code) is not { } code
            || !await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, code))
        {
            throw new RequestValidationException(nameof(request.Code),
                "That code is not right. Check that the app shows Platform with your email address, and enter the code it shows now (it changes every 30 seconds).");
        }

        EnsurePlatformAdminHandler.ThrowIfFailed(await users.SetTwoFactorEnabledAsync(user, true));
        var codes = (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, TwoFactor.RecoveryCodeCount))?.ToList()
            ?? throw new InvalidOperationException("Identity made no recovery codes.");

        // This browser has just shown both factors: its session counts as signed in with two (the admin gate asks for
        // that). Anyone else signed in did not, so their sessions end, as after a password change.
        await SignInAgainAsync(user, withTwoFactors: true);
        await sessions.EndAllAsync(user.Id, keepCurrent: true, cancellationToken);
        await TellAsync(user, on: true, cancellationToken);
        return codes;
    }

    public async Task<IReadOnlyList<string>> Handle(NewRecoveryCodes request, CancellationToken cancellationToken)
    {
        var user = await CurrentUserWithPasswordAsync(request);
        if (!await users.GetTwoFactorEnabledAsync(user))
        {
            throw new RequestValidationException(string.Empty, "Two-factor authentication is off: there are no recovery codes to replace.");
        }

        return (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, TwoFactor.RecoveryCodeCount))?.ToList()
            ?? throw new InvalidOperationException("Identity made no recovery codes.");
    }

    public async Task<Unit> Handle(DisableTwoFactor request, CancellationToken cancellationToken)
    {
        var user = await CurrentUserWithPasswordAsync(request);
        if (!await users.GetTwoFactorEnabledAsync(user))
        {
            throw new RequestValidationException(string.Empty, "Two-factor authentication is already off.");
        }

        EnsurePlatformAdminHandler.ThrowIfFailed(await users.SetTwoFactorEnabledAsync(user, false));
        // No key (the next setup gets a new one: the old one may be on a lost phone) and no recovery codes left to redeem.
        foreach (var token in new[] { AccountsUserStore.AuthenticatorKeyToken, AccountsUserStore.RecoveryCodesToken })
        {
            EnsurePlatformAdminHandler.ThrowIfFailed(await users.RemoveAuthenticationTokenAsync(user, AccountsUserStore.InternalProvider, token));
        }

        // This session no longer counts as signed in with two factors (an admin is sent to set it up again); the
        // others end: whoever turned it off may not be the person who turned it on.
        await SignInAgainAsync(user, withTwoFactors: false);
        await sessions.EndAllAsync(user.Id, keepCurrent: true, cancellationToken);
        await TellAsync(user, on: false, cancellationToken);
        return Unit.Value;
    }

    private async Task<PlatformUser> CurrentUserAsync() =>
        await users.FindByIdAsync((tenant.UserId ?? throw new UnauthorizedAccessException("Sign in first.")).ToString())
        ?? throw new UnauthorizedAccessException("Sign in first.");

    private async Task<PlatformUser> CurrentUserWithPasswordAsync(ICurrentPassword request)
    {
        var user = await CurrentUserAsync();
        if (!await users.CheckPasswordAsync(user, request.Password))
        {
            throw new RequestValidationException(nameof(request.Password), "That is not your password.");
        }

        return user;
    }

    /// <summary>A new ticket for this browser (the security stamp changed), keeping its session's properties, with or without the second-factor claim.</summary>
    private async Task SignInAgainAsync(PlatformUser user, bool withTwoFactors)
    {
        var current = await signIn.Context.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        await signIn.SignInWithClaimsAsync(user, current.Properties, withTwoFactors ? [TwoFactor.SessionClaim] : []);
    }

    /// <summary>The account's address is told at once, so a stolen session cannot quietly turn the second factor off (or on, to lock the owner out).</summary>
    private Task TellAsync(PlatformUser user, bool on, CancellationToken cancellationToken)
    {
        var state = on ? "on" : "off";
        return mediator.Send(new SendEmail(
            user.Email!,
            $"{user.FirstName} {user.Surname}",
            $"Two-factor authentication is {state} for your Platform account",
            new EmailBody(
                $"Two-factor authentication is {state}",
                [
                    $"Hello {user.FirstName},",
                    on
                        ? "Signing in to your Platform account now asks for a code from your authenticator app after the password. Keep your recovery codes somewhere safe: each one signs you in once if the app is lost."
                        : "Signing in to your Platform account no longer asks for a code from your authenticator app: the password alone opens it.",
                    "You were signed out on every other browser and device.",
                    "If it was not you, reset your password at once and tell us: someone may have your password.",
                ],
                new EmailAction("Two-factor authentication", links.To(TwoFactor.SetupPath))),
            $"accounts.two-factor-{state}",
            $"accounts.two-factor-{state}:{user.Id}:{user.SecurityStamp}"), cancellationToken);
    }
}

/// <summary>
/// Identity's EF user store, except that recovery codes are kept as hashes: Identity stores them as typed, and a copy of
/// <c>accounts.user_tokens</c> would otherwise sign anyone in past the second factor. A code is hashed with its user's id
/// (SHA-256), so equal codes of two users differ; the codes are random (about 47 bits each), so a plain hash is enough.
/// </summary>
internal sealed class AccountsUserStore(AccountsDbContext db, IdentityErrorDescriber? describer = null)
    : UserStore<PlatformUser, IdentityRole<Guid>, AccountsDbContext, Guid>(db, describer)
{
    /// <summary>The login provider and token name Identity's store keeps its own tokens under.</summary>
    public const string InternalProvider = "[AspNetUserStore]";

    public const string RecoveryCodesToken = "RecoveryCodes";

    public const string AuthenticatorKeyToken = "AuthenticatorKey";

    public override Task ReplaceCodesAsync(PlatformUser user, IEnumerable<string> recoveryCodes, CancellationToken cancellationToken) =>
        SetTokenAsync(user, InternalProvider, RecoveryCodesToken, string.Join(';', recoveryCodes.Select(c => Hash(user, c))), cancellationToken);

    public override async Task<bool> RedeemCodeAsync(PlatformUser user, string code, CancellationToken cancellationToken)
    {
        var stored = (await GetTokenAsync(user, InternalProvider, RecoveryCodesToken, cancellationToken) ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries);
        var hash = Hash(user, code);
        if (!stored.Any(s => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(s), Encoding.ASCII.GetBytes(hash))))
        {
            return false;
        }

        // Written as hashes already: what is left, without the code just used.
        await SetTokenAsync(user, InternalProvider, RecoveryCodesToken, string.Join(';', stored.Where(s => s != hash)), cancellationToken);
        return true;
    }

    private static string Hash(PlatformUser user, string code) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{user.Id:N}:{TwoFactor.RecoveryCode(code)}")));
}

/// <summary>
/// The setup key as a QR code (PNG, made by QRCoder on the server): an image, so the page needs no script or inline
/// style under its Content-Security-Policy. Only while two-factor is off, never cached: it carries the secret.
/// </summary>
internal static class TwoFactorQrCode
{
    public static async Task<IResult> GetAsync(IMediator mediator, HttpContext context, CancellationToken cancellationToken)
    {
        if ((await mediator.Send(new GetTwoFactor(), cancellationToken)).Setup is not { } setup)
        {
            return Results.NotFound();
        }

        using var generator = new QRCoder.QRCodeGenerator();
        using var data = generator.CreateQrCode(setup.Uri, QRCoder.QRCodeGenerator.ECCLevel.Q);
        context.Response.Headers.CacheControl = "no-store";
        return Results.File(new QRCoder.PngByteQRCode(data).GetGraphic(6), "image/png");
    }
}
