using System.Net;
using System.Text.RegularExpressions;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration;

public sealed partial class AuthorizationTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    [Theory]
    [InlineData("/Dashboard")]
    [InlineData("/Accounts/Profile")]
    [InlineData("/Accounts/Team")]
    [InlineData("/Admin")]
    [InlineData("/Admin/Jobs")]
    [InlineData("/Campaigns")]
    public async Task Anonymous_visitors_are_sent_to_log_in(string path)
    {
        var response = await factory.CreateFormClient().Http.GetAsync(path);

        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        response.Headers.Location!.ToString().Should().Contain("/Accounts/Login");
    }

    [Theory]
    [InlineData("/Admin")]
    [InlineData("/Admin/Jobs")]
    public async Task A_company_user_cannot_reach_the_admin_area(string path)
    {
        var owner = await factory.RegisterCompanyAsync($"Not Admin {Guid.NewGuid():N}", $"notadmin-{Guid.NewGuid():N}@example.com");

        var response = await owner.Http.GetAsync(path);

        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        response.Headers.Location!.ToString().Should().Contain("/Accounts/AccessDenied");
    }

    [Fact]
    public async Task An_admin_reaches_the_jobs_dashboard()
    {
        var admin = await factory.LoginAsync(PlatformFactory.AdminEmail, PlatformFactory.AdminPassword);
        var (status, body) = await admin.GetAsync("/Admin/Jobs/recurring");
        status.Should().Be(HttpStatusCode.OK);
        body.Should().Contain("accounts.purge-expired-invitations");
    }

    [Fact]
    public async Task An_invited_member_joins_the_company_but_cannot_reach_owner_only_pages()
    {
        var owner = await factory.RegisterCompanyAsync("Team Co", "owner@teamco.example");
        var invite = await owner.PostFormAsync("/Accounts/Team", new() { ["Input.Email"] = "member@teamco.example", ["Input.Role"] = "Member" });
        invite.StatusCode.Should().Be(HttpStatusCode.OK);
        var link = InvitationLink().Match(await invite.Content.ReadAsStringAsync());
        link.Success.Should().BeTrue("the owner is shown the invitation link once");
        var token = WebUtility.HtmlDecode(link.Groups[1].Value);
        (await factory.Database.ScalarAsync<string>("SELECT token_hash FROM accounts.invitations WHERE email = 'member@teamco.example'"))
            .Should().NotBe(token, "only a hash of the token is stored");

        var member = factory.CreateFormClient();
        var acceptance = PlatformFactory.InvitationAcceptanceForm(Uri.UnescapeDataString(token));
        var unticked = await member.PostFormAsync($"/Accounts/AcceptInvitation?token={token}", acceptance);
        unticked.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await unticked.Content.ReadAsStringAsync()).Should().Contain("Accept the terms and the privacy policy to join.");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM accounts.users WHERE email = 'member@teamco.example'")).Should().Be(0);

        acceptance["Input.AcceptTerms"] = "true";
        var accepted = await member.PostFormAsync($"/Accounts/AcceptInvitation?token={token}", acceptance);
        accepted.StatusCode.Should().Be(HttpStatusCode.Redirect, WebUtility.HtmlDecode(await accepted.Content.ReadAsStringAsync()));
        (await factory.Database.ScalarAsync<string>("SELECT terms_version FROM accounts.users WHERE email = 'member@teamco.example' AND terms_accepted_at IS NOT NULL"))
            .Should().Be(Platform.Modules.Shared.PrivacyPolicyVersion.Current, "the member's own acceptance of the policy version is recorded");

        var (dashboardStatus, dashboard) = await member.GetAsync("/Dashboard");
        dashboardStatus.Should().Be(HttpStatusCode.OK);
        dashboard.Should().Contain("Team Co");

        var team = await member.Http.GetAsync("/Accounts/Team");
        team.StatusCode.Should().Be(HttpStatusCode.Redirect);
        team.Headers.Location!.ToString().Should().Contain("/Accounts/AccessDenied");

        var forgedInvite = await member.Http.PostAsync("/Accounts/Team", new FormUrlEncodedContent(new Dictionary<string, string> { ["Input.Email"] = "x@example.com" }));
        forgedInvite.StatusCode.Should().NotBe(HttpStatusCode.OK);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM accounts.invitations WHERE email = 'x@example.com'")).Should().Be(0);

        // A Member's profile post cannot rename the company.
        var profile = await member.PostFormAsync("/Accounts/Profile", new()
        {
            ["Input.FirstName"] = "Mo",
            ["Input.Surname"] = "Member",
            ["Input.MobileNumber"] = "+15551230002",
            ["Input.PostalCode"] = "10001",
            ["Input.CompanyName"] = "Hijacked Co",
        });
        profile.StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM accounts.companies WHERE name = 'Hijacked Co'")).Should().Be(0);

        // The link works once.
        var again = await factory.CreateFormClient().GetAsync($"/Accounts/AcceptInvitation?token={token}");
        again.Body.Should().Contain("This invitation link is not valid");
    }

    [Fact]
    public async Task A_team_page_shows_only_its_own_company()
    {
        var first = await factory.RegisterCompanyAsync("Tenant A", "a@tenant.example");
        await factory.RegisterCompanyAsync("Tenant B", "b@tenant.example");

        var (_, body) = await first.GetAsync("/Accounts/Team");

        body.Should().Contain("a@tenant.example").And.NotContain("b@tenant.example");
    }

    [Fact]
    public async Task The_owner_edits_profile_and_company_with_validation()
    {
        var owner = await factory.RegisterCompanyAsync("Profile Co", "profile@example.com");

        var bad = await owner.PostFormAsync("/Accounts/Profile", new()
        {
            ["Input.FirstName"] = "",
            ["Input.Surname"] = "Lovelace",
            ["Input.MobileNumber"] = "not a number",
            ["Input.PostalCode"] = "SW1A 1AA",
            ["Input.CompanyName"] = "Renamed Co",
        });
        bad.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await bad.Content.ReadAsStringAsync()).Should().Contain("Enter your first name.");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM accounts.companies WHERE name = 'Renamed Co'")).Should().Be(0);

        var good = await owner.PostFormAsync("/Accounts/Profile", new()
        {
            ["Input.FirstName"] = "Augusta",
            ["Input.Surname"] = "King",
            ["Input.MobileNumber"] = "+44 7700 900999",
            ["Input.PostalCode"] = "SW1A 2AA",
            ["Input.CompanyName"] = "Renamed Co",
            ["Input.MarketSector"] = "Retail",
        });
        good.StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await factory.Database.ScalarAsync<string>("SELECT market_sector FROM accounts.companies WHERE name = 'Renamed Co'")).Should().Be("Retail");
        (await factory.Database.ScalarAsync<string>("SELECT phone_number FROM accounts.users WHERE email = 'profile@example.com'")).Should().Be("+447700900999");
    }

    [GeneratedRegex("AcceptInvitation\\?token=([^\"&<]+)")]
    private static partial Regex InvitationLink();
}
