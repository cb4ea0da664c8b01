using System.Net;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Accounts;

/// <summary>
/// A business user changes the email address (issue #17: "confirm email … on change"), over a real SMTP server: the current
/// password first, a link to the new address, the old one told; the link works once; a taken address gets the same answer.
/// </summary>
public sealed class EmailChangeTests(MailPlatformFactory factory) : IClassFixture<MailPlatformFactory>
{
    private const string Password = "Passw0rdPassw0rd";

    [Fact]
    public async Task The_new_address_confirms_the_change_once_the_old_one_is_told_and_sessions_end()
    {
        var oldEmail = $"{Guid.NewGuid():N}@old.example";
        var newEmail = $"{Guid.NewGuid():N}@new.example";
        var owner = await factory.RegisterCompanyAsync($"Moving Mail {Guid.NewGuid():N}", oldEmail);

        var wrong = await owner.PostFormAsync("/Accounts/ChangeEmail", new() { ["Input.NewEmail"] = newEmail, ["Input.CurrentPassword"] = "Wrong9Password" });
        WebUtility.HtmlDecode(await wrong.Content.ReadAsStringAsync()).Should().Contain("That is not your current password.");

        var asked = await owner.PostFormAsync("/Accounts/ChangeEmail", new() { ["Input.NewEmail"] = newEmail, ["Input.CurrentPassword"] = Password });
        (await asked.Content.ReadAsStringAsync()).Should().Contain("id=\"change-email-sent\"");
        var warning = await factory.Smtp.WaitForAsync(m => m.To.Mailboxes.Any(b => b.Address == oldEmail) && m.Subject == "Someone asked to change your email address");
        warning.TextBody.Should().Contain(newEmail);
        var message = await factory.Smtp.WaitForAsync(m => m.To.Mailboxes.Any(b => b.Address == newEmail));
        var link = MailPlatformFactory.LinkIn(message, "/Accounts/ConfirmEmailChange");
        (await factory.LoginAsync(oldEmail, Password)).Should().NotBeNull("nothing changes before the link is opened");

        (await factory.CreateFormClient().GetAsync(link)).Body.Should().Contain("id=\"email-changed\"");

        (await factory.Database.ScalarAsync<string>("SELECT user_name FROM accounts.users WHERE email = @e", ("e", newEmail))).Should().Be(newEmail);
        (await owner.GetAsync("/Dashboard")).Status.Should().Be(HttpStatusCode.Redirect, "the sessions of the old address ended");
        await factory.LoginAsync(newEmail, Password);
        (await factory.CreateFormClient().PostFormAsync("/Accounts/Login", new() { ["Input.Email"] = oldEmail, ["Input.Password"] = Password }))
            .StatusCode.Should().Be(HttpStatusCode.OK, "the old address no longer signs in");
        await factory.Smtp.WaitForAsync(m => m.To.Mailboxes.Any(b => b.Address == oldEmail) && m.Subject == "Your email address was changed");
        (await factory.CreateFormClient().GetAsync(link)).Body.Should().Contain("id=\"email-change-broken\"", "the link works once");
    }

    [Fact]
    public async Task An_address_another_account_has_gets_the_same_answer_and_nothing_changes()
    {
        var taken = $"{Guid.NewGuid():N}@taken.example";
        await factory.RegisterCompanyAsync($"Taken Mail {Guid.NewGuid():N}", taken);
        var email = $"{Guid.NewGuid():N}@mover.example";
        var owner = await factory.RegisterCompanyAsync($"Mover Mail {Guid.NewGuid():N}", email);

        var asked = await owner.PostFormAsync("/Accounts/ChangeEmail", new() { ["Input.NewEmail"] = taken, ["Input.CurrentPassword"] = Password });

        (await asked.Content.ReadAsStringAsync()).Should().Contain("id=\"change-email-sent\"").And.NotContain("already");
        await factory.Smtp.WaitForAsync(m => m.To.Mailboxes.Any(b => b.Address == email) && m.Subject == "Someone asked to change your email address");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM platform.emails WHERE kind = 'accounts.change-email' AND to_address = @t", ("t", taken))).Should().Be(0);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM accounts.users WHERE email = @e", ("e", email))).Should().Be(1);
        var forged = $"/Accounts/ConfirmEmailChange?user={Guid.NewGuid()}&email={Uri.EscapeDataString(taken)}&token=forged";
        (await factory.CreateFormClient().GetAsync(forged)).Body.Should().Contain("id=\"email-change-broken\"");
    }
}
