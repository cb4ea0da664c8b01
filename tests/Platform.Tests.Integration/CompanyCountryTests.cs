using System.Net;
using System.Text.RegularExpressions;
using Platform.Modules.Accounts.Contracts;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration;

/// <summary>The company's country (ADR 17): asked at registration, shown and changed on the profile, the default for its numbers.</summary>
public sealed partial class CompanyCountryTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    [Fact]
    public async Task A_US_company_registers_with_a_national_number_stored_in_E164_and_shown_back_in_national_format()
    {
        var email = $"{Guid.NewGuid():N}@us.example";
        var form = PlatformFactory.RegistrationForm("Stars and Stripes Diner", email);
        (form["Input.Country"], form["Input.MobileNumber"]) = ("US", "(555) 777-0099");

        var owner = await factory.RegisterAsync(form);

        (await factory.Database.ScalarAsync<string>("SELECT phone_number FROM accounts.users WHERE email = @e", ("e", email))).Should().Be("+15557770099");
        var companyId = await factory.Database.ScalarAsync<Guid>("SELECT id FROM accounts.companies WHERE name = 'Stars and Stripes Diner'");
        (await factory.SendAsync(new GetCompany(companyId)))!.Country.Should().Be("US", "other modules read it through Accounts' contracts");

        var (_, profile) = await owner.GetAsync("/Accounts/Profile");
        SelectedCountry().Match(profile).Groups[1].Value.Should().Be("US");
        WebUtility.HtmlDecode(MobileValue().Match(profile).Groups[1].Value).Should().Be("(555) 777-0099", "a number of the company's country is shown in national format");
        profile.Should().Contain("id=\"mobile-warning\"", "a 555 number is taken, with a warning that its range is not given out");
    }

    [Fact]
    public async Task The_owner_changes_the_country_on_the_profile_and_the_number_keeps_its_country_code()
    {
        var email = $"{Guid.NewGuid():N}@move.example";
        var form = PlatformFactory.RegistrationForm("Moving Co", email);
        (form["Input.Country"], form["Input.MobileNumber"]) = ("US", "555 777 0098");
        var owner = await factory.RegisterAsync(form);

        var moved = await owner.PostFormAsync("/Accounts/Profile", new()
        {
            ["Input.FirstName"] = "Ada",
            ["Input.Surname"] = "Lovelace",
            ["Input.MobileNumber"] = "(555) 777-0098",
            ["Input.PostalCode"] = "SW1A 1AA",
            ["Input.Country"] = "FR",
        });

        moved.StatusCode.Should().Be(HttpStatusCode.Redirect, WebUtility.HtmlDecode(await moved.Content.ReadAsStringAsync()));
        (await factory.Database.ScalarAsync<string>("SELECT country FROM accounts.companies WHERE name = 'Moving Co'")).Should().Be("FR");
        (await factory.Database.ScalarAsync<string>("SELECT phone_number FROM accounts.users WHERE email = @e", ("e", email)))
            .Should().Be("+15557770098", "the number shown in the old country's format is read in that country, not the new one");
        var (_, profile) = await owner.GetAsync("/Accounts/Profile");
        SelectedCountry().Match(profile).Groups[1].Value.Should().Be("FR");
        WebUtility.HtmlDecode(MobileValue().Match(profile).Groups[1].Value).Should().Be("+1 555-777-0098", "abroad, the number is shown in international format");

        var french = await owner.PostFormAsync("/Accounts/Profile", new()
        {
            ["Input.FirstName"] = "Ada", ["Input.Surname"] = "Lovelace", ["Input.MobileNumber"] = "06 12 34 56 78", ["Input.PostalCode"] = "75001",
        });
        french.StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await factory.Database.ScalarAsync<string>("SELECT phone_number FROM accounts.users WHERE email = @e", ("e", email))).Should().Be("+33612345678");
    }

    [Theory]
    [InlineData("Input.Country", "XX", "Choose your company's country from the list.")]
    [InlineData("Input.Country", "", "Choose your company's country.")]
    [InlineData("Input.MobileNumber", "555 0199", "This number has too few digits for +1 (United States).")]
    public async Task A_bad_country_or_an_impossible_number_is_refused_with_a_clear_message(string field, string value, string message)
    {
        var email = $"{Guid.NewGuid():N}@bad.example";
        var form = PlatformFactory.RegistrationForm($"Bad Country {Guid.NewGuid():N}", email);
        form["Input.Country"] = "US";
        form[field] = value;

        var response = await factory.CreateFormClient().PostFormAsync("/Accounts/Register", form);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()).Should().Contain(message);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM accounts.users WHERE email = @e", ("e", email))).Should().Be(0);
    }

    [Theory]
    [InlineData("en-US,en;q=0.9", "US")]
    [InlineData("de-DE", "DE")]
    [InlineData(null, "GB")]
    public async Task The_registration_form_proposes_the_browsers_country_else_GB(string? acceptLanguage, string proposed)
    {
        var client = factory.CreateFormClient();
        if (acceptLanguage is not null)
        {
            client.Http.DefaultRequestHeaders.Add("Accept-Language", acceptLanguage);
        }

        var (_, page) = await client.GetAsync("/Accounts/Register");

        SelectedCountry().Match(page).Groups[1].Value.Should().Be(proposed);
    }

    [Fact]
    public async Task An_invited_member_types_a_national_number_of_the_companys_country()
    {
        var email = $"{Guid.NewGuid():N}@team.example";
        var form = PlatformFactory.RegistrationForm("Deutsch GmbH", email);
        (form["Input.Country"], form["Input.MobileNumber"]) = ("DE", "0151 23456789");
        var owner = await factory.RegisterAsync(form);
        var memberEmail = $"{Guid.NewGuid():N}@team.example";
        var invite = await owner.PostFormAsync("/Accounts/Team", new() { ["Input.Email"] = memberEmail, ["Input.Role"] = "Member" });
        var token = Uri.UnescapeDataString(WebUtility.HtmlDecode(InvitationLink().Match(await invite.Content.ReadAsStringAsync()).Groups[1].Value));

        var accepted = await factory.CreateFormClient().PostFormAsync($"/Accounts/AcceptInvitation?token={Uri.EscapeDataString(token)}", new()
        {
            ["Input.Token"] = token, ["Input.FirstName"] = "Max", ["Input.Surname"] = "Muster", ["Input.MobileNumber"] = "030 123456",
            ["Input.PostalCode"] = "10115", ["Input.Password"] = "Teammate9Pass", ["Input.ConfirmPassword"] = "Teammate9Pass", ["Input.AcceptTerms"] = "true",
        });

        accepted.StatusCode.Should().Be(HttpStatusCode.Redirect, WebUtility.HtmlDecode(await accepted.Content.ReadAsStringAsync()));
        (await factory.Database.ScalarAsync<string>("SELECT phone_number FROM accounts.users WHERE email = @e", ("e", memberEmail))).Should().Be("+4930123456");
    }

    [GeneratedRegex("<option selected=\"selected\" value=\"([A-Z]{2})\">")]
    private static partial Regex SelectedCountry();

    [GeneratedRegex("id=\"Input_MobileNumber\"[^>]*value=\"([^\"]*)\"")]
    private static partial Regex MobileValue();

    [GeneratedRegex("AcceptInvitation\\?token=([^\"&<]+)")]
    private static partial Regex InvitationLink();
}
