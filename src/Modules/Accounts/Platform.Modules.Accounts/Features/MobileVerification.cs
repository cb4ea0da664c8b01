using MediatR;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Configuration;
using Platform.Modules.Accounts.Contracts;
using Platform.Modules.Accounts.Domain;
using Platform.Modules.Shared;

namespace Platform.Modules.Accounts.Features;

/// <summary>
/// A business user proves their mobile number is theirs: a 6-digit code by SMS from the platform's first number (Identity's
/// phone-number token: valid a few minutes, bound to the number and the account), typed back. At most one code a minute per
/// user (this node's memory: a second node could send a second one, which is harmless).
/// </summary>
internal sealed class MobileVerification(UserManager<PlatformUser> users, IMediator mediator, IMemoryCache recent, IConfiguration configuration, TimeProvider clock)
{
    public static readonly TimeSpan CodeInterval = TimeSpan.FromMinutes(1);

    /// <summary>Sends a code; answers why not (no number, a code sent a moment ago, the carrier refused) or null when sent.</summary>
    public async Task<string?> SendCodeAsync(PlatformUser user, CancellationToken cancellationToken)
    {
        if (user.PhoneNumber is not { Length: > 0 } phone)
        {
            return "Add your mobile number to your profile first.";
        }

        if (recent.TryGetValue(Key(user.Id), out _))
        {
            return "A code was sent less than a minute ago; wait for it, or try again in a minute.";
        }

        var code = await users.GenerateChangePhoneNumberTokenAsync(user, phone);
        var sent = await mediator.Send(new SendSms(PlatformNumbers.From(configuration)[0], phone, $"Your Platform verification code is {code}. It expires in a few minutes."), cancellationToken);
        if (!sent.Accepted)
        {
            return "The text could not be sent to your number. Check it on your profile and try again.";
        }

        recent.Set(Key(user.Id), clock.GetUtcNow(), CodeInterval);
        return null;
    }

    /// <summary>Marks the number verified when the code is right for it; false otherwise (nothing changes).</summary>
    public async Task<bool> ConfirmAsync(PlatformUser user, string? code)
    {
        var digits = new string((code ?? string.Empty).Where(char.IsAsciiDigit).ToArray());
        if (user.PhoneNumber is not { Length: > 0 } phone || digits.Length != 6 || !await users.VerifyChangePhoneNumberTokenAsync(user, digits, phone))
        {
            return false;
        }

        // Not ChangePhoneNumberAsync: it renews the security stamp, which would sign the user out of their other sessions.
        user.PhoneNumberConfirmed = true;
        return (await users.UpdateAsync(user)).Succeeded;
    }

    private static string Key(Guid userId) => $"accounts.mobile-code:{userId}";
}

internal sealed class GetVerifiedMobileHandler(AccountsDbContext db) : IRequestHandler<GetVerifiedMobile, VerifiedMobile?>
{
    public async Task<VerifiedMobile?> Handle(GetVerifiedMobile request, CancellationToken cancellationToken) =>
        await db.Users.AsNoTracking()
            .Where(u => u.Id == request.UserId && u.PhoneNumberConfirmed && u.PhoneNumber != null)
            .Select(u => new VerifiedMobile(u.PhoneNumber!, u.FirstName))
            .SingleOrDefaultAsync(cancellationToken);
}
