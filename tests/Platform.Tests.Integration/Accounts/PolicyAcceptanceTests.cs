using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Platform.Modules.Shared.Jobs;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Accounts;

/// <summary>
/// A new version of the terms and privacy policy (issue #17, notices: "users re-accept at their next sign-in; the
/// acceptance is recorded"): after the operator publishes it, a business user signing in is asked to accept it before
/// any company page opens, the acceptance is recorded with its time, and they go on where they were going.
/// </summary>
public sealed class PolicyAcceptanceTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    private const string Password = "Passw0rdPassw0rd";

    [Fact]
    public async Task After_a_new_policy_version_a_user_accepts_it_before_the_company_pages_open_and_the_acceptance_is_recorded()
    {
        var email = $"{Guid.NewGuid():N}@policy.example";
        var (owner, _) = await factory.CompanyAsync($"Policy {Guid.NewGuid():N}"[..20], "GB", email);
        (await owner.GetAsync("/Dashboard")).Status.Should().Be(HttpStatusCode.OK, "the version in force is the one accepted at registration");
        const string accepted = "SELECT terms_version || '|' || (terms_accepted_at > now() - interval '1 minute') FROM accounts.users WHERE email = @e";
        var registered = await factory.Database.ScalarAsync<string>("SELECT terms_version FROM accounts.users WHERE email = @e", ("e", email));

        // The operator publishes a new version and restarts: another host on the same database with that setting.
        await using var restarted = factory.WithWebHostBuilder(host => host
            .UseSetting("Platform:Jobs:ServerName", $"policy-{Guid.NewGuid():N}")
            .UseSetting("Platform:Accounts:TermsVersion", "2027-01-15"));
        // Everyone who has not accepted it is emailed once, however often the announcement job runs.
        for (var run = 0; run < 2; run++)
        {
            await using var scope = restarted.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<RecurringJobRunner>().RunAsync("accounts.announce-policy", CancellationToken.None);
        }

        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM platform.emails WHERE kind = 'accounts.policy-changed' AND to_address = @e", ("e", email))).Should().Be(1);
        (await factory.Database.ScalarAsync<string>("SELECT text_body FROM platform.emails WHERE kind = 'accounts.policy-changed' AND to_address = @e", ("e", email)))
            .Should().Contain("Version 2027-01-15").And.Contain("/Accounts/AcceptPolicy");
        (await factory.Database.ScalarAsync<string>("SELECT policy_announced FROM accounts.users WHERE email = @e", ("e", email))).Should().Be("2027-01-15");

        var user = await PlatformFactory.LoginAsync(restarted, email, Password);

        using (var refused = await user.Http.GetAsync("/Campaigns/Lists?page=2"))
        {
            refused.StatusCode.Should().Be(HttpStatusCode.Redirect);
            refused.Headers.Location!.OriginalString.Should().Be("/Accounts/AcceptPolicy?returnUrl=%2FCampaigns%2FLists%3Fpage%3D2");
        }

        var (status, page) = await user.GetAsync("/Accounts/AcceptPolicy?returnUrl=%2FCampaigns%2FLists");
        status.Should().Be(HttpStatusCode.OK);
        page.Should().Contain($"You accepted version {registered}; version 2027-01-15 is now in force").And.Contain("href=\"/privacy\"");

        // Not ticked, or a forged value: a clear message, nothing recorded, the pages stay closed.
        var unticked = await user.PostFormAsync("/Accounts/AcceptPolicy", new() { ["ReturnUrl"] = "/Campaigns/Lists" });
        unticked.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await unticked.Content.ReadAsStringAsync()).Should().Contain("Tick the box to accept the new terms and privacy policy");
        var forged = await user.PostFormAsync("/Accounts/AcceptPolicy", new() { ["Input.Accept"] = "maybe", ["ReturnUrl"] = "/Campaigns/Lists" });
        forged.StatusCode.Should().Be(HttpStatusCode.OK);
        (await factory.Database.ScalarAsync<string>("SELECT terms_version FROM accounts.users WHERE email = @e", ("e", email))).Should().Be(registered);
        (await user.Http.GetAsync("/Dashboard")).StatusCode.Should().Be(HttpStatusCode.Redirect);

        // Accepted: recorded with its time, and on to the page asked for (never to another site).
        var accept = await user.PostFormAsync("/Accounts/AcceptPolicy", new() { ["Input.Accept"] = "true", ["ReturnUrl"] = "/Campaigns/Lists" });
        accept.StatusCode.Should().Be(HttpStatusCode.Redirect);
        accept.Headers.Location!.OriginalString.Should().Be("/Campaigns/Lists");
        (await factory.Database.ScalarAsync<string>(accepted, ("e", email))).Should().Be("2027-01-15|true");
        (await user.GetAsync("/Campaigns/Lists")).Status.Should().Be(HttpStatusCode.OK);
        (await user.GetAsync("/Dashboard")).Status.Should().Be(HttpStatusCode.OK);

        var elsewhere = await user.Http.GetAsync("/Accounts/AcceptPolicy?returnUrl=https%3A%2F%2Fevil.example%2F");
        elsewhere.StatusCode.Should().Be(HttpStatusCode.Redirect, "already accepted: the page sends the user on");
        elsewhere.Headers.Location!.OriginalString.Should().Be("/Dashboard");
    }
}
