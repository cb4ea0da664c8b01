using System.Net;
using System.Text.RegularExpressions;
using Platform.Tests.Integration.Campaigns;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Accounts;

/// <summary>
/// Registration confirms the email address (issues #15 and #17): the form answers the same for a new and a taken address
/// and signs nobody in; until the owner opens the emailed link the company can look around but not send campaigns or API
/// messages, nor buy credits.
/// </summary>
public sealed partial class AddressConfirmationTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private const string Password = "Passw0rdPassw0rd";

    [Fact]
    public async Task A_new_address_and_a_taken_one_get_the_same_answer_and_neither_is_signed_in()
    {
        var taken = $"{Guid.NewGuid():N}@taken.example";
        await factory.RegisterCompanyAsync($"Taken {Guid.NewGuid():N}", taken);
        var fresh = $"{Guid.NewGuid():N}@fresh.example";

        var answers = new List<string>();
        foreach (var email in new[] { fresh, taken })
        {
            var client = factory.CreateFormClient();
            var response = await client.PostFormAsync("/Accounts/Register", PlatformFactory.RegistrationForm($"Same Answer {Guid.NewGuid():N}", email));
            response.StatusCode.Should().Be(HttpStatusCode.Redirect);
            response.Headers.Location!.OriginalString.Should().Be("/Accounts/Login");
            response.Headers.GetValues("Set-Cookie").Should().NotContain(c => c.StartsWith("platform.auth=", StringComparison.Ordinal), "nobody is signed in");
            var (_, login) = await client.GetAsync("/Accounts/Login");
            answers.Add(WebUtility.HtmlDecode(MessageOnLogin().Match(login).Groups[1].Value).Replace(email, "EMAIL", StringComparison.Ordinal));
            (await client.GetAsync("/Dashboard")).Status.Should().Be(HttpStatusCode.Redirect, "the registration signed nobody in");
        }

        answers[0].Should().Contain("Check your email").And.Be(answers[1], "the answer must not tell who is a customer");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM platform.emails WHERE kind = 'accounts.confirm-email' AND to_address = @e", ("e", fresh))).Should().Be(1);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM platform.emails WHERE kind = 'accounts.confirm-email' AND to_address = @e", ("e", taken)))
            .Should().Be(1, "the holder of the taken address got only the confirmation of their own registration");
    }

    [Fact]
    public async Task An_unconfirmed_company_cannot_send_or_buy_until_the_owner_opens_the_link_and_then_can()
    {
        var email = $"{Guid.NewGuid():N}@unconfirmed.example";
        var company = $"Unconfirmed Pizza {Guid.NewGuid():N}";
        var owner = factory.CreateFormClient();
        (await owner.PostFormAsync("/Accounts/Register", PlatformFactory.RegistrationForm(company, email))).StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await owner.PostFormAsync("/Accounts/Login", new() { ["Input.Email"] = email, ["Input.Password"] = Password })).StatusCode
            .Should().Be(HttpStatusCode.Redirect, "an unconfirmed owner may sign in, to see why nothing can be sent");
        var companyId = await factory.Database.ScalarAsync<Guid>("SELECT id FROM accounts.companies WHERE name = @n", ("n", company));

        var (_, dashboard) = await owner.GetAsync("/Dashboard");
        dashboard.Should().Contain("id=\"unconfirmed-banner\"").And.Contain("id=\"resend-confirmation\"");

        // A campaign "Send now" is refused before anything is saved.
        var listId = await factory.ListAsync(companyId, "Unconfirmed list", 3);
        var create = await owner.PostFormAsync("/Campaigns/Create", SendingFactory.CampaignForm("Too early", listId));
        create.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await create.Content.ReadAsStringAsync()).Should().Contain("Confirm your company's email address first");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.campaigns WHERE company_id = @c", ("c", companyId))).Should().Be(0);

        // The send API answers 403 with the reason, as problem+json, and queues nothing.
        using var api = factory.ApiClient(await ApiFactory.CreateKeyAsync(owner));
        var sent = await api.PostAsync("/api/v1/messages", ApiFactory.Json(new { from = "PLATFORM", to = "+447700900301", text = "Too early" }));
        sent.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        sent.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        (await sent.Content.ReadAsStringAsync()).Should().Contain("Confirm your company's email address first");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.messages m JOIN campaigns.campaigns c ON c.id = m.campaign_id WHERE c.company_id = @c", ("c", companyId)))
            .Should().Be(0);

        // Buying credits is refused with the same reason, and no purchase is started.
        var buy = await owner.PostFormAsync("/Billing", new() { ["Input.Pack"] = "small" }, "Buy");
        buy.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await buy.Content.ReadAsStringAsync()).Should().Contain("Confirm your company's email address first");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM billing.purchases WHERE company_id = @c", ("c", companyId))).Should().Be(0);

        // The owner opens the emailed link (in the same browser): confirmed, the banner goes, sending works.
        var (status, confirmed) = await owner.GetAsync(await PlatformFactory.ConfirmationLinkAsync(factory.Database, email));
        status.Should().Be(HttpStatusCode.OK);
        confirmed.Should().Contain("id=\"address-confirmed\"").And.Contain("Go to your dashboard");
        (await owner.GetAsync("/Dashboard")).Body.Should().NotContain("id=\"unconfirmed-banner\"");
        (await factory.Database.ScalarAsync<bool>("SELECT confirmed_at IS NOT NULL FROM accounts.companies WHERE id = @c", ("c", companyId))).Should().BeTrue();

        var accepted = await api.PostAsync("/api/v1/messages", ApiFactory.Json(new { from = "PLATFORM", to = "+447700900301", text = "Now" }));
        accepted.StatusCode.Should().Be(HttpStatusCode.Accepted, await accepted.Content.ReadAsStringAsync());
        var campaignId = await SendingFactory.CreateCampaignAsync(owner, SendingFactory.CampaignForm("On time", listId));
        (await factory.WaitForAsync(campaignId, "Completed", TimeSpan.FromSeconds(90)))["delivered"].Should().Be(3);
    }

    [Fact]
    public async Task A_broken_or_foreign_link_gets_a_clear_page_and_confirms_nothing()
    {
        var email = $"{Guid.NewGuid():N}@broken.example";
        var owner = factory.CreateFormClient();
        await owner.PostFormAsync("/Accounts/Register", PlatformFactory.RegistrationForm($"Broken Link {Guid.NewGuid():N}", email));
        var link = await PlatformFactory.ConfirmationLinkAsync(factory.Database, email);
        var userId = await factory.Database.ScalarAsync<Guid>("SELECT id FROM accounts.users WHERE email = @e", ("e", email));
        var other = $"{Guid.NewGuid():N}@other.example";
        await factory.CreateFormClient().PostFormAsync("/Accounts/Register", PlatformFactory.RegistrationForm($"Other {Guid.NewGuid():N}", other));
        var otherUser = await factory.Database.ScalarAsync<Guid>("SELECT id FROM accounts.users WHERE email = @e", ("e", other));

        foreach (var broken in new[]
                 {
                     "/Accounts/ConfirmEmail",
                     $"/Accounts/ConfirmEmail?user={userId}",
                     $"/Accounts/ConfirmEmail?user={userId}&token=forged",
                     $"/Accounts/ConfirmEmail?user=not-a-guid&token=x",
                     link.Replace(userId.ToString(), otherUser.ToString(), StringComparison.Ordinal), // my token on another user's id
                     link[..^6],
                 })
        {
            var (status, page) = await factory.CreateFormClient().GetAsync(broken);
            status.Should().Be(HttpStatusCode.OK, broken);
            page.Should().Contain("id=\"address-link-broken\"", broken).And.NotContain("id=\"address-confirmed\"");
        }

        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM accounts.users WHERE email IN (@a, @b) AND email_confirmed", ("a", email), ("b", other))).Should().Be(0);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM accounts.companies c JOIN accounts.users u ON u.company_id = c.id WHERE u.email IN (@a, @b) AND c.confirmed_at IS NOT NULL", ("a", email), ("b", other)))
            .Should().Be(0);

        // The real link still works, and a second opening is harmless.
        (await factory.CreateFormClient().GetAsync(link)).Body.Should().Contain("id=\"address-confirmed\"");
        (await factory.CreateFormClient().GetAsync(link)).Body.Should().Contain("id=\"address-confirmed\"");
    }

    [Fact]
    public async Task Send_the_link_again_emails_a_new_link_that_works()
    {
        var email = $"{Guid.NewGuid():N}@resend.example";
        var owner = factory.CreateFormClient();
        await owner.PostFormAsync("/Accounts/Register", PlatformFactory.RegistrationForm($"Resend {Guid.NewGuid():N}", email));
        await owner.PostFormAsync("/Accounts/Login", new() { ["Input.Email"] = email, ["Input.Password"] = Password });
        var (_, dashboard) = await owner.GetAsync("/Dashboard");
        dashboard.Should().Contain("id=\"resend-confirmation\"");

        var resent = await owner.PostFormAsync("/Accounts/ConfirmEmail", new() { ["returnUrl"] = "/Campaigns" }, handler: "Resend", tokenFrom: "/Dashboard");

        resent.StatusCode.Should().Be(HttpStatusCode.Redirect);
        resent.Headers.Location!.OriginalString.Should().Be("/Campaigns");
        (await owner.GetAsync("/Campaigns")).Body.Should().Contain("id=\"confirmation-message\"");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM platform.emails WHERE kind = 'accounts.confirm-email' AND to_address = @e", ("e", email))).Should().Be(2);
        var (_, page) = await owner.GetAsync(await PlatformFactory.ConfirmationLinkAsync(factory.Database, email));
        page.Should().Contain("id=\"address-confirmed\"");

        var anonymous = await factory.CreateFormClient().PostFormAsync("/Accounts/ConfirmEmail", new(), handler: "Resend", tokenFrom: "/Accounts/Login");
        anonymous.StatusCode.Should().Be(HttpStatusCode.Redirect);
        anonymous.Headers.Location!.ToString().Should().Contain("/Accounts/Login", "only a signed-in user can ask again");
    }

    [Fact]
    public async Task The_emailed_link_arrives_over_SMTP_on_the_public_address_whatever_Host_the_request_named()
    {
        await using var mail = new MailPlatformFactory();
        await mail.InitializeAsync();
        var email = $"{Guid.NewGuid():N}@smtp.example";
        var owner = mail.CreateFormClient();
        owner.Http.DefaultRequestHeaders.Host = "attacker.example";

        await owner.PostFormAsync("/Accounts/Register", PlatformFactory.RegistrationForm($"Smtp Confirm {Guid.NewGuid():N}", email));

        var message = await mail.Smtp.WaitForAsync(m => m.To.Mailboxes.Any(b => b.Address == email));
        message.Subject.Should().Be("Confirm your email address");
        message.TextBody.Should().NotContain("attacker.example");
        var link = MailPlatformFactory.LinkIn(message, "/Accounts/ConfirmEmail");
        (await mail.CreateFormClient().GetAsync(link)).Body.Should().Contain("id=\"address-confirmed\"");
        var signedIn = await mail.LoginAsync(email, Password);
        (await signedIn.GetAsync("/Dashboard")).Body.Should().NotContain("id=\"unconfirmed-banner\"");
        mail.Smtp.To(email).Should().ContainSingle("one registration, one email");
    }

    [GeneratedRegex("""<div class="alert alert-success"[^>]*>([^<]*)</div>""")]
    private static partial Regex MessageOnLogin();
}
