using System.Text.RegularExpressions;
using System.Net;
using System.Text.Json;
using Platform.Modules.OptIns.Contracts;
using Platform.Tests.Integration.Infrastructure;
using Platform.Tests.Integration.OptIns;
using static Platform.Tests.Integration.Privacy.PrivacyTestKit;

namespace Platform.Tests.Integration.Privacy;

/// <summary>The published inventory, "Download my data" and "Erase my account" for end users and business users.</summary>
public sealed class SelfServiceTests(OptInsFactory factory) : IClassFixture<OptInsFactory>
{
    [Fact]
    public async Task The_privacy_policy_is_public_versioned_and_the_only_policy_page()
    {
        var anonymous = factory.CreateFormClient();
        var (status, html) = await anonymous.GetAsync("/privacy");

        status.Should().Be(HttpStatusCode.OK);
        html.Should().Contain("id=\"policy-version\"").And.Contain($"Version {Platform.Modules.Shared.PrivacyPolicyVersion.Current}");
        foreach (var person in new[] { "Visitor", "BusinessUser", "EndUser", "BillingContact" })
        {
            html.Should().Contain($"data-person=\"{person}\"");
        }

        var old = await anonymous.Http.GetAsync("/Legal/Privacy");
        old.StatusCode.Should().Be(HttpStatusCode.MovedPermanently);
        old.Headers.Location!.ToString().Should().Be("/privacy");
        (await anonymous.GetAsync("/")).Body.Should().Contain("href=\"/privacy\"", "the footer links the one policy page");
    }

    [Fact]
    public async Task The_published_inventory_is_generated_from_every_PersonalData_declaration()
    {
        var declared = Platform.Host.Infrastructure.ModuleRegistry.Modules
            .SelectMany(m => m.Assembly.GetTypes().SelectMany(t => t.GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.DeclaredOnly)
                .Where(p => p.GetCustomAttributes(typeof(Platform.Modules.Shared.PersonalDataAttribute), true).Length > 0)
                .Select(p => $"{m.Name}.{t.Name}.{p.Name}")))
            .ToList();
        var client = factory.CreateFormClient();
        var published = new List<string>();
        foreach (var person in new[] { "Visitor", "BusinessUser", "EndUser", "BillingContact" })
        {
            published.AddRange(await PublishedItemsAsync(client, person));
        }

        declared.Should().NotBeEmpty();
        published.Should().BeEquivalentTo(declared, "every declared property is published, and nothing else");
        published.Should().Contain(["OptIns.SubscriberAccount.Imei", "OptIns.SubscriberAccount.Gender", "Accounts.PlatformUser.PostalCode", "Privacy.PageViewCount.NetworkPrefix"]);
    }

    [Fact]
    public async Task Download_my_data_gives_an_end_user_everything_the_inventory_lists_for_end_users()
    {
        await factory.CompanyWithKeywordAsync("Export Pizza", "EXPIZZA");
        var person = await SubscriberAsync(factory, "EXPIZZA", "export");
        await factory.TextAsync(person.Handset, "GIBBERISH"); // a courtesy reply is recorded against the number
        await CampaignDataForAsync(person.Handset, person.FirstName);

        var response = await person.Client.Http.GetAsync("/Privacy/Me?handler=Download");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        response.Content.Headers.ContentDisposition!.DispositionType.Should().Be("attachment");
        using var export = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var modules = export.RootElement.GetProperty("modules");
        var expected = (await PublishedItemsAsync(factory.CreateFormClient(), "EndUser"))
            // An authority's request may not be revealed to the person it concerns: the register is not exported.
            .Where(item => item != "Privacy.Disclosure.SubjectContact")
            .ToList();
        expected.Should().Contain("OptIns.SubscriberAccount.Email");
        foreach (var item in expected)
        {
            var parts = item.Split('.');
            HasProperty(modules.GetProperty(parts[0]), parts[2]).Should().BeTrue($"the export holds {item}, which the inventory lists");
        }

        var text = export.RootElement.GetRawText();
        text.Should().Contain(person.Email).And.Contain(person.FirstName).And.Contain(person.Code).And.Contain(person.Handset);
        // Companies are named, not only identified (issue #19 item 2): every companyId has its companyName beside it.
        var subscription = modules.GetProperty("OptIns").GetProperty("subscriptions")[0];
        var exportPizza = await factory.Database.ScalarAsync<string>("SELECT id::text FROM accounts.companies WHERE name = 'Export Pizza'");
        subscription.GetProperty("companyId").GetString().Should().Be(exportPizza);
        subscription.GetProperty("companyName").GetString().Should().Be("Export Pizza");
        Regex.Matches(text, "\"companyId\"").Count.Should().Be(Regex.Matches(text, "\"companyName\"").Count, "every company named");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM privacy.requests WHERE kind = 'export' AND subject_kind = 'Subscriber'"))
            .Should().BeGreaterThan(0, "each request is logged");
    }

    [Fact]
    public async Task Erasing_an_end_user_leaves_only_the_hash_that_keeps_their_STOP_and_they_cannot_log_in_again()
    {
        var (_, stoppedKeyword) = await factory.CompanyWithKeywordAsync("Stopped Pizza", "STOPPZ");
        var (_, activeKeyword) = await factory.CompanyWithKeywordAsync("Active Pizza", "ACTIVEPZ");
        var person = await SubscriberAsync(factory, "STOPPZ", "erase");
        await factory.TextAsync(person.Handset, "ACTIVEPZ");
        await factory.TextAsync(person.Handset, "STOP STOPPZ");
        var stoppedCompany = Guid.Parse((await factory.Database.ScalarAsync<string>("SELECT company_id::text FROM optins.keywords WHERE id = @k", ("k", stoppedKeyword)))!);
        var activeCompany = Guid.Parse((await factory.Database.ScalarAsync<string>("SELECT company_id::text FROM optins.keywords WHERE id = @k", ("k", activeKeyword)))!);
        (await factory.SendAsync(new IsOptedOut(stoppedCompany, person.Handset))).Should().BeTrue();

        var wrong = await person.Client.PostFormAsync("/Privacy/Me", new() { ["Erase.Password"] = "NotMyPassw0rd", ["Erase.Confirm"] = "true" }, handler: "Erase");
        WebUtility.HtmlDecode(await wrong.Content.ReadAsStringAsync()).Should().Contain("That password is not right. Nothing has been erased.");
        (await FindEverywhereAsync(factory.Database, person.Email)).Should().NotBeEmpty("a wrong password erases nothing");

        var erased = await person.Client.PostFormAsync("/Privacy/Me", new() { ["Erase.Password"] = SubscriberPassword, ["Erase.Confirm"] = "true" }, handler: "Erase");

        erased.StatusCode.Should().Be(HttpStatusCode.OK);
        var page = WebUtility.HtmlDecode(await erased.Content.ReadAsStringAsync());
        page.Should().Contain("Your account is erased").And.Contain("so that they can never message you again");
        foreach (var value in new[] { person.Handset, person.Handset[1..], person.Email, person.FirstName, person.Surname, person.PostalCode, person.Code, person.Imei })
        {
            (await FindEverywhereAsync(factory.Database, value)).Should().BeEmpty($"nothing in any table still holds {value}");
        }

        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM optins.suppressed_numbers WHERE company_id IN (@a, @b)", ("a", stoppedCompany), ("b", activeCompany)))
            .Should().Be(2, "the kept minimum: one hash per company the number was subscribed to");
        (await factory.SendAsync(new IsOptedOut(stoppedCompany, person.Handset))).Should().BeTrue("their STOP keeps being honoured after erasure");
        (await factory.SendAsync(new IsOptedOut(activeCompany, person.Handset))).Should().BeTrue("an erased person is not messaged again");
        (await factory.Database.ScalarAsync<string>("SELECT outcome FROM privacy.requests WHERE kind = 'erasure' AND completed_at IS NOT NULL ORDER BY requested_at DESC LIMIT 1"))
            .Should().Contain("OptIns");

        var again = await factory.CreateFormClient().PostFormAsync("/OptIns/Me/Login", new() { ["Input.Email"] = person.Email, ["Input.Password"] = SubscriberPassword });
        WebUtility.HtmlDecode(await again.Content.ReadAsStringAsync()).Should().Contain("The email address or password is not right.");
        (await person.Client.Http.GetAsync("/Privacy/Me")).StatusCode.Should().Be(HttpStatusCode.Redirect, "the session ended with the erasure");
    }

    [Fact]
    public async Task Erasing_a_business_user_keeps_only_the_company_and_its_invoices_and_they_cannot_log_in_again()
    {
        var email = $"owner.{Guid.NewGuid():N}@erase.example";
        var mobile = Infrastructure.TestHandsets.New("+4477009", 10000, 99999);
        var form = PlatformFactory.RegistrationForm("Erase Me Ltd", email);
        (form["Input.FirstName"], form["Input.Surname"], form["Input.MobileNumber"], form["Input.PostalCode"]) = ("Fnowner" + Random.Shared.Next(1000, 9999), "Snowner" + Random.Shared.Next(1000, 9999), mobile, "EC" + Random.Shared.Next(1000, 9999));
        var owner = await factory.RegisterAsync(form);
        var companyId = await factory.Database.ScalarAsync<Guid>("SELECT company_id FROM accounts.users WHERE email = @e", ("e", email));
        await factory.Database.ExecuteAsync(
            $"INSERT INTO billing.purchases (id, company_id, pack, credits, amount_minor, currency, status, invoice_number, created_at, paid_at) VALUES ('{Guid.NewGuid()}', '{companyId}', 'Starter', 1000, 4900, 'eur', 'Paid', 'INV-{Random.Shared.Next(100000, 999999)}', now(), now())");

        var download = await owner.Http.GetAsync("/Privacy/Account?handler=Download");
        download.StatusCode.Should().Be(HttpStatusCode.OK);
        using (var export = JsonDocument.Parse(await download.Content.ReadAsStringAsync()))
        {
            var modules = export.RootElement.GetProperty("modules");
            HasProperty(modules.GetProperty("Accounts"), "postalCode").Should().BeTrue();
            HasProperty(modules.GetProperty("Billing"), "invoiceNumber").Should().BeTrue();
            modules.GetProperty("Email").GetProperty("emailsSentToYou")[0].GetProperty("subject").GetString()
                .Should().Be("Confirm your email address", "the mail log is the person's data too: listed, then erased with the account");
        }

        var erased = await owner.PostFormAsync("/Privacy/Account", new() { ["Erase.Password"] = "Passw0rdPassw0rd", ["Erase.Confirm"] = "true" }, handler: "Erase");

        var page = WebUtility.HtmlDecode(await erased.Content.ReadAsStringAsync());
        page.Should().Contain("Your account is erased").And.Contain("tax law requires us to keep them");
        foreach (var value in new[] { email, form["Input.FirstName"], form["Input.Surname"], mobile, form["Input.PostalCode"] })
        {
            (await FindEverywhereAsync(factory.Database, value)).Should().BeEmpty($"nothing in any table still holds {value}");
        }

        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM billing.purchases WHERE company_id = @c", ("c", companyId))).Should().Be(1, "invoices are kept");
        var again = await factory.CreateFormClient().PostFormAsync("/Accounts/Login", new() { ["Input.Email"] = email, ["Input.Password"] = "Passw0rdPassw0rd" });
        again.StatusCode.Should().Be(HttpStatusCode.OK, "logging in again fails");
        WebUtility.HtmlDecode(await again.Content.ReadAsStringAsync()).Should().Contain("The email address or password is not right.");
    }

    [Fact]
    public async Task Newsletters_are_opt_in_per_channel_recorded_with_time_and_source_and_one_click_unsubscribe_works_without_login()
    {
        var owner = await factory.RegisterCompanyAsync("News Co", $"news.{Guid.NewGuid():N}@example.com");
        var (_, page) = await owner.GetAsync("/Privacy/Account");
        page.Should().Contain("id=\"NewsletterEmail\"").And.NotContain("checked", "no consent is given by default");

        var saved = await owner.PostFormAsync("/Privacy/Account", new() { ["NewsletterEmail"] = "true" }, handler: "Consents");
        saved.StatusCode.Should().Be(HttpStatusCode.Redirect);
        var userId = await factory.Database.ScalarAsync<Guid>("SELECT subject_id FROM privacy.marketing_consents WHERE channel = 'email' AND granted ORDER BY id DESC LIMIT 1");
        (await factory.Database.ScalarAsync<string>("SELECT source FROM privacy.marketing_consents WHERE subject_id = @s", ("s", userId))).Should().Be("account page");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM privacy.marketing_consents WHERE subject_id = @s AND channel = 'sms'", ("s", userId))).Should().Be(0);

        var token = await factory.SendAsync(new Platform.Modules.Privacy.Contracts.CreateUnsubscribeLink(Platform.Modules.Privacy.Contracts.DataSubjectKind.BusinessUser, userId, "email"));
        var anonymous = factory.CreateFormClient();
        (await anonymous.GetAsync(token)).Body.Should().Contain("id=\"unsubscribe\"");
        var unsubscribed = await anonymous.PostFormAsync(token, []);
        WebUtility.HtmlDecode(await unsubscribed.Content.ReadAsStringAsync()).Should().Contain("You are unsubscribed");
        (await factory.Database.ScalarAsync<bool>("SELECT granted FROM privacy.marketing_consents WHERE subject_id = @s AND channel = 'email' ORDER BY id DESC LIMIT 1", ("s", userId))).Should().BeFalse();
        (await factory.Database.ScalarAsync<string>("SELECT source FROM privacy.marketing_consents WHERE subject_id = @s ORDER BY id DESC LIMIT 1", ("s", userId))).Should().Be("unsubscribe link");

        var forged = await anonymous.GetAsync(token[..^4] + "AAAA");
        forged.Status.Should().Be(HttpStatusCode.OK);
        forged.Body.Should().Contain("id=\"invalid\"");
    }

    /// <summary>A company had the person on a list, messaged them, refused a row of theirs and replayed an API answer listing them.</summary>
    private async Task CampaignDataForAsync(string phone, string firstName)
    {
        var company = Guid.NewGuid();
        var list = Guid.NewGuid();
        var campaign = Guid.NewGuid();
        var import = Guid.NewGuid();
        await factory.Database.ExecuteAsync($"""
            INSERT INTO campaigns.contact_lists (id, company_id, name, created_at) VALUES ('{list}', '{company}', 'Regulars', now());
            INSERT INTO campaigns.contacts (company_id, list_id, phone, first_name, last_name, fields, consent_source, created_at, updated_at)
            VALUES ('{company}', '{list}', '{phone}', '{firstName}', 'Export', jsonb_build_object('favourite_topping', 'olives'), 'paper form', now(), now());
            INSERT INTO campaigns.campaigns (id, company_id, name, sender_id, body, status, time_zone, created_at, updated_at)
            VALUES ('{campaign}', '{company}', 'Deals', 'PLATFORM', 'Hi', 'Completed', 'UTC', now(), now());
            INSERT INTO campaigns.messages (campaign_id, company_id, phone, country, time_zone, first_name, body, state, not_before)
            VALUES ('{campaign}', '{company}', '{phone}', 'US', 'UTC', '{firstName}', 'Your deal', 3, now());
            INSERT INTO campaigns.link_clicks (message_id, link_index, campaign_id, company_id, first_clicked_at, last_clicked_at, clicks)
            SELECT id, 0, campaign_id, company_id, now(), now(), 1 FROM campaigns.messages WHERE campaign_id = '{campaign}';
            INSERT INTO campaigns.contact_activity (company_id, phone, last_sent_at, last_delivered_at, last_failed_at, last_clicked_at)
            VALUES ('{company}', '{phone}', now(), now(), now(), now());
            INSERT INTO campaigns.suppressions (company_id, phone, reason, created_at) VALUES ('{company}', '{phone}', 'opted-out', now());
            INSERT INTO campaigns.imports (id, company_id, list_id, file_name, default_country, consent_attestation, status, created_at)
            VALUES ('{import}', '{company}', '{list}', 'a.csv', 'US', 'paper form', 'Completed', now());
            INSERT INTO campaigns.import_errors (import_id, line, reason, value) VALUES ('{import}', 2, 'Duplicate in the file', '{phone}');
            INSERT INTO campaigns.api_requests (company_id, idempotency_key, request_hash, response_status, response_body, created_at)
            VALUES ('{company}', 'k1', 'x00', 202, '["{phone}"]', now());
            """);
    }
}
