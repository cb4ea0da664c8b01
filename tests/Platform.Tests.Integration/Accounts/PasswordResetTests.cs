using System.Net;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Accounts;

/// <summary>
/// Forgot / reset password for business users (issue #17): the link arrives by real SMTP, is built from the configured
/// public address whatever Host the request named, works once, checks the password rules, unlocks the account; the
/// form answers the same for an address nobody has and emails nothing then.
/// </summary>
public sealed class PasswordResetTests(MailPlatformFactory factory) : IClassFixture<MailPlatformFactory>
{
    private const string OldPassword = "Passw0rdPassw0rd";
    private const string NewPassword = "Brand9NewSecret";

    [Fact]
    public async Task A_user_resets_a_forgotten_password_through_the_emailed_link_once()
    {
        var email = $"{Guid.NewGuid():N}@owner.example";
        await factory.RegisterCompanyAsync($"Reset Pizza {Guid.NewGuid():N}", email, OldPassword);
        var visitor = factory.CreateFormClient();
        visitor.Http.DefaultRequestHeaders.Host = "attacker.example"; // the link must not follow the Host header

        var asked = await visitor.PostFormAsync("/Accounts/ForgotPassword", new() { ["Input.Email"] = email.ToUpperInvariant() });

        asked.StatusCode.Should().Be(HttpStatusCode.OK);
        (await asked.Content.ReadAsStringAsync()).Should().Contain("we have emailed it a link");
        var message = await factory.Smtp.WaitForAsync(m => m.To.Mailboxes.Any(b => b.Address == email) && m.Subject == "Reset your Platform password");
        message.TextBody.Should().NotContain("attacker.example");
        var link = MailPlatformFactory.LinkIn(message, "/Accounts/ResetPassword");

        var person = factory.CreateFormClient();
        (await person.GetAsync(link)).Body.Should().Contain("Save the new password");
        var mismatch = await person.PostFormAsync(link, ResetForm(link, NewPassword, NewPassword + "x"));
        (await mismatch.Content.ReadAsStringAsync()).Should().Contain("The password and its confirmation do not match.");
        var weak = await person.PostFormAsync(link, ResetForm(link, "short", "short"));
        (await weak.Content.ReadAsStringAsync()).Should().Contain("Passwords must be at least 10 characters.");
        (await LogInAsync(email, OldPassword)).Should().Be(HttpStatusCode.Redirect, "refused attempts changed nothing");

        var reset = await person.PostFormAsync(link, ResetForm(link, NewPassword, NewPassword));

        reset.StatusCode.Should().Be(HttpStatusCode.Redirect);
        reset.Headers.Location!.OriginalString.Should().Be("/Accounts/Login");
        (await person.GetAsync("/Accounts/Login")).Body.Should().Contain("Your password is changed. Log in with the new one.");
        (await LogInAsync(email, NewPassword)).Should().Be(HttpStatusCode.Redirect);
        (await LogInAsync(email, OldPassword)).Should().Be(HttpStatusCode.OK, "the old password is refused");
        await factory.Smtp.WaitForAsync(m => m.To.Mailboxes.Any(b => b.Address == email) && m.Subject == "Your Platform password was changed");

        // The link worked once: the page says so at once, and a replayed form changes nothing.
        (await person.GetAsync(link)).Body.Should().Contain("This link has expired or was already used.").And.NotContain("Save the new password");
        var replay = await person.PostFormAsync(link, ResetForm(link, "Another9Secret", "Another9Secret"), tokenFrom: "/Accounts/ForgotPassword");
        replay.StatusCode.Should().Be(HttpStatusCode.OK);
        (await replay.Content.ReadAsStringAsync()).Should().Contain("This link has expired or was already used.");
        (await LogInAsync(email, NewPassword)).Should().Be(HttpStatusCode.Redirect);
    }

    [Fact]
    public async Task An_address_nobody_has_gets_the_same_answer_and_no_email()
    {
        var nobody = $"{Guid.NewGuid():N}@nobody.example";

        var asked = await factory.CreateFormClient().PostFormAsync("/Accounts/ForgotPassword", new() { ["Input.Email"] = nobody });

        (await asked.Content.ReadAsStringAsync()).Should().Contain("we have emailed it a link");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM platform.emails WHERE to_address = @a", ("a", nobody))).Should().Be(0);
    }

    [Fact]
    public async Task A_locked_out_user_is_unlocked_by_a_reset_and_a_broken_link_gets_a_clear_page()
    {
        var email = $"{Guid.NewGuid():N}@owner.example";
        await factory.RegisterCompanyAsync($"Locked Pizza {Guid.NewGuid():N}", email, OldPassword);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            await LogInAsync(email, "Wrong9Password");
        }

        (await LogInAsync(email, OldPassword)).Should().Be(HttpStatusCode.OK, "the account is locked");
        await factory.CreateFormClient().PostFormAsync("/Accounts/ForgotPassword", new() { ["Input.Email"] = email });
        var link = MailPlatformFactory.LinkIn(await factory.Smtp.WaitForAsync(m => m.To.Mailboxes.Any(b => b.Address == email) && m.Subject == "Reset your Platform password"), "/Accounts/ResetPassword");
        var person = factory.CreateFormClient();
        (await person.PostFormAsync(link, ResetForm(link, NewPassword, NewPassword))).StatusCode.Should().Be(HttpStatusCode.Redirect);

        (await LogInAsync(email, NewPassword)).Should().Be(HttpStatusCode.Redirect, "the reset lifted the lockout");
        foreach (var broken in new[] { "/Accounts/ResetPassword", "/Accounts/ResetPassword?user=x&token=y", $"/Accounts/ResetPassword?user={Guid.NewGuid()}&token=abc" })
        {
            var (status, body) = await person.GetAsync(broken);
            status.Should().Be(HttpStatusCode.OK, broken);
            body.Should().Contain("This link has expired or was already used.", broken);
        }
    }

    /// <summary>The reset form as a browser posts it: the page's hidden user and token (from the link) with the two passwords.</summary>
    private static Dictionary<string, string> ResetForm(string link, string password, string confirmation)
    {
        var query = System.Web.HttpUtility.ParseQueryString(new Uri(new Uri("https://localhost"), link).Query);
        return new()
        {
            ["Input.UserId"] = query["user"]!,
            ["Input.Token"] = query["token"]!,
            ["Input.Password"] = password,
            ["Input.ConfirmPassword"] = confirmation,
        };
    }

    private async Task<HttpStatusCode> LogInAsync(string email, string password) =>
        (await factory.CreateFormClient().PostFormAsync("/Accounts/Login", new() { ["Input.Email"] = email, ["Input.Password"] = password })).StatusCode;
}
