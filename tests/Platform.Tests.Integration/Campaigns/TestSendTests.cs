using System.Net;
using System.Text.RegularExpressions;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>
/// "Send me a test" (issue #20 item 6): a business user verifies their own mobile once with a code texted to it (through the
/// simulator carrier), then the composer sends the message as written — their first name in it, the opt-out route added —
/// to that number only; unverified, a changed number or a wrong code send nothing.
/// </summary>
public sealed partial class TestSendTests(SendingFactory factory) : IClassFixture<SendingFactory>
{
    [Fact]
    public async Task A_user_verifies_their_mobile_with_a_texted_code_and_sends_themselves_a_test_only_there()
    {
        var handset = TestHandsets.New("+4477009", 10000, 99999);
        var form = PlatformFactory.RegistrationForm($"Test Send {Guid.NewGuid():N}"[..28], $"{Guid.NewGuid():N}@testsend.example");
        form["Input.MobileNumber"] = handset;
        var owner = await factory.RegisterAsync(form);
        var test = new Dictionary<string, string> { ["Input.SenderId"] = "PLATFORM", ["Input.Body"] = "Hi {first_name|there}, a test of tonight's offer" };

        // Not verified yet: nothing is sent.
        var refused = await owner.PostFormAsync("/Campaigns/Create/Test", test, tokenFrom: "/Campaigns/Create");
        WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync()).Should().Contain("Verify your mobile number first");
        (await factory.ReceivedByAsync(handset)).Should().BeEmpty();

        // The code arrives by SMS; a wrong one changes nothing, the right one verifies the number.
        (await owner.PostFormAsync("/Accounts/VerifyMobile", [], "Send")).StatusCode.Should().Be(HttpStatusCode.OK);
        var code = Code().Match((await factory.ReceivedByAsync(handset)).Single().Text).Groups[1].Value;
        var wrong = await owner.PostFormAsync("/Accounts/VerifyMobile", new() { ["Code"] = code == "000000" ? "111111" : "000000" }, "Confirm");
        WebUtility.HtmlDecode(await wrong.Content.ReadAsStringAsync()).Should().Contain("That code is not right for your number");
        (await ConfirmedAsync(handset)).Should().BeFalse();
        (await owner.PostFormAsync("/Accounts/VerifyMobile", new() { ["Code"] = code }, "Confirm")).StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await ConfirmedAsync(handset)).Should().BeTrue();

        // The test: the text as the campaign would send it, with the user's first name, to that number.
        var sent = await owner.PostFormAsync("/Campaigns/Create/Test", test, tokenFrom: "/Campaigns/Create");
        WebUtility.HtmlDecode(await sent.Content.ReadAsStringAsync()).Should().Contain($"Test sent to {handset}.");
        (await factory.ReceivedByAsync(handset)).Select(m => m.Text).Should().Contain(t => t.StartsWith("Hi Ada, a test of tonight's offer", StringComparison.Ordinal) && t.Contains("STOP", StringComparison.Ordinal));

        // A changed number is not verified: no test goes to it.
        var moved = TestHandsets.New("+4477009", 10000, 99999);
        (await owner.PostFormAsync("/Accounts/Profile", new()
        {
            ["Input.FirstName"] = "Ada", ["Input.Surname"] = "Lovelace", ["Input.MobileNumber"] = moved, ["Input.PostalCode"] = "SW1A 1AA",
        })).StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await ConfirmedAsync(moved)).Should().BeFalse();
        WebUtility.HtmlDecode(await (await owner.PostFormAsync("/Campaigns/Create/Test", test, tokenFrom: "/Campaigns/Create")).Content.ReadAsStringAsync())
            .Should().Contain("Verify your mobile number first");
        (await factory.ReceivedByAsync(moved)).Should().BeEmpty();
    }

    private async Task<bool> ConfirmedAsync(string phone) =>
        await factory.Database.ScalarAsync<bool>("SELECT phone_number_confirmed FROM accounts.users WHERE phone_number = @p", ("p", phone));

    [GeneratedRegex(@"code is (\d{6})")]
    private static partial Regex Code();
}
