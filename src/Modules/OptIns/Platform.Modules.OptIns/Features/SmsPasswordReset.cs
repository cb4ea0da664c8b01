using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using MediatR;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.OptIns.Domain;
using Platform.Modules.Shared;
using Platform.Modules.Shared.Passwords;

namespace Platform.Modules.OptIns.Features;

/// <summary>
/// The rules of a password reset by text (issue #17, for subscribers who lost their mailbox): a 6-digit code sent to the
/// number, valid <see cref="Lifetime"/>, dead after <see cref="MaxAttempts"/> wrong tries, at most one text per
/// <see cref="Resend"/> per subscriber (nobody can bomb a number with texts through the form).
/// </summary>
internal static class SmsResetCodes
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(15);

    public static readonly TimeSpan Resend = TimeSpan.FromMinutes(1);

    public const int MaxAttempts = 5;

    public const string Wrong = "That code is not right, has expired or was tried too often. Ask for a new one.";

    public static string Hash(Guid subscriberId, string code) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{subscriberId:N}:{code}")));
}

/// <summary>Who asks for a code: their user code and the number it was texted to (the same pair that registers an account).</summary>
internal class SmsResetIdentity
{
    [Required(ErrorMessage = "Enter the 6-character user code we texted you.")]
    [Display(Name = "User code")]
    public string UserCode { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter your mobile number.")]
    [Display(Name = "Mobile number")]
    public string MobileNumber { get; set; } = string.Empty;

    /// <summary>The country of the browser's language, set by the page (never bound): a national number is read as one of it.</summary>
    [BindNever]
    public string? BrowserCountry { get; set; }

    /// <summary>The subscriber with an account that this code and number name, or null (one answer for every mismatch).</summary>
    public async Task<Subscriber?> FindAsync(OptInsDbContext db, CancellationToken cancellationToken)
    {
        var phone = PhoneNumbers.Parse(MobileNumber, BrowserCountry).E164;
        var code = UserCodes.Normalize(UserCode);
        if (phone is null || code is null)
        {
            return null;
        }

        return await db.Subscribers.AsNoTracking()
            .Where(s => s.Phone == phone && s.UserCode == code && db.SubscriberAccounts.Any(a => a.SubscriberId == s.Id))
            .SingleOrDefaultAsync(cancellationToken);
    }
}

/// <summary>Texts a reset code to the number if it and the user code belong to an account; answers nothing either way.</summary>
internal sealed class RequestSmsResetCode : SmsResetIdentity, IRequest<Unit>;

internal sealed class RequestSmsResetCodeHandler(OptInsDbContext db, IMediator mediator, PlatformNumberList numbers, TimeProvider clock)
    : IRequestHandler<RequestSmsResetCode, Unit>
{
    public async Task<Unit> Handle(RequestSmsResetCode request, CancellationToken cancellationToken)
    {
        if (await request.FindAsync(db, cancellationToken) is not { } subscriber)
        {
            return Unit.Value;
        }

        var now = clock.GetUtcNow();
        var code = RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
        var existing = await db.SmsResetCodes.SingleOrDefaultAsync(c => c.SubscriberId == subscriber.Id, cancellationToken);
        if (existing is not null && now - existing.SentAt < SmsResetCodes.Resend)
        {
            return Unit.Value; // the last text is under a minute old: it is the one to use
        }

        if (existing is null)
        {
            existing = new SmsResetCode { SubscriberId = subscriber.Id, CodeHash = string.Empty };
            db.SmsResetCodes.Add(existing);
        }

        existing.CodeHash = SmsResetCodes.Hash(subscriber.Id, code);
        existing.SentAt = now;
        existing.ExpiresAt = now + SmsResetCodes.Lifetime;
        existing.Attempts = 0;
        await db.SaveChangesAsync(cancellationToken);

        // Stored first: a text whose outcome is lost still has a code that works; a failed text leaves one nobody knows.
        await mediator.Send(new SendSms(numbers.All[0], subscriber.Phone,
            $"Your code to reset the password of your opt-ins account is {code}. It works for {SmsResetCodes.Lifetime.TotalMinutes:0} minutes. If you did not ask for it, ignore this text."),
            cancellationToken);
        return Unit.Value;
    }
}

/// <summary>Sets a new password with the texted code; the code then stops working, the account is unlocked and every session ends.</summary>
internal sealed class ResetPasswordBySms : SmsResetIdentity, IRequest<Unit>
{
    [Required(ErrorMessage = "Enter the 6-digit code we texted you.")]
    [Display(Name = "Code from the text")]
    public string Code { get; set; } = string.Empty;

    [Required(ErrorMessage = "Choose a password.")]
    [DataType(DataType.Password)]
    [Display(Name = "New password")]
    public string Password { get; set; } = string.Empty;

    [Required(ErrorMessage = "Type the password again to confirm it.")]
    [DataType(DataType.Password)]
    [Display(Name = "Confirm password")]
    public string ConfirmPassword { get; set; } = string.Empty;
}

internal sealed class ResetPasswordBySmsValidator : IRequestValidator<ResetPasswordBySms>
{
    public IEnumerable<ValidationError> Validate(ResetPasswordBySms request) => SubscriberPasswords.Problems(request.Password, request.ConfirmPassword);
}

internal sealed class ResetPasswordBySmsHandler(OptInsDbContext db, IUserSessions sessions, IMediator mediator, PublicLinks links, TimeProvider clock)
    : IRequestHandler<ResetPasswordBySms, Unit>
{
    public async Task<Unit> Handle(ResetPasswordBySms request, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var subscriber = await request.FindAsync(db, cancellationToken);
        var live = subscriber is null ? null : await db.SmsResetCodes.SingleOrDefaultAsync(c => c.SubscriberId == subscriber.Id, cancellationToken);
        if (subscriber is null || live is null || live.ExpiresAt <= now || live.Attempts >= SmsResetCodes.MaxAttempts)
        {
            throw new RequestValidationException(nameof(request.Code), SmsResetCodes.Wrong);
        }

        var typed = new string(request.Code.Where(char.IsAsciiDigit).ToArray());
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(SmsResetCodes.Hash(subscriber.Id, typed)), Encoding.ASCII.GetBytes(live.CodeHash)))
        {
            live.Attempts++;
            await db.SaveChangesAsync(cancellationToken);
            throw new RequestValidationException(nameof(request.Code), SmsResetCodes.Wrong);
        }

        var account = await db.SubscriberAccounts.SingleAsync(a => a.SubscriberId == subscriber.Id, cancellationToken);
        if (GuessablePasswords.Problem(request.Password, account.Email, account.FirstName, account.Surname) is { } guessable)
        {
            throw new RequestValidationException(nameof(request.Password), guessable);
        }

        account.PasswordHash = SubscriberPasswords.Hasher.HashPassword(account, request.Password);
        account.FailedLogins = 0;
        account.LockedUntil = null;
        account.UpdatedAt = now;
        db.SmsResetCodes.Remove(live);
        await db.SaveChangesAsync(cancellationToken);
        await sessions.EndAllAsync(OptInsModule.SubscriberScheme, account.SubscriberId.ToString(), keepCurrent: false, cancellationToken);
        await SubscriberPasswordChanged.TellAsync(mediator, links, account, "with a code texted to your number", cancellationToken);
        return Unit.Value;
    }
}
