using System.Net;
using System.Text.RegularExpressions;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.OptIns;

/// <summary>
/// A subscriber without their mailbox resets the password with the user code and a code texted to the number (issue #17),
/// through the real simulator carrier: the same answer for an unknown pair, five wrong tries kill the code, it works once.
/// </summary>
public sealed partial class SubscriberSmsResetTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    private const string NewPassword = "Fresh9Lighthouse";
    private const string OldPassword = "Subscr1berPass";

    private sealed record Person(string Handset, string Code, string Email, FormClient Client);

    /// <summary>A handset texts a keyword through the simulator carrier and registers on the web with the user code it got.</summary>
    private async Task<Person> SubscriberAsync()
    {
        var (owner, _) = await factory.CompanyAsync($"Sms Reset {Guid.NewGuid():N}");
        var word = $"SR{Random.Shared.Next(10_000, 99_999)}";
        await OptInsFactory.CreateKeywordAsync(owner, word);
        var handset = Infrastructure.TestHandsets.New();
        await factory.TextPlatformAsync(handset, word);
        var code = (await factory.Database.ScalarAsync<string>("SELECT user_code FROM optins.subscribers WHERE phone = @p", ("p", handset)))!;
        var person = new Person(handset, code, $"{Guid.NewGuid():N}@smsreset.example", factory.CreateFormClient());
        var registered = await person.Client.PostFormAsync($"/OptIns/Me/Register?code={code}", new()
        {
            ["Input.UserCode"] = code, ["Input.MobileNumber"] = handset, ["Input.FirstName"] = "Sam", ["Input.Surname"] = "Subscriber",
            ["Input.Email"] = person.Email, ["Input.PostalCode"] = "90210", ["Input.DateOfBirth"] = "1990-05-17",
            ["Input.Password"] = OldPassword, ["Input.ConfirmPassword"] = OldPassword, ["Input.Imei"] = string.Empty,
        });
        registered.StatusCode.Should().Be(HttpStatusCode.Redirect, WebUtility.HtmlDecode(await registered.Content.ReadAsStringAsync()));
        return person;
    }

    [Fact]
    public async Task A_subscriber_resets_the_password_with_a_texted_code_once_and_wrong_codes_are_limited()
    {
        var person = await SubscriberAsync();

        // An unknown pair gets the same answer, and no text.
        var unknown = await factory.CreateFormClient().PostFormAsync("/OptIns/Me/ResetBySms", new() { ["Input.UserCode"] = "ZZZZZZ", ["Input.MobileNumber"] = person.Handset }, handler: "Send");
        (await unknown.Content.ReadAsStringAsync()).Should().Contain("id=\"sms-code-sent\"");
        (await CodesTextedAsync(person.Handset)).Should().BeEmpty();

        var browser = factory.CreateFormClient();
        var asked = await browser.PostFormAsync("/OptIns/Me/ResetBySms", new() { ["Input.UserCode"] = person.Code.ToLowerInvariant(), ["Input.MobileNumber"] = person.Handset }, handler: "Send");
        (await asked.Content.ReadAsStringAsync()).Should().Contain("id=\"sms-code-sent\"");
        var code = (await CodesTextedAsync(person.Handset)).Should().ContainSingle().Subject;

        // Asked again within the minute: no second text (nobody can bomb a number through the form).
        await browser.PostFormAsync("/OptIns/Me/ResetBySms", new() { ["Input.UserCode"] = person.Code, ["Input.MobileNumber"] = person.Handset }, handler: "Send");
        (await CodesTextedAsync(person.Handset)).Should().ContainSingle();

        var wrongCode = code == "000000" ? "111111" : "000000";
        var wrong = await ResetAsync(person, wrongCode, NewPassword);
        WebUtility.HtmlDecode(wrong).Should().Contain("That code is not right");
        (await LogInAsync(person.Email, OldPassword)).Should().Be(HttpStatusCode.Redirect, "a wrong code changed nothing");

        var reset = await ResetAsync(person, code, NewPassword);
        reset.Should().Contain("id=\"sms-reset-done\"");
        (await LogInAsync(person.Email, NewPassword)).Should().Be(HttpStatusCode.Redirect);
        (await LogInAsync(person.Email, OldPassword)).Should().Be(HttpStatusCode.OK, "the old password is refused");
        (await person.Client.GetAsync("/OptIns/Me")).Status.Should().Be(HttpStatusCode.Redirect, "the sessions of the old password ended");
        WebUtility.HtmlDecode(await ResetAsync(person, code, "Another9Lighthouse")).Should().Contain("That code is not right", "a code works once");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM platform.emails WHERE kind = 'optins.password-changed' AND to_address = @e", ("e", person.Email))).Should().Be(1);

        // Five wrong tries kill a code, even the right one after them.
        await factory.Database.ExecuteAsync($"UPDATE optins.sms_reset_codes SET sent_at = now() - interval '2 minutes'");
        await factory.CreateFormClient().PostFormAsync("/OptIns/Me/ResetBySms", new() { ["Input.UserCode"] = person.Code, ["Input.MobileNumber"] = person.Handset }, handler: "Send");
        var second = (await CodesTextedAsync(person.Handset)).Should().HaveCount(2).And.Subject.Last();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            await ResetAsync(person, second == "000000" ? "111111" : "000000", "Another9Lighthouse");
        }

        WebUtility.HtmlDecode(await ResetAsync(person, second, "Another9Lighthouse")).Should().Contain("That code is not right");
        (await LogInAsync(person.Email, NewPassword)).Should().Be(HttpStatusCode.Redirect, "nothing changed after the code died");
    }

    private async Task<string> ResetAsync(Person person, string code, string password)
    {
        var response = await factory.CreateFormClient().PostFormAsync("/OptIns/Me/ResetBySms", new()
        {
            ["Input.UserCode"] = person.Code, ["Input.MobileNumber"] = person.Handset, ["Input.Code"] = code,
            ["Input.Password"] = password, ["Input.ConfirmPassword"] = password,
        }, handler: "Reset");
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The reset codes the handset received through the simulator carrier, oldest first.</summary>
    private async Task<List<string>> CodesTextedAsync(string handset) =>
        (await factory.ReceivedByAsync(handset)).Select(m => ResetCode().Match(m.Text)).Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();

    private async Task<HttpStatusCode> LogInAsync(string email, string password) =>
        (await factory.CreateFormClient().PostFormAsync("/OptIns/Me/Login", new() { ["Input.Email"] = email, ["Input.Password"] = password })).StatusCode;

    [GeneratedRegex("reset the password of your opt-ins account is ([0-9]{6})")]
    private static partial Regex ResetCode();
}
