using System.Net;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.OptIns;

/// <summary>A subscriber who forgot the password of their opt-ins account resets it through an emailed link, once (issue #17).</summary>
public sealed class SubscriberPasswordResetTests(MailPlatformFactory factory) : IClassFixture<MailPlatformFactory>
{
    private const string NewPassword = "Fresh9Harbour";

    [Fact]
    public async Task A_subscriber_resets_the_password_through_the_emailed_link_once()
    {
        var handset = Infrastructure.TestHandsets.New();
        await DurableEventsTests.OptOutOnTheWebAsync(factory.CreateFormClient, factory.CreateClient(), factory.Database, $"Sub Reset {Guid.NewGuid():N}", $"SR{Random.Shared.Next(10_000, 99_999)}", handset);
        var email = await factory.Database.ScalarAsync<string>(
            "SELECT a.email FROM optins.subscriber_accounts a JOIN optins.subscribers s ON s.id = a.subscriber_id WHERE s.phone = @p", ("p", handset));

        var asked = await factory.CreateFormClient().PostFormAsync("/OptIns/Me/ForgotPassword", new() { ["Input.Email"] = email!.ToUpperInvariant() });
        (await asked.Content.ReadAsStringAsync()).Should().Contain("we have emailed it a link");
        var message = await factory.Smtp.WaitForAsync(m => m.To.Mailboxes.Any(b => b.Address == email) && m.Subject == "Reset the password of your opt-ins account");
        var link = MailPlatformFactory.LinkIn(message, "/OptIns/Me/ResetPassword");
        var token = Uri.UnescapeDataString(link[(link.IndexOf("token=", StringComparison.Ordinal) + 6)..]);

        var person = factory.CreateFormClient();
        var weak = await person.PostFormAsync(link, new() { ["Input.Token"] = token, ["Input.Password"] = "weak", ["Input.ConfirmPassword"] = "weak" });
        WebUtility.HtmlDecode(await weak.Content.ReadAsStringAsync()).Should().Contain("Use at least 10 characters");
        var reset = await person.PostFormAsync(link, new() { ["Input.Token"] = token, ["Input.Password"] = NewPassword, ["Input.ConfirmPassword"] = NewPassword });
        (await reset.Content.ReadAsStringAsync()).Should().Contain("Your password is changed.");

        (await LogInAsync(email, NewPassword)).Should().Be(HttpStatusCode.Redirect);
        (await LogInAsync(email, "Subscr1berPass")).Should().Be(HttpStatusCode.OK, "the old password is refused");
        await factory.Smtp.WaitForAsync(m => m.To.Mailboxes.Any(b => b.Address == email) && m.Subject == "The password of your opt-ins account was changed");
        (await person.GetAsync(link)).Body.Should().Contain("This link has expired or was already used.");
        var replay = await person.PostFormAsync(link, new() { ["Input.Token"] = token, ["Input.Password"] = "Other9Password", ["Input.ConfirmPassword"] = "Other9Password" },
            tokenFrom: "/OptIns/Me/ForgotPassword");
        (await replay.Content.ReadAsStringAsync()).Should().Contain("This link has expired or was already used.");
        (await LogInAsync(email, NewPassword)).Should().Be(HttpStatusCode.Redirect, "the replay changed nothing");
        (await person.GetAsync("/OptIns/Me/ResetPassword?token=forged")).Body.Should().Contain("This link has expired or was already used.");
    }

    private async Task<HttpStatusCode> LogInAsync(string email, string password) =>
        (await factory.CreateFormClient().PostFormAsync("/OptIns/Me/Login", new() { ["Input.Email"] = email, ["Input.Password"] = password })).StatusCode;
}
