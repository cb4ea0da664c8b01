using System.Net;
using Platform.Modules.Shared;
using Platform.Tests.Integration.Campaigns;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Accounts;

/// <summary>
/// An admin suspends a company with a reason and lifts it (issue #17, the Terms' promise): its users are signed out and
/// cannot sign in, its campaigns pause, its API keys get a 403 that says why, STOP from its recipients still works; after
/// the lift its users sign in, its campaigns stay paused until an owner resumes them. Audited and emailed.
/// </summary>
public sealed class AccountSuspensionTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private const string Password = "Passw0rdPassw0rd";

    [Fact]
    public async Task A_suspended_company_cannot_sign_in_or_send_its_recipients_can_still_stop_and_a_lift_leaves_campaigns_paused()
    {
        var name = $"Suspended Pizza {Guid.NewGuid():N}";
        var email = $"{Guid.NewGuid():N}@standing.example";
        var owner = await factory.RegisterCompanyAsync(name, email);
        var companyId = await factory.Database.ScalarAsync<Guid>("SELECT id FROM accounts.companies WHERE name = @n", ("n", name));
        using var api = factory.ApiClient(await ApiFactory.CreateKeyAsync(owner));
        const string handset = "+447700930001";
        var sent = await api.PostAsync("/api/v1/messages", ApiFactory.Json(new { from = "PLATFORM", to = handset, text = "Your pizza is on its way" }));
        sent.StatusCode.Should().Be(HttpStatusCode.Accepted);
        var sentId = (await ApiFactory.ReadAsync(sent)).GetProperty("messages")[0].GetProperty("id").GetString()!;
        (await ApiFactory.WaitForFinalAsync(api, sentId, TimeSpan.FromMinutes(1))).GetProperty("status").GetString().Should().Be("delivered");
        var listId = await factory.ListAsync(companyId, "Tomorrow list", 3, first: 930100);
        var campaignId = await SendingFactory.CreateCampaignAsync(owner, SendingFactory.CampaignForm("Tomorrow", listId, DateTime.UtcNow.AddDays(1).ToString("yyyy-MM-ddTHH:mm")));
        await factory.Database.WaitForAsync("the campaign scheduled", TimeSpan.FromSeconds(30), "SELECT status = 'Scheduled' FROM campaigns.campaigns WHERE id = @id", ("id", campaignId));
        var admin = await factory.LoginAsync(PlatformFactory.AdminEmail, PlatformFactory.AdminPassword);

        // No reason: a clear message, nothing changes.
        var empty = await admin.PostFormAsync($"/Admin/Companies?company={companyId}", new() { ["Suspend.CompanyId"] = companyId.ToString(), ["Suspend.Reason"] = " " }, handler: "Suspend");
        empty.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await empty.Content.ReadAsStringAsync()).Should().Contain("Say why the company is suspended");
        (await factory.Database.ScalarAsync<bool>("SELECT suspended_at IS NULL FROM accounts.companies WHERE id = @c", ("c", companyId))).Should().BeTrue();

        var suspended = await admin.PostFormAsync($"/Admin/Companies?company={companyId}", new() { ["Suspend.CompanyId"] = companyId.ToString(), ["Suspend.Reason"] = "Unpaid invoices" }, handler: "Suspend");
        suspended.StatusCode.Should().Be(HttpStatusCode.Redirect, WebUtility.HtmlDecode(await suspended.Content.ReadAsStringAsync()));
        var (_, managed) = await admin.GetAsync(suspended.Headers.Location!.OriginalString);
        WebUtility.HtmlDecode(managed).Should().Contain("Suspended since").And.Contain("Unpaid invoices").And.Contain(PlatformFactory.AdminEmail, "the history names the admin");

        // Signed out at once; the right password is told why, a wrong one gets the usual answer.
        (await owner.GetAsync("/Dashboard")).Status.Should().Be(HttpStatusCode.Redirect, "the owner's session ended");
        var refused = await factory.CreateFormClient().PostFormAsync("/Accounts/Login", new() { ["Input.Email"] = email, ["Input.Password"] = Password });
        refused.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync()).Should().Contain("Your company's account is suspended (Unpaid invoices)");
        var wrong = await factory.CreateFormClient().PostFormAsync("/Accounts/Login", new() { ["Input.Email"] = email, ["Input.Password"] = "Wrong9Password" });
        WebUtility.HtmlDecode(await wrong.Content.ReadAsStringAsync()).Should().Contain(SignInMessages.Failed).And.NotContain("account is suspended");

        // Sending stops: the campaign is paused by the event, the API answers 403 with the reason and queues nothing.
        await factory.Database.WaitForAsync("the campaign paused", TimeSpan.FromSeconds(60), "SELECT status = 'Paused' FROM campaigns.campaigns WHERE id = @id", ("id", campaignId));
        var blocked = await api.PostAsync("/api/v1/messages", ApiFactory.Json(new { from = "PLATFORM", to = handset, text = "Another" }));
        blocked.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await blocked.Content.ReadAsStringAsync()).Should().Contain("suspended (Unpaid invoices)");

        // The recipient's STOP still works.
        await factory.TextPlatformAsync(handset, "STOP");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.suppressions WHERE company_id = @c AND phone = @p", ("c", companyId), ("p", handset))).Should().Be(1);

        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM platform.emails WHERE kind = 'accounts.company-suspended' AND to_address = @e", ("e", email))).Should().Be(1);

        // Lifted: sign-in works again, the campaign stays paused until the owner resumes it.
        var lifted = await admin.PostFormAsync($"/Admin/Companies?company={companyId}", new(), handler: $"Lift&companyId={companyId}");
        lifted.StatusCode.Should().Be(HttpStatusCode.Redirect, WebUtility.HtmlDecode(await lifted.Content.ReadAsStringAsync()));
        var back = await factory.LoginAsync(email, Password);
        (await factory.Database.ScalarAsync<string>("SELECT status FROM campaigns.campaigns WHERE id = @id", ("id", campaignId))).Should().Be("Paused");
        var resumed = await back.PostFormAsync($"/Campaigns/Details/{campaignId}", new() { ["action"] = "resume" });
        resumed.StatusCode.Should().Be(HttpStatusCode.Redirect, WebUtility.HtmlDecode(await resumed.Content.ReadAsStringAsync()));
        (await factory.Database.ScalarAsync<string>("SELECT status FROM campaigns.campaigns WHERE id = @id", ("id", campaignId))).Should().Be("Scheduled");
        (await factory.Database.ScalarAsync<string>("SELECT string_agg(action, ',' ORDER BY at) FROM accounts.company_standing_changes WHERE company_id = @c", ("c", companyId)))
            .Should().Be("suspended,lifted");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM platform.emails WHERE kind = 'accounts.company-reinstated' AND to_address = @e", ("e", email))).Should().Be(1);
    }

    [Fact]
    public async Task Only_a_platform_admin_reaches_the_companies_page()
    {
        var owner = await factory.RegisterCompanyAsync($"Curious {Guid.NewGuid():N}", $"{Guid.NewGuid():N}@curious.example");

        var (status, _) = await owner.GetAsync("/Admin/Companies");

        status.Should().NotBe(HttpStatusCode.OK);
        (await factory.CreateFormClient().GetAsync("/Admin/Companies")).Status.Should().Be(HttpStatusCode.Redirect);
    }
}
