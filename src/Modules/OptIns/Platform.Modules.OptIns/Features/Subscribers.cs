using System.ComponentModel.DataAnnotations;
using MediatR;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Modules.OptIns.Contracts;
using Platform.Modules.OptIns.Domain;
using Platform.Modules.Shared;
using Platform.Modules.Shared.Passwords;

namespace Platform.Modules.OptIns.Features;

/// <summary>The choices the registration form offers for the optional fields (from the privacy policy).</summary>
internal static class SubscriberChoices
{
    /// <summary>From the minimum age up (AgeRule, ADR 30); Migrations/0007_age_bands.sql cleared the bands below it.</summary>
    public static readonly IReadOnlyList<string> AgeBands = ["18-20", "21-25", "26-30", "31-40", "41-50", "Over 50"];

    public static readonly IReadOnlyList<string> Genders = ["Female", "Male", "Another gender", "Prefer not to say"];
}

/// <summary>Fields the registration and the profile share.</summary>
internal abstract class SubscriberProfileFields
{
    [Required(ErrorMessage = "Enter your first name.")]
    [StringLength(100, ErrorMessage = "The first name can have at most 100 characters.")]
    [Display(Name = "First name")]
    public string FirstName { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter your surname.")]
    [StringLength(100, ErrorMessage = "The surname can have at most 100 characters.")]
    public string Surname { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter your email address.")]
    [EmailAddress(ErrorMessage = "Enter a valid email address, like name@example.com.")]
    [StringLength(256, ErrorMessage = "The email address can have at most 256 characters.")]
    public string Email { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter your postal code.")]
    [StringLength(20, ErrorMessage = "The postal code can have at most 20 characters.")]
    [Display(Name = "Postal code")]
    public string PostalCode { get; set; } = string.Empty;

    [Display(Name = "IMEI (optional)")]
    [StringLength(20, ErrorMessage = "An IMEI has 15 digits.")]
    public string? Imei { get; set; }

    [Display(Name = "Age band (optional)")]
    public string? AgeBand { get; set; }

    [Display(Name = "Country of residence (optional)")]
    [StringLength(60, ErrorMessage = "The country can have at most 60 characters.")]
    public string? Country { get; set; }

    [Display(Name = "Gender (optional)")]
    public string? Gender { get; set; }

    public static IEnumerable<ValidationError> ValidateOptional(SubscriberProfileFields fields)
    {
        if (!string.IsNullOrWhiteSpace(fields.Imei) && !Imeis.IsValid(Imeis.Compact(fields.Imei)))
        {
            yield return new ValidationError(nameof(Imei), "That is not a valid IMEI: it has 15 digits and its last digit must check out (dial *#06# to see yours), or leave it empty.");
        }

        if (!string.IsNullOrEmpty(fields.AgeBand) && !SubscriberChoices.AgeBands.Contains(fields.AgeBand))
        {
            yield return new ValidationError(nameof(AgeBand), "Choose an age band from the list, or leave it empty.");
        }

        if (!string.IsNullOrEmpty(fields.Gender) && !SubscriberChoices.Genders.Contains(fields.Gender))
        {
            yield return new ValidationError(nameof(Gender), "Choose from the list, or leave it empty.");
        }
    }

    public void CopyTo(SubscriberAccount account)
    {
        account.FirstName = FirstName.Trim();
        account.Surname = Surname.Trim();
        account.Email = Email.Trim();
        account.PostalCode = PostalCode.Trim();
        account.Imei = string.IsNullOrWhiteSpace(Imei) ? null : Imeis.Compact(Imei);
        account.AgeBand = string.IsNullOrEmpty(AgeBand) ? null : AgeBand;
        account.Country = string.IsNullOrWhiteSpace(Country) ? null : Country.Trim();
        account.Gender = string.IsNullOrEmpty(Gender) ? null : Gender;
    }
}

/// <summary>
/// A person who opted in by SMS creates their web account: the user code texted to them and the same mobile number
/// prove it is their handset. Their date of birth is only checked against the minimum age, never stored.
/// </summary>
internal sealed class RegisterSubscriber : SubscriberProfileFields, IRequest<Guid>
{
    [Required(ErrorMessage = "Enter the 6-character user code we texted you.")]
    [Display(Name = "User code")]
    public string UserCode { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter the mobile number you texted from.")]
    [Display(Name = "Mobile number")]
    public string MobileNumber { get; set; } = string.Empty;

    /// <summary>
    /// The country of the browser's language, set by the page (never bound from the form): a number typed without its
    /// country code is read as one of it. A subscriber has no company country; a wrong guess only fails to match.
    /// </summary>
    [BindNever]
    public string? BrowserCountry { get; set; }

    public ParsedPhoneNumber ParsedMobileNumber() => PhoneNumbers.Parse(MobileNumber, BrowserCountry);

    [Required(ErrorMessage = "Enter your date of birth.")]
    [DataType(DataType.Date)]
    [Display(Name = "Date of birth")]
    public DateOnly? DateOfBirth { get; set; }

    [Required(ErrorMessage = "Choose a password.")]
    [DataType(DataType.Password)]
    public string Password { get; set; } = string.Empty;

    [Required(ErrorMessage = "Type the password again to confirm it.")]
    [DataType(DataType.Password)]
    [Display(Name = "Confirm password")]
    public string ConfirmPassword { get; set; } = string.Empty;
}

internal sealed class RegisterSubscriberValidator(TimeProvider clock) : IRequestValidator<RegisterSubscriber>
{
    public IEnumerable<ValidationError> Validate(RegisterSubscriber request)
    {
        if (request.DateOfBirth is { } born)
        {
            var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
            var age = today.Year - born.Year - (today < born.AddYears(today.Year - born.Year) ? 1 : 0);
            if (born > today || age > 120)
            {
                yield return new ValidationError(nameof(request.DateOfBirth), "Enter your real date of birth.");
            }
            else if (age < AgeRule.Minimum)
            {
                // Refused before anything is stored: nothing the person typed is kept.
                yield return new ValidationError(nameof(request.DateOfBirth),
                    $"Sorry, you must be at least {AgeRule.Minimum} to create an account. Nothing you entered has been kept. You can still reply STOP to any message.");
                yield break;
            }
        }

        if (!string.IsNullOrWhiteSpace(request.UserCode) && UserCodes.Normalize(request.UserCode) is null)
        {
            yield return new ValidationError(nameof(request.UserCode), "A user code has 6 letters and digits, as in the text we sent you.");
        }

        if (!string.IsNullOrWhiteSpace(request.MobileNumber) && request.ParsedMobileNumber().Error is { } mobileError)
        {
            yield return new ValidationError(nameof(request.MobileNumber), mobileError);
        }

        foreach (var error in SubscriberPasswords.Problems(request.Password, request.ConfirmPassword, request.Email, request.FirstName, request.Surname))
        {
            yield return error;
        }

        foreach (var error in SubscriberProfileFields.ValidateOptional(request))
        {
            yield return error;
        }
    }
}

/// <summary>The subscribers' password rules, in one place: checked here, described on the form by <see cref="Hint"/>.</summary>
internal static class SubscriberPasswords
{
    public const int MinimumLength = 10;

    private static readonly string Rule = $"at least {MinimumLength} characters, with an upper-case letter, a lower-case letter and a digit; not a common password, not your email or name";

    /// <summary>What the form says under the password field.</summary>
    public static readonly string Hint = string.Concat(Rule[..1].ToUpperInvariant(), Rule.AsSpan(1), ".");

    public static readonly PasswordHasher<SubscriberAccount> Hasher = new();

    /// <summary>
    /// The password's problems. <paramref name="email"/> and <paramref name="names"/> are the person's own (Shared
    /// <see cref="GuessablePasswords"/>); a reset passes null here and checks them in its handler, which knows the account.
    /// </summary>
    public static IEnumerable<ValidationError> Problems(string password, string confirmation, string? email = null, params string?[] names)
    {
        if (string.IsNullOrEmpty(password))
        {
            yield break;
        }

        if (password.Length < MinimumLength || !password.Any(char.IsUpper) || !password.Any(char.IsLower) || !password.Any(char.IsDigit))
        {
            yield return new ValidationError("Password", $"Use {Rule}.");
        }
        else if (GuessablePasswords.Problem(password, email, names) is { } guessable)
        {
            yield return new ValidationError("Password", guessable);
        }

        if (password != confirmation)
        {
            yield return new ValidationError("ConfirmPassword", "The password and its confirmation do not match.");
        }
    }
}

internal sealed class RegisterSubscriberHandler(OptInsDbContext db, TimeProvider clock) : IRequestHandler<RegisterSubscriber, Guid>
{
    public async Task<Guid> Handle(RegisterSubscriber request, CancellationToken cancellationToken)
    {
        var phone = request.ParsedMobileNumber().E164;
        var code = UserCodes.Normalize(request.UserCode);
        var subscriber = await db.Subscribers.AsNoTracking().SingleOrDefaultAsync(s => s.Phone == phone && s.UserCode == code, cancellationToken);
        if (subscriber is null)
        {
            // One message for an unknown number and a wrong code: the form must not reveal which numbers are known.
            throw new RequestValidationException(nameof(request.UserCode),
                "This user code and mobile number do not match. Use the code we texted to that number when you first opted in.");
        }

        if (await db.SubscriberAccounts.AnyAsync(a => a.SubscriberId == subscriber.Id, cancellationToken))
        {
            throw new RequestValidationException(string.Empty, "This number already has an account. Log in instead.");
        }

        var email = request.Email.Trim();
        if (await db.SubscriberAccounts.AnyAsync(a => a.Email.ToLower() == email.ToLower(), cancellationToken))
        {
            throw new RequestValidationException(nameof(request.Email), "An account with this email address already exists. Log in instead, or use another address.");
        }

        var now = clock.GetUtcNow();
        var account = new SubscriberAccount
        {
            SubscriberId = subscriber.Id,
            Email = email,
            FirstName = string.Empty,
            Surname = string.Empty,
            PostalCode = string.Empty,
            PasswordHash = string.Empty,
            CreatedAt = now,
            UpdatedAt = now,
        };
        request.CopyTo(account);
        account.PasswordHash = SubscriberPasswords.Hasher.HashPassword(account, request.Password);
        db.SubscriberAccounts.Add(account);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException exception) when (exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            throw new RequestValidationException(string.Empty, "This number or email address already has an account. Log in instead.");
        }

        return subscriber.Id;
    }
}

internal enum SubscriberLoginStatus
{
    Succeeded,
    Failed,
    LockedOut,
}

internal sealed record SubscriberLoginResult(SubscriberLoginStatus Status, Guid? SubscriberId, string? FirstName);

/// <summary>Checks a subscriber's email and password; 5 failures lock the account for 15 minutes.</summary>
internal sealed class LoginSubscriber : IRequest<SubscriberLoginResult>
{
    [Required(ErrorMessage = "Enter your email address.")]
    [EmailAddress(ErrorMessage = "Enter a valid email address, like name@example.com.")]
    public string Email { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter your password.")]
    [DataType(DataType.Password)]
    public string Password { get; set; } = string.Empty;
}

internal sealed class LoginSubscriberHandler(OptInsDbContext db, IOptions<OptInsOptions> options, TimeProvider clock) : IRequestHandler<LoginSubscriber, SubscriberLoginResult>
{
    public async Task<SubscriberLoginResult> Handle(LoginSubscriber request, CancellationToken cancellationToken)
    {
        var email = request.Email.Trim().ToLower();
        var account = await db.SubscriberAccounts.SingleOrDefaultAsync(a => a.Email.ToLower() == email, cancellationToken);
        var now = clock.GetUtcNow();
        if (account is null)
        {
            // Same work as a wrong password, so timing does not tell who has an account.
            SubscriberPasswords.Hasher.VerifyHashedPassword(new SubscriberAccount { Email = string.Empty, FirstName = string.Empty, Surname = string.Empty, PostalCode = string.Empty, PasswordHash = string.Empty }, DummyHash, request.Password);
            return new SubscriberLoginResult(SubscriberLoginStatus.Failed, null, null);
        }

        if (account.LockedUntil > now)
        {
            return new SubscriberLoginResult(SubscriberLoginStatus.LockedOut, null, null);
        }

        var verified = SubscriberPasswords.Hasher.VerifyHashedPassword(account, account.PasswordHash, request.Password);
        if (verified == PasswordVerificationResult.Failed)
        {
            account.FailedLogins++;
            if (account.FailedLogins >= options.Value.MaxFailedLogins)
            {
                account.LockedUntil = now + options.Value.LockoutDuration;
                account.FailedLogins = 0;
            }

            await db.SaveChangesAsync(cancellationToken);
            return new SubscriberLoginResult(account.LockedUntil > now ? SubscriberLoginStatus.LockedOut : SubscriberLoginStatus.Failed, null, null);
        }

        if (verified == PasswordVerificationResult.SuccessRehashNeeded)
        {
            account.PasswordHash = SubscriberPasswords.Hasher.HashPassword(account, request.Password);
        }

        account.FailedLogins = 0;
        account.LockedUntil = null;
        await db.SaveChangesAsync(cancellationToken);
        return new SubscriberLoginResult(SubscriberLoginStatus.Succeeded, account.SubscriberId, account.FirstName);
    }

    private static readonly string DummyHash = SubscriberPasswords.Hasher.HashPassword(
        new SubscriberAccount { Email = string.Empty, FirstName = string.Empty, Surname = string.Empty, PostalCode = string.Empty, PasswordHash = string.Empty },
        Guid.NewGuid().ToString());
}

internal sealed record KeywordUse(string Keyword, int Times, DateTimeOffset FirstAt, DateTimeOffset LastAt);

internal sealed record CompanyOptIn(
    Guid CompanyId,
    string CompanyName,
    bool OptedIn,
    DateTimeOffset ChangedAt,
    IReadOnlyList<KeywordUse> Keywords,
    IReadOnlyList<int> ByHourOfDay,
    IReadOnlyList<int> ByDayOfWeek,
    IReadOnlyList<ConsentLine> Consents);

internal sealed record ConsentLine(bool OptedIn, string Via, DateTimeOffset At);

internal sealed record SubscriberOverview(string UserCode, string Phone, string FirstName, IReadOnlyList<CompanyOptIn> Companies);

/// <summary>What a signed-in subscriber sees: every company, in or out, the codes used, how often and when (UTC).</summary>
internal sealed record GetSubscriberOverview(Guid SubscriberId) : IRequest<SubscriberOverview?>;

internal sealed class GetSubscriberOverviewHandler(OptInsDbContext db, CompanyNames companies) : IRequestHandler<GetSubscriberOverview, SubscriberOverview?>
{
    public async Task<SubscriberOverview?> Handle(GetSubscriberOverview request, CancellationToken cancellationToken)
    {
        var id = request.SubscriberId;
        var subscriber = await db.Subscribers.AsNoTracking().SingleOrDefaultAsync(s => s.Id == id, cancellationToken);
        var account = await db.SubscriberAccounts.AsNoTracking().SingleOrDefaultAsync(a => a.SubscriberId == id, cancellationToken);
        if (subscriber is null || account is null)
        {
            return null;
        }

        var subscriptions = await db.Subscriptions.AsNoTracking().Where(s => s.SubscriberId == id).ToListAsync(cancellationToken);
        var totals = await (
                from t in db.RequestTotals.AsNoTracking()
                join k in db.Keywords.AsNoTracking() on t.KeywordId equals k.Id
                where t.SubscriberId == id
                select new { t.CompanyId, k.Word, t.Times, t.FirstAt, t.LastAt })
            .ToListAsync(cancellationToken);
        var times = await db.Requests.AsNoTracking().Where(r => r.SubscriberId == id).Select(r => new { r.CompanyId, r.ReceivedAt }).ToListAsync(cancellationToken);
        var consents = await db.ConsentRecords.AsNoTracking().Where(c => c.SubscriberId == id).OrderBy(c => c.Id)
            .Select(c => new { c.CompanyId, c.OptedIn, c.Via, c.RecordedAt }).ToListAsync(cancellationToken);

        var result = new List<CompanyOptIn>();
        foreach (var s in subscriptions)
        {
            var hours = new int[24];
            var days = new int[7];
            foreach (var t in times.Where(t => t.CompanyId == s.CompanyId))
            {
                hours[t.ReceivedAt.UtcDateTime.Hour]++;
                days[(int)t.ReceivedAt.UtcDateTime.DayOfWeek]++;
            }

            result.Add(new CompanyOptIn(
                s.CompanyId,
                await companies.GetAsync(s.CompanyId, cancellationToken),
                s.OptedIn,
                s.ChangedAt,
                totals.Where(t => t.CompanyId == s.CompanyId).OrderBy(t => t.Word).Select(t => new KeywordUse(t.Word, t.Times, t.FirstAt, t.LastAt)).ToList(),
                hours,
                days,
                consents.Where(c => c.CompanyId == s.CompanyId).Select(c => new ConsentLine(c.OptedIn, c.Via, c.RecordedAt)).ToList()));
        }

        return new SubscriberOverview(subscriber.UserCode, subscriber.Phone, account.FirstName,
            result.OrderBy(c => c.CompanyName, StringComparer.OrdinalIgnoreCase).ToList());
    }
}

/// <summary>Opting out of (or back in to) one company on the web: the same effect as STOP / START, recorded as "web".</summary>
internal sealed record ChangeConsentOnWeb(Guid SubscriberId, Guid CompanyId, bool OptIn) : IRequest<bool>;

internal sealed class ChangeConsentOnWebHandler(OptInsStore store, TimeProvider clock) : IRequestHandler<ChangeConsentOnWeb, bool>
{
    public async Task<bool> Handle(ChangeConsentOnWeb request, CancellationToken cancellationToken)
    {
        var changed = await store.ChangeConsentAsync(request.SubscriberId, [request.CompanyId], request.OptIn, ConsentChannels.Web,
            request.OptIn ? "Opted back in on the web" : "Opted out on the web", clock.GetUtcNow(), cancellationToken);
        if (changed.Count == 0)
        {
            return false;
        }

        // SubscriberOptedIn / SubscriberOptedOut were written to the outbox with the consent record (0005_outbox.sql).
        return true;
    }
}

/// <summary>The subscriber's own profile (the mobile number is who they are, so it is shown but not edited).</summary>
internal sealed class UpdateSubscriberProfile : SubscriberProfileFields, IRequest<bool>
{
    public Guid SubscriberId { get; set; }
}

internal sealed class UpdateSubscriberProfileValidator : IRequestValidator<UpdateSubscriberProfile>
{
    public IEnumerable<ValidationError> Validate(UpdateSubscriberProfile request) => SubscriberProfileFields.ValidateOptional(request);
}

internal sealed record GetSubscriberProfile(Guid SubscriberId) : IRequest<UpdateSubscriberProfile?>;

internal sealed class GetSubscriberProfileHandler(OptInsDbContext db) : IRequestHandler<GetSubscriberProfile, UpdateSubscriberProfile?>
{
    public async Task<UpdateSubscriberProfile?> Handle(GetSubscriberProfile request, CancellationToken cancellationToken) =>
        await db.SubscriberAccounts.AsNoTracking()
            .Where(a => a.SubscriberId == request.SubscriberId)
            .Select(a => new UpdateSubscriberProfile
            {
                SubscriberId = a.SubscriberId,
                FirstName = a.FirstName,
                Surname = a.Surname,
                Email = a.Email,
                PostalCode = a.PostalCode,
                Imei = a.Imei,
                AgeBand = a.AgeBand,
                Country = a.Country,
                Gender = a.Gender,
            })
            .SingleOrDefaultAsync(cancellationToken);
}

internal sealed class UpdateSubscriberProfileHandler(OptInsDbContext db, TimeProvider clock) : IRequestHandler<UpdateSubscriberProfile, bool>
{
    public async Task<bool> Handle(UpdateSubscriberProfile request, CancellationToken cancellationToken)
    {
        var account = await db.SubscriberAccounts.SingleOrDefaultAsync(a => a.SubscriberId == request.SubscriberId, cancellationToken);
        if (account is null)
        {
            return false;
        }

        var email = request.Email.Trim();
        if (await db.SubscriberAccounts.AnyAsync(a => a.SubscriberId != request.SubscriberId && a.Email.ToLower() == email.ToLower(), cancellationToken))
        {
            throw new RequestValidationException(nameof(request.Email), "Another account uses this email address.");
        }

        request.CopyTo(account);
        account.UpdatedAt = clock.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }
}
