using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Platform.Modules.Shared;
using Platform.Tests.Integration.Infrastructure;
using Platform.Tests.Integration.OptIns;
using static Platform.Tests.Integration.Privacy.PrivacyTestKit;

namespace Platform.Tests.Integration.Privacy;

/// <summary>Promises of the seed policies not proven elsewhere (docs/privacy.md maps every promise to its test).</summary>
public sealed class PolicyPromisesTests(OptInsFactory factory) : IClassFixture<OptInsFactory>
{
    [Fact]
    public async Task Children_under_18_cannot_submit_personal_data_to_register_a_business_and_nothing_is_stored()
    {
        var email = $"minor.{Guid.NewGuid():N}@example.com";
        var form = PlatformFactory.RegistrationForm("Minor Co", email);
        form["Input.IsAdult"] = "false";

        var response = await factory.CreateFormClient().PostFormAsync("/Accounts/Register", form);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()).Should().Contain("You must be 18 or over to register a company.");
        (await FindEverywhereAsync(factory.Database, email)).Should().BeEmpty();
    }

    [Fact]
    public async Task Emails_are_kept_as_long_as_the_policy_says_and_then_leave()
    {
        var (_, policy) = await factory.CreateFormClient().GetAsync("/privacy");
        WebUtility.HtmlDecode(policy).Should().Contain($"for {Platform.Modules.Shared.EmailLog.RetentionText} after it was sent");
        var days = (int)Platform.Modules.Shared.EmailLog.Retention.TotalDays;
        var (old, recent) = (Guid.NewGuid(), Guid.NewGuid());
        await factory.Database.ExecuteAsync($"""
            INSERT INTO platform.emails (id, dedup_key, kind, message_id, to_address, subject, text_body, html_body, state, finished_at)
            VALUES ('{old}', 'test:{old}', 'test.old', '{old:N}@test', 'old@retention.example', 'Old', 'x', 'x', 2, now() - interval '{days + 1} days'),
                   ('{recent}', 'test:{recent}', 'test.recent', '{recent:N}@test', 'recent@retention.example', 'Recent', 'x', 'x', 2, now() - interval '{days - 1} days');
            """);

        await factory.Database.WaitForAsync("the sending job's purge", TimeSpan.FromSeconds(60), "SELECT NOT EXISTS (SELECT 1 FROM platform.emails WHERE id = @id)", ("id", old));
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM platform.emails WHERE id = @id", ("id", recent))).Should().Be(1, "younger than the policy's retention");
    }

    [Fact]
    public async Task Card_numbers_and_security_codes_are_never_stored_only_what_Stripe_returns_for_the_invoice()
    {
        // The seed policy stored card numbers; we redirect to Stripe Checkout instead and keep what the invoice shows.
        var columns = await factory.Database.ScalarAsync<long>(
            """
            SELECT count(*) FROM information_schema.columns
            WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
              AND column_name ~ '(^|_)(card_number|pan|cvc|cvv|cvc2|security_code|iban)($|_)'
            """);
        var cardColumns = await factory.Database.ScalarAsync<string>(
            """
            SELECT string_agg(table_schema || '.' || table_name || '.' || column_name, ',' ORDER BY column_name) FROM information_schema.columns
            WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND column_name LIKE 'card%'
            """);

        columns.Should().Be(0, "no table has a place for a card number or security code");
        cardColumns.Should().Be("billing.purchases.card_brand,billing.purchases.card_exp_month,billing.purchases.card_exp_year,billing.purchases.card_last4",
            "only the brand, last four digits and expiry Stripe returns are kept, on the purchase its invoice shows");
        var (_, policy) = await factory.CreateFormClient().GetAsync("/privacy");
        System.Net.WebUtility.HtmlDecode(policy).Should().Contain("no card number or security code ever reaches our servers")
            .And.Contain("last four digits and expiry — never its number");
    }

    [Fact]
    public async Task The_cookie_list_is_the_cookies_the_site_sets_with_the_lifetimes_they_really_have_with_and_without_remember_me()
    {
        var (_, policy) = await factory.CreateFormClient().GetAsync("/privacy");
        policy = WebUtility.HtmlDecode(policy);
        await factory.CompanyWithKeywordAsync("Cookie Pizza", "COOKIEPZ");
        var person = await SubscriberAsync(factory, "COOKIEPZ", "cookie");
        var setCookies = new List<(string Header, DateTimeOffset At)>();
        void Keep(HttpResponseMessage response) =>
            setCookies.AddRange((response.Headers.TryGetValues("Set-Cookie", out var values) ? values : []).Select(v => (v, DateTimeOffset.UtcNow)));

        var business = factory.CreateFormClient();
        var businessEmail = $"c.{Guid.NewGuid():N}@example.com";
        Keep(await business.PostFormAsync("/Accounts/Register", PlatformFactory.RegistrationForm("Cookie Co", businessEmail)));
        Keep(await business.Http.GetAsync(await PlatformFactory.ConfirmationLinkAsync(factory.Database, businessEmail)));
        var signIn = await business.PostFormAsync("/Accounts/Login", new() { ["Input.Email"] = businessEmail, ["Input.Password"] = "Passw0rdPassw0rd" });
        signIn.StatusCode.Should().Be(HttpStatusCode.Redirect);
        Keep(signIn);
        Keep(await business.Http.GetAsync("/Privacy/Account"));
        Keep(await business.PostFormAsync("/Privacy/Account", new() { ["NewsletterSms"] = "true" }, handler: "Consents"));
        var remembered = factory.CreateFormClient();
        var rememberedSignIn = await remembered.PostFormAsync("/Accounts/Login", new() { ["Input.Email"] = businessEmail, ["Input.Password"] = "Passw0rdPassw0rd", ["Input.RememberMe"] = "true" });
        rememberedSignIn.StatusCode.Should().Be(HttpStatusCode.Redirect);
        Keep(rememberedSignIn);
        // An admin signs in with two factors: the step between password and code has a cookie of its own.
        var admin = factory.CreateFormClient();
        var password = await admin.PostFormAsync("/Accounts/Login", new() { ["Input.Email"] = PlatformFactory.AdminEmail, ["Input.Password"] = PlatformFactory.AdminPassword });
        Keep(password);
        Keep(await TestAdmins.CompleteTwoFactorAsync(admin, password.Headers.Location!.OriginalString));
        Keep(await factory.CreateFormClient().Http.GetAsync("/Accounts/Login"));
        Keep(await factory.CreateFormClient().PostFormAsync("/OptIns/Me/Login", new() { ["Input.Email"] = person.Email, ["Input.Password"] = SubscriberPassword }));

        var set = setCookies.Where(c => !c.Header.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase)).ToList();
        set.Select(c => Name(c.Header)).Distinct().Should().Contain([PlatformCookies.BusinessSession, PlatformCookies.SubscriberSession, PlatformCookies.Antiforgery, PlatformCookies.TwoFactorStep]);
        foreach (var (header, at) in set)
        {
            var name = Name(header);
            var listed = PlatformCookies.All.SingleOrDefault(c => c.Name == name);
            listed.Should().NotBeNull($"{name} is set by the site, so the policy's list (PlatformCookies) names it");
            policy.Should().Contain($"<td class=\"cookie-lifetime\">{listed!.Lifetime}</td>", $"the policy states {name}'s lifetime");
            var expires = System.Text.RegularExpressions.Regex.Match(header, "expires=([^;]+)", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
            if (!expires.Success)
            {
                header.Should().NotContainEquivalentOf("max-age", $"{name} without an expiry is a session cookie");
                continue;
            }

            // Kept by the browser: only as long as the list says, with "Remember me" where it says so.
            var lifetime = DateTimeOffset.Parse(expires.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) - at;
            var allowed = new[] { listed.KeptFor, listed.KeptForWhenRemembered }.OfType<TimeSpan>().ToList();
            allowed.Should().NotBeEmpty($"{name} has an expiry ({expires.Groups[1].Value}), so the policy must give it one");
            allowed.Should().Contain(a => Math.Abs((a - lifetime).TotalMinutes) < 2, $"{name} is kept {lifetime} by the browser");
        }

        set.Where(c => Name(c.Header) == PlatformCookies.BusinessSession).Count(c => c.Header.Contains("expires=", StringComparison.OrdinalIgnoreCase))
            .Should().Be(1, "only the sign-in with Remember me is kept after the browser closes");
        (await factory.CreateFormClient().Http.GetAsync("/Dashboard")).StatusCode.Should().Be(HttpStatusCode.Redirect, "without the cookie an account cannot be used");
    }

    [Fact]
    public async Task Every_carrier_configured_is_named_as_a_recipient_with_the_numbers_routed_to_it()
    {
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var store = scope.ServiceProvider.GetRequiredService<Platform.Host.Carriers.CarrierConfigurationStore>();
            await store.SaveInstanceAsync(new() { Name = "policy-smpp", Kind = "smpp", Settings = new() { ["Host"] = "127.0.0.1", ["Port"] = "2775", ["SystemId"] = "p", ["Password"] = "p" } }, CancellationToken.None);
            await store.SaveInstanceAsync(new() { Name = "policy-http", Kind = "http", Settings = new() { ["Url"] = "https://sms.example/api" } }, CancellationToken.None);
            await store.AddRouteAsync(new() { Prefix = "+353", Instance = "policy-smpp", Priority = 10 }, CancellationToken.None);
            await store.AddRouteAsync(new() { Prefix = "+49", Instance = "policy-http", Priority = 10 }, CancellationToken.None);
        }

        var (_, policy) = await factory.CreateFormClient().GetAsync("/privacy");
        policy = WebUtility.HtmlDecode(policy);

        policy.Should().Contain("Mobile network carrier 'policy-smpp' (SMPP)").And.Contain("Numbers starting +353")
            .And.Contain("Mobile network carrier 'policy-http' (HTTP)").And.Contain("Numbers starting +49")
            .And.Contain("The built-in carrier simulator", "the test host's own carrier is the simulator, and it is named as one");
        policy.Should().NotContain("We do not share, sell or transfer your personal data to third parties", "carriers, Stripe and the mail server do receive it");
    }

    [Fact]
    public async Task One_age_rule_of_18_holds_on_every_path_and_the_policy_states_it_once()
    {
        AgeRule.BusinessConfirmation.Should().Contain(AgeRule.Minimum.ToString(System.Globalization.CultureInfo.InvariantCulture));
        AgeRule.BusinessRefusal.Should().Contain(AgeRule.Minimum.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var (_, policy) = await factory.CreateFormClient().GetAsync("/privacy");
        policy = WebUtility.HtmlDecode(policy);
        policy.Split(AgeRule.PolicyStatement).Length.Should().Be(2, "the rule is stated once");
        policy.Should().NotContain("(16)").And.NotContain("16 or under");

        // The first reply to a new number states it: a text message cannot show an age.
        await factory.CompanyWithKeywordAsync("Age Rule Bakery", "AGERULE");
        var handset = Infrastructure.TestHandsets.New("+44770090", 1000, 9999);
        await factory.TextPlatformAsync(handset, "AGERULE");
        factory.Outbox.To(handset).Should().ContainSingle().Which.Text.Should().Contain(AgeRule.SmsNotice);

        // The end-user web registration offers no age band below it.
        var (_, register) = await factory.CreateFormClient().GetAsync("/OptIns/Me/Register");
        WebUtility.HtmlDecode(register).Should().Contain($"minimum age ({AgeRule.Minimum})");
    }

    [Fact]
    public async Task What_a_company_holds_on_its_contact_list_says_the_company_sees_it()
    {
        var (_, policy) = await factory.CreateFormClient().GetAsync("/privacy");
        policy = WebUtility.HtmlDecode(policy);

        foreach (var item in new[] { "Campaigns.Contact.Phone", "Campaigns.Contact.FirstName", "Campaigns.Contact.LastName" })
        {
            var row = System.Text.RegularExpressions.Regex.Match(policy, $"<tr data-item=\"{item}\">.*?</tr>", System.Text.RegularExpressions.RegexOptions.Singleline).Value;
            row.Should().Contain("The company that holds your number", $"{item} is on the company's own list").And.NotContain("never these details");
        }
    }

    [Fact]
    public async Task A_changed_policy_is_a_new_version_that_business_users_accept()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var inventory = scope.ServiceProvider.GetRequiredService<Platform.Modules.Privacy.Features.PersonalDataInventory>();
        var published = Platform.Modules.Privacy.Features.PolicyVersions.All[^1];

        published.Name.Should().Be(PrivacyPolicyVersion.Current, "the version list ends with the version in force");
        Platform.Modules.Privacy.Features.PolicyFingerprint.Of(inventory).Should().Be(published.Fingerprint,
            "the generated policy (inventory, cookies, age rule) changed: publish it as a new version in PolicyVersions and PrivacyPolicyVersion, which every business user accepts");
        scope.ServiceProvider.GetRequiredService<Microsoft.Extensions.Options.IOptions<Platform.Modules.Accounts.AccountsOptions>>().Value.TermsVersion
            .Should().Be(PrivacyPolicyVersion.Current, "users accept the version the policy page publishes");
        var (_, policy) = await factory.CreateFormClient().GetAsync("/privacy");
        policy.Should().Contain($"Version {PrivacyPolicyVersion.Current}.");
    }

    private static string Name(string setCookie) => setCookie[..setCookie.IndexOf('=')];
}
