using System.Net;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration;

public sealed class RegistrationTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    [Fact]
    public async Task A_business_registers_and_lands_on_its_dashboard()
    {
        var client = await factory.RegisterCompanyAsync("Luigi's Pizza", "luigi@example.com");

        var (status, body) = await client.GetAsync("/Dashboard");
        status.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(body).Should().Contain("Luigi's Pizza");

        var termsVersion = await factory.Database.ScalarAsync<string>("SELECT terms_version FROM accounts.companies WHERE name = 'Luigi''s Pizza'");
        termsVersion.Should().Be(Platform.Modules.Shared.PrivacyPolicyVersion.Current, "the version of the terms the owner accepted is recorded");
        var role = await factory.Database.ScalarAsync<string>("SELECT company_role FROM accounts.users WHERE email = 'luigi@example.com'");
        role.Should().Be("Owner");
        var mobile = await factory.Database.ScalarAsync<string>("SELECT phone_number FROM accounts.users WHERE email = 'luigi@example.com'");
        mobile.Should().Be("+447700900123", "numbers are stored in E.164");
    }

    public static TheoryData<string, string, string> BadInputs() => new()
    {
        { "Input.CompanyName", "", "Enter your company's name." },
        { "Input.FirstName", "", "Enter your first name." },
        { "Input.Email", "not-an-email", "Enter a valid email address" },
        { "Input.Password", "password", "Passwords must" },
        { "Input.ConfirmPassword", "Passw0rdPassw0rX", "The password and its confirmation do not match." },
        { "Input.MobileNumber", "12345", "international format" },
        { "Input.PostalCode", "", "Enter your postal code." },
        { "Input.MarketSector", "Piracy", "Choose a market sector from the list." },
        { "Input.IsAdult", "false", "You must be 18 or over to register a company." },
        { "Input.AcceptTerms", "false", "Accept the terms and the privacy policy to register." },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Bad_input_shows_a_clear_message_and_stores_nothing(string field, string value, string message)
    {
        var email = $"bad-{Guid.NewGuid():N}@example.com";
        var company = $"Bad Input {Guid.NewGuid():N}";
        var form = PlatformFactory.RegistrationForm(company, email);
        form[field] = value;
        if (field == "Input.Password")
        {
            form["Input.ConfirmPassword"] = value;
        }

        var response = await factory.CreateFormClient().PostFormAsync("/Accounts/Register", form);

        response.StatusCode.Should().Be(HttpStatusCode.OK, "the form is shown again with the message");
        WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()).Should().Contain(message);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM accounts.users WHERE email = @e", ("e", email))).Should().Be(0);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM accounts.companies WHERE name = @n", ("n", company))).Should().Be(0);
    }

    [Fact]
    public async Task A_missing_field_is_reported_not_crashed_on()
    {
        var form = PlatformFactory.RegistrationForm("No Email Co", "x@example.com");
        form.Remove("Input.Email");

        var response = await factory.CreateFormClient().PostFormAsync("/Accounts/Register", form);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()).Should().Contain("Enter your email address.");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM accounts.companies WHERE name = 'No Email Co'")).Should().Be(0);
    }

    [Fact]
    public async Task A_registered_email_gets_the_check_your_email_answer_the_holder_a_notice_and_no_second_company()
    {
        await factory.RegisterCompanyAsync("First Co", "dup@example.com");

        var response = await factory.CreateFormClient().PostFormAsync("/Accounts/Register", PlatformFactory.RegistrationForm("Second Co", "DUP@example.com"));

        // No "already exists" on the form: that would tell anyone who is a customer (issue #15).
        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        response.Headers.Location!.ToString().Should().StartWith("/Accounts/Login");
        response.Headers.Contains("Set-Cookie").Should().BeTrue("the message rides in TempData");
        response.Headers.GetValues("Set-Cookie").Should().NotContain(c => c.StartsWith("platform.auth=", StringComparison.Ordinal), "nobody is signed in");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM accounts.companies WHERE name = 'Second Co'")).Should().Be(0);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM platform.emails WHERE kind = 'accounts.register-existing' AND to_address = 'dup@example.com'"))
            .Should().Be(1, "the address's holder is told");
    }

    [Fact]
    public async Task A_post_without_the_antiforgery_token_is_refused()
    {
        var client = factory.CreateFormClient();
        await client.GetAsync("/Accounts/Register");
        var response = await client.Http.PostAsync("/Accounts/Register", new FormUrlEncodedContent(PlatformFactory.RegistrationForm("Forged Co", "forged@example.com")));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM accounts.companies WHERE name = 'Forged Co'")).Should().Be(0);
    }
}
