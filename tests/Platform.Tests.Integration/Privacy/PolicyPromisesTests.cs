using System.Net;
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
    public async Task Our_cookies_are_session_cookies_that_end_when_the_browser_closes_and_all_are_listed_in_the_policy()
    {
        var (_, policy) = await factory.CreateFormClient().GetAsync("/privacy");
        await factory.CompanyWithKeywordAsync("Cookie Pizza", "COOKIEPZ");
        var person = await SubscriberAsync(factory, "COOKIEPZ", "cookie");
        var setCookies = new List<string>();

        var business = factory.CreateFormClient();
        var businessEmail = $"c.{Guid.NewGuid():N}@example.com";
        var register = await business.PostFormAsync("/Accounts/Register", PlatformFactory.RegistrationForm("Cookie Co", businessEmail));
        setCookies.AddRange(register.Headers.TryGetValues("Set-Cookie", out var a) ? a : []);
        var confirmed = await business.Http.GetAsync(await PlatformFactory.ConfirmationLinkAsync(factory.Database, businessEmail));
        setCookies.AddRange(confirmed.Headers.TryGetValues("Set-Cookie", out var a2) ? a2 : []);
        var signIn = await business.PostFormAsync("/Accounts/Login", new() { ["Input.Email"] = businessEmail, ["Input.Password"] = "Passw0rdPassw0rd" });
        signIn.StatusCode.Should().Be(HttpStatusCode.Redirect);
        setCookies.AddRange(signIn.Headers.TryGetValues("Set-Cookie", out var a3) ? a3 : []);
        var page = await business.Http.GetAsync("/Privacy/Account");
        setCookies.AddRange(page.Headers.TryGetValues("Set-Cookie", out var b) ? b : []);
        var saved = await business.PostFormAsync("/Privacy/Account", new() { ["NewsletterSms"] = "true" }, handler: "Consents");
        setCookies.AddRange(saved.Headers.TryGetValues("Set-Cookie", out var c) ? c : []);
        var login = await factory.CreateFormClient().PostFormAsync("/OptIns/Me/Login", new() { ["Input.Email"] = person.Email, ["Input.Password"] = SubscriberPassword });
        setCookies.AddRange(login.Headers.TryGetValues("Set-Cookie", out var d) ? d : []);

        setCookies.Should().NotBeEmpty();
        foreach (var cookie in setCookies.Where(c => !c.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase)))
        {
            var name = cookie[..cookie.IndexOf('=')];
            cookie.Should().NotContainEquivalentOf("expires=").And.NotContainEquivalentOf("max-age", $"{name} is a session cookie");
            policy.Should().Contain($">{name}<", $"the cookie notice lists {name}");
        }

        (await factory.CreateFormClient().Http.GetAsync("/Dashboard")).StatusCode.Should().Be(HttpStatusCode.Redirect, "without the cookie an account cannot be used");
    }
}
