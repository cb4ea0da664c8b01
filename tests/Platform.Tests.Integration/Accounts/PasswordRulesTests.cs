using System.Net;
using Platform.Modules.Shared.Passwords;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Accounts;

/// <summary>Common passwords and ones made of the person's email or name are refused with a clear message wherever a password is set (issue #15).</summary>
public sealed class PasswordRulesTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    [Fact]
    public async Task Registering_with_Password123_is_refused_with_a_clear_message()
    {
        var response = await factory.CreateFormClient().PostFormAsync("/Accounts/Register",
            PlatformFactory.RegistrationForm("Common Password Co", $"{Guid.NewGuid():N}@common.example", "Password123"));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()).Should().Contain(GuessablePasswords.TooCommon);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM accounts.companies WHERE name = 'Common Password Co'")).Should().Be(0);
    }

    [Fact]
    public async Task Registering_with_a_password_made_of_the_email_is_refused()
    {
        var response = await factory.CreateFormClient().PostFormAsync("/Accounts/Register",
            PlatformFactory.RegistrationForm("Own Email Co", "harbourlight@own.example", "Harbourlight9"));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()).Should().Contain(GuessablePasswords.ContainsPersonalData);
    }

    [Fact]
    public async Task Changing_to_a_common_password_is_refused_and_the_old_one_still_works()
    {
        var email = $"{Guid.NewGuid():N}@change.example";
        var owner = await factory.RegisterCompanyAsync($"Change Co {Guid.NewGuid():N}", email);

        var changed = await owner.PostFormAsync("/Accounts/Security", new()
        {
            ["Input.CurrentPassword"] = "Passw0rdPassw0rd", ["Input.Password"] = "Password123", ["Input.ConfirmPassword"] = "Password123",
        }, handler: "Password");

        changed.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await changed.Content.ReadAsStringAsync()).Should().Contain(GuessablePasswords.TooCommon);
        await factory.LoginAsync(email, "Passw0rdPassw0rd");
    }
}
