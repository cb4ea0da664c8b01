using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Platform.Modules.Accounts.Contracts;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Accounts;

/// <summary>
/// Two-factor authentication with an authenticator app (ADR 22), through the real pages over a real SMTP server: a code
/// turns it on (a wrong one changes nothing), the login then asks for a code, wrong codes are refused and count towards
/// the lockout, a recovery code works once, turning it off needs the password, other sessions end, the user is told by
/// email, and an admin without it is sent to set it up from every admin page.
/// </summary>
public sealed partial class TwoFactorTests(TwoFactorTests.RecheckingFactory factory) : IClassFixture<TwoFactorTests.RecheckingFactory>
{
    /// <summary>
    /// Identity re-reads the signed-in principal at every request here (its security-stamp check, normally every 30 minutes),
    /// so these tests see what a long session sees: a session signed in with two factors must stay one.
    /// </summary>
    public sealed class RecheckingFactory : MailPlatformFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(services => services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.Zero));
        }
    }

    private const string Password = "Passw0rdPassw0rd";

    [Fact]
    public async Task A_right_code_turns_it_on_a_wrong_one_changes_nothing_and_the_user_is_told()
    {
        var (email, owner) = await OwnerAsync();
        var (status, page) = await owner.GetAsync("/Accounts/TwoFactor");
        status.Should().Be(HttpStatusCode.OK);
        var key = KeyOn(page);
        key.Should().MatchRegex("^[A-Z2-7]{32}$", "Identity's 160-bit key, shown in groups of 4");
        page.Should().Contain("<img src=\"/Accounts/TwoFactor/QrCode\"");
        using (var qr = await owner.Http.GetAsync("/Accounts/TwoFactor/QrCode"))
        {
            qr.StatusCode.Should().Be(HttpStatusCode.OK);
            qr.Content.Headers.ContentType!.MediaType.Should().Be("image/png");
            (await qr.Content.ReadAsByteArrayAsync()).Take(4).Should().Equal(0x89, (byte)'P', (byte)'N', (byte)'G');
        }

        var wrong = await owner.PostFormAsync("/Accounts/TwoFactor", new() { ["Enable.Code"] = WrongCode(key) }, handler: "Enable");
        wrong.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await wrong.Content.ReadAsStringAsync()).Should().Contain("That code is not right").And.NotContain("id=\"recovery-codes\"");
        (await TwoFactorOnAsync(email)).Should().BeFalse("a wrong code changes nothing");
        (await factory.LoginAsync(email, Password)).Should().NotBeNull();

        var codes = await EnableAsync(owner, key);

        codes.Should().HaveCount(10).And.OnlyHaveUniqueItems();
        (await TwoFactorOnAsync(email)).Should().BeTrue();
        var stored = await factory.Database.ScalarAsync<string>(
            "SELECT t.value FROM accounts.user_tokens t JOIN accounts.users u ON u.id = t.user_id WHERE u.email = @e AND t.name = 'RecoveryCodes'", ("e", email));
        stored.Should().NotBeNullOrEmpty();
        codes.Should().OnlyContain(c => !stored!.Contains(c, StringComparison.OrdinalIgnoreCase), "recovery codes are kept as hashes");
        (await owner.GetAsync("/Accounts/TwoFactor")).Body.Should().Contain("id=\"two-factor-status\"").And.NotContain(key[..8], "the key is shown only while setting up");
        (await owner.Http.GetAsync("/Accounts/TwoFactor/QrCode")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        var notice = await factory.Smtp.WaitForAsync(m => m.To.Mailboxes.Any(b => b.Address == email) && m.Subject == "Two-factor authentication is on for your Platform account");
        notice.TextBody.Should().Contain("signed out on every other browser");
    }

    [Fact]
    public async Task The_login_then_asks_for_the_code_and_refuses_a_wrong_one_counting_it_towards_the_lockout()
    {
        var (email, owner) = await OwnerAsync();
        var key = KeyOn((await owner.GetAsync("/Accounts/TwoFactor")).Body);
        await EnableAsync(owner, key);

        var browser = factory.CreateFormClient();
        var login = await PasswordAsync(browser, email);
        TestAdmins.AsksForCode(login).Should().BeTrue("a right password is only the first step: " + login.Headers.Location);
        (await browser.GetAsync("/Dashboard")).Status.Should().Be(HttpStatusCode.Redirect, "nobody is signed in before the code");

        var wrong = await browser.PostFormAsync(login.Headers.Location!.OriginalString, new() { ["Input.Code"] = WrongCode(key) });
        wrong.StatusCode.Should().Be(HttpStatusCode.OK);
        var answer = WebUtility.HtmlDecode(await wrong.Content.ReadAsStringAsync());
        answer.Should().Contain("That code is not right").And.Contain("after 5 in a row the account stays locked for 15 minutes");
        Regex.Count(answer, "That code is not right").Should().Be(1, "one clear message");
        (await factory.Database.ScalarAsync<int>("SELECT access_failed_count FROM accounts.users WHERE email = @e", ("e", email))).Should().Be(1, "a wrong code counts like a wrong password");
        (await browser.GetAsync("/Dashboard")).Status.Should().Be(HttpStatusCode.Redirect);

        var right = await TestAdmins.CompleteTwoFactorAsync(browser, login.Headers.Location!.OriginalString, key);
        right.Headers.Location!.OriginalString.Should().Be("/Dashboard");
        (await browser.GetAsync("/Dashboard")).Status.Should().Be(HttpStatusCode.OK);
        (await factory.Database.ScalarAsync<int>("SELECT access_failed_count FROM accounts.users WHERE email = @e", ("e", email))).Should().Be(0);

        // Five wrong codes in a row lock the account: then even the right code opens nothing.
        var locked = factory.CreateFormClient();
        var step = (await PasswordAsync(locked, email)).Headers.Location!.OriginalString;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            (await locked.PostFormAsync(step, new() { ["Input.Code"] = WrongCode(key) })).StatusCode.Should().Be(HttpStatusCode.OK);
        }

        (await locked.PostFormAsync(step, new() { ["Input.Code"] = TestAdmins.Code(key) })).StatusCode.Should().Be(HttpStatusCode.OK, "the account is locked");
        (await locked.GetAsync("/Dashboard")).Status.Should().Be(HttpStatusCode.Redirect);
    }

    [Fact]
    public async Task A_recovery_code_signs_in_once()
    {
        var (email, owner) = await OwnerAsync();
        var codes = await EnableAsync(owner, KeyOn((await owner.GetAsync("/Accounts/TwoFactor")).Body));

        var first = factory.CreateFormClient();
        await PasswordAsync(first, email);
        var used = await first.PostFormAsync("/Accounts/LoginWithRecoveryCode", new() { ["Input.Code"] = codes[3].ToLowerInvariant().Replace("-", " ", StringComparison.Ordinal) });
        used.StatusCode.Should().Be(HttpStatusCode.Redirect, await used.Content.ReadAsStringAsync());
        used.Headers.Location!.OriginalString.Should().Be("/Dashboard");
        (await first.GetAsync("/Dashboard")).Status.Should().Be(HttpStatusCode.OK);
        (await first.GetAsync("/Accounts/TwoFactor")).Body.Should().Contain("id=\"recovery-codes-left\">9<");

        var again = factory.CreateFormClient();
        await PasswordAsync(again, email);
        var refused = await again.PostFormAsync("/Accounts/LoginWithRecoveryCode", new() { ["Input.Code"] = codes[3] });
        refused.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync()).Should().Contain("That recovery code is not right or was already used");
        (await again.GetAsync("/Dashboard")).Status.Should().Be(HttpStatusCode.Redirect, "a used recovery code opens nothing");
        (await again.PostFormAsync("/Accounts/LoginWithRecoveryCode", new() { ["Input.Code"] = codes[4] })).StatusCode.Should().Be(HttpStatusCode.Redirect, "another one still works");
    }

    [Fact]
    public async Task Turning_it_off_and_new_recovery_codes_need_the_password()
    {
        var (email, owner) = await OwnerAsync();
        var codes = await EnableAsync(owner, KeyOn((await owner.GetAsync("/Accounts/TwoFactor")).Body));

        var wrongForCodes = await owner.PostFormAsync("/Accounts/TwoFactor", new() { ["Codes.Password"] = "Wrong9Password" }, handler: "RecoveryCodes");
        WebUtility.HtmlDecode(await wrongForCodes.Content.ReadAsStringAsync()).Should().Contain("That is not your password.").And.NotContain("id=\"recovery-codes\"");
        var fresh = RecoveryCodesIn(await (await owner.PostFormAsync("/Accounts/TwoFactor", new() { ["Codes.Password"] = Password }, handler: "RecoveryCodes")).Content.ReadAsStringAsync());
        fresh.Should().HaveCount(10).And.NotIntersectWith(codes);

        var wrong = await owner.PostFormAsync("/Accounts/TwoFactor", new() { ["Disable.Password"] = "Wrong9Password" }, handler: "Disable");
        wrong.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await wrong.Content.ReadAsStringAsync()).Should().Contain("That is not your password.");
        (await TwoFactorOnAsync(email)).Should().BeTrue("a wrong password changes nothing");

        var off = await owner.PostFormAsync("/Accounts/TwoFactor", new() { ["Disable.Password"] = Password }, handler: "Disable");
        off.StatusCode.Should().Be(HttpStatusCode.Redirect, await off.Content.ReadAsStringAsync());

        (await TwoFactorOnAsync(email)).Should().BeFalse();
        (await owner.GetAsync("/Dashboard")).Status.Should().Be(HttpStatusCode.OK, "the browser that turned it off stays signed in");
        TestAdmins.AsksForCode(await PasswordAsync(factory.CreateFormClient(), email)).Should().BeFalse("the password alone signs in again");
        (await factory.Database.ScalarAsync<long>(
            "SELECT count(*) FROM accounts.user_tokens t JOIN accounts.users u ON u.id = t.user_id WHERE u.email = @e AND t.name = 'RecoveryCodes'", ("e", email))).Should().Be(0);
        await factory.Smtp.WaitForAsync(m => m.To.Mailboxes.Any(b => b.Address == email) && m.Subject == "Two-factor authentication is off for your Platform account");
    }

    [Fact]
    public async Task Turning_it_on_ends_the_users_other_sessions_and_keeps_this_one()
    {
        var (email, owner) = await OwnerAsync();
        var elsewhere = await factory.LoginAsync(email, Password);
        (await elsewhere.GetAsync("/Dashboard")).Status.Should().Be(HttpStatusCode.OK);

        await EnableAsync(owner, KeyOn((await owner.GetAsync("/Accounts/TwoFactor")).Body));

        // Ended on the server at once, not only when the other browser's stamp is next checked.
        var userId = await factory.Database.ScalarAsync<Guid>("SELECT id FROM accounts.users WHERE email = @e", ("e", email));
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM platform.sessions WHERE subject = @s", ("s", userId.ToString()))).Should().Be(1);
        (await elsewhere.GetAsync("/Dashboard")).Status.Should().Be(HttpStatusCode.Redirect, "the other session ended");
        (await owner.GetAsync("/Dashboard")).Status.Should().Be(HttpStatusCode.OK, "the browser that turned it on stays signed in");
        (await owner.GetAsync("/Accounts/Security")).Body.Should().Contain("(this browser)");
    }

    [Fact]
    public async Task An_admin_without_it_is_sent_to_set_it_up_from_every_admin_page_until_it_is_on()
    {
        var email = $"{Guid.NewGuid():N}@admins.example";
        await factory.SendAsync(new EnsurePlatformAdmin(email, PlatformFactory.AdminPassword));
        var admin = factory.CreateFormClient();
        var login = await PasswordAsync(admin, email, PlatformFactory.AdminPassword);
        TestAdmins.AsksForCode(login).Should().BeFalse("this admin has not set two-factor up yet");

        foreach (var path in new[] { "/Admin", "/Admin/Companies", "/Admin/Users", "/Admin/Jobs", "/Admin/Jobs/recurring" })
        {
            using var response = await admin.Http.GetAsync(path);
            response.StatusCode.Should().Be(HttpStatusCode.Redirect, path);
            response.Headers.Location!.OriginalString.Should().Be("/Accounts/TwoFactor?required=admin", path);
        }

        var (_, page) = await admin.GetAsync("/Accounts/TwoFactor?required=admin");
        page.Should().Contain("id=\"two-factor-required\"");
        var (_, owner) = await OwnerAsync();
        using (var refused = await owner.Http.GetAsync("/Admin"))
        {
            refused.Headers.Location!.OriginalString.Should().Contain("/Accounts/AccessDenied", "a business user is refused, not asked for a second factor");
        }

        var codes = await EnableAsync(admin, KeyOn(page));

        codes.Should().HaveCount(10);
        (await admin.GetAsync("/Admin")).Status.Should().Be(HttpStatusCode.OK, "this session was signed in with both factors");
        (await admin.GetAsync("/Admin/Jobs")).Status.Should().Be(HttpStatusCode.OK);
    }

    private async Task<(string Email, FormClient Owner)> OwnerAsync()
    {
        var email = $"{Guid.NewGuid():N}@twofactor.example";
        return (email, await factory.RegisterCompanyAsync($"Two Factor {Guid.NewGuid():N}", email, Password));
    }

    /// <summary>Turns two-factor on with the code from <paramref name="key"/>; answers the recovery codes shown.</summary>
    private static async Task<List<string>> EnableAsync(FormClient client, string key)
    {
        var response = await client.PostFormAsync("/Accounts/TwoFactor", new() { ["Enable.Code"] = TestAdmins.Code(key) }, handler: "Enable");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var page = await response.Content.ReadAsStringAsync();
        page.Should().Contain("id=\"two-factor-on\"", WebUtility.HtmlDecode(page));
        return RecoveryCodesIn(page);
    }

    private static Task<HttpResponseMessage> PasswordAsync(FormClient client, string email, string password = Password) =>
        client.PostFormAsync("/Accounts/Login", new() { ["Input.Email"] = email, ["Input.Password"] = password });

    private Task<bool> TwoFactorOnAsync(string email) =>
        factory.Database.ScalarAsync<bool>("SELECT two_factor_enabled FROM accounts.users WHERE email = @e", ("e", email));

    private static string KeyOn(string page) =>
        AuthenticatorKey().Match(page) is { Success: true } match ? match.Groups[1].Value.Replace(" ", string.Empty, StringComparison.Ordinal) : throw new InvalidOperationException("No key on the page: " + page);

    private static List<string> RecoveryCodesIn(string page)
    {
        var list = page[page.IndexOf("id=\"recovery-codes\"", StringComparison.Ordinal)..];
        return [.. RecoveryCode().Matches(list[..list.IndexOf("</ul>", StringComparison.Ordinal)]).Select(m => m.Value)];
    }

    /// <summary>A 6-digit code no app set up with <paramref name="key"/> shows within the accepted window (±2 steps of 30 s).</summary>
    private static string WrongCode(string key)
    {
        var totp = new OtpNet.Totp(OtpNet.Base32Encoding.ToBytes(key));
        var accepted = Enumerable.Range(-3, 7).Select(step => totp.ComputeTotp(DateTime.UtcNow.AddSeconds(30 * step))).ToHashSet();
        return Enumerable.Range(0, 20).Select(i => ((int.Parse(accepted.First(), System.Globalization.CultureInfo.InvariantCulture) + 1 + i) % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture))
            .First(c => !accepted.Contains(c));
    }

    [GeneratedRegex("id=\"authenticator-key\">([A-Z2-7 ]+)<")]
    private static partial Regex AuthenticatorKey();

    [GeneratedRegex("[0-9A-Z]{5}-[0-9A-Z]{5}")]
    private static partial Regex RecoveryCode();
}
