using System.Net;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.OptIns;

/// <summary>People who opted in by SMS: registering with their code, what they see, opting out on the web, lockout.</summary>
public sealed class SubscriberAccountTests(OptInsFactory factory) : IClassFixture<OptInsFactory>
{
    private const string Password = "Subscr1berPass";

    private async Task<(string Handset, string Code, Guid KeywordId)> OptedInAsync(string company, string word)
    {
        var (_, keywordId) = await factory.CompanyWithKeywordAsync(company, word);
        var handset = Infrastructure.TestHandsets.New();
        await factory.TextAsync(handset, word);
        var code = await factory.Database.ScalarAsync<string>("SELECT user_code FROM optins.subscribers WHERE phone = @p", ("p", handset));
        return (handset, code!, keywordId);
    }

    private static Dictionary<string, string> Form(string code, string mobile, string email, string? dateOfBirth = null, string? imei = null) => new()
    {
        ["Input.UserCode"] = code,
        ["Input.MobileNumber"] = mobile,
        ["Input.FirstName"] = "Sam",
        ["Input.Surname"] = "Subscriber",
        ["Input.Email"] = email,
        ["Input.PostalCode"] = "90210",
        ["Input.DateOfBirth"] = dateOfBirth ?? "1990-05-17",
        ["Input.Password"] = Password,
        ["Input.ConfirmPassword"] = Password,
        ["Input.Imei"] = imei ?? string.Empty,
        ["Input.AgeBand"] = "31-40",
        ["Input.Country"] = "United States",
        ["Input.Gender"] = string.Empty,
    };

    private async Task<long> AccountsAsync() => (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM optins.subscriber_accounts"));

    [Fact]
    public async Task A_subscriber_registers_sees_the_company_and_the_codes_and_opts_out_on_the_web()
    {
        var (handset, code, keywordId) = await OptedInAsync("Web Pizza", "WEBPIZZA");
        await factory.TextAsync(handset, "WEBPIZZA");
        var client = factory.CreateFormClient();

        var registered = await client.PostFormAsync($"/OptIns/Me/Register?code={code}", Form(code.ToLowerInvariant(), handset.Replace("+1555", "+1 555 ", StringComparison.Ordinal), "sam@web.example", imei: "490154203237518"));

        registered.StatusCode.Should().Be(HttpStatusCode.Redirect, WebUtility.HtmlDecode(await registered.Content.ReadAsStringAsync()));
        registered.Headers.Location!.ToString().Should().Be("/OptIns/Me");
        var cookie = registered.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("platform.subscriber=", StringComparison.Ordinal));
        cookie.Should().Contain("httponly").And.Contain("secure").And.Contain("samesite=lax").And.NotContain("expires", "the subscriber cookie is session-only");
        (await factory.Database.ScalarAsync<string>("SELECT password_hash FROM optins.subscriber_accounts WHERE email = 'sam@web.example'")).Should().NotContain(Password);

        var (status, home) = await client.GetAsync("/OptIns/Me");
        status.Should().Be(HttpStatusCode.OK);
        home = WebUtility.HtmlDecode(home);
        home.Should().Contain("Web Pizza").And.Contain(code).And.Contain("WEBPIZZA").And.Contain("Opted in");
        home.Should().MatchRegex("<td>WEBPIZZA</td><td class=\"text-end\">2</td>", "the code was used twice");

        var companyId = await factory.Database.ScalarAsync<string>("SELECT company_id::text FROM optins.keywords WHERE id = @k", ("k", keywordId));
        var optOut = await client.PostFormAsync("/OptIns/Me", new() { ["companyId"] = companyId! }, handler: "OptOut");
        optOut.StatusCode.Should().Be(HttpStatusCode.Redirect);

        (await factory.Database.ScalarAsync<string>("SELECT via FROM optins.consent_records WHERE keyword_id = @k ORDER BY id DESC LIMIT 1", ("k", keywordId))).Should().Be("web");
        (await factory.Database.ScalarAsync<long>("SELECT sum(opted_out) FROM optins.keyword_counters WHERE keyword_id = @k", ("k", keywordId))).Should().Be(1);
        var (_, after) = await client.GetAsync("/OptIns/Me");
        after.Should().Contain("data-state=\"out\"");

        // Opting out on the web has the same effect as STOP: a later STOP finds nothing left to stop on that company.
        var profile = await client.PostFormAsync("/OptIns/Me/Profile", new()
        {
            ["Input.FirstName"] = "Samantha", ["Input.Surname"] = "Subscriber", ["Input.Email"] = "sam@web.example", ["Input.PostalCode"] = "10001",
            ["Input.SubscriberId"] = Guid.NewGuid().ToString(),
        });
        profile.StatusCode.Should().Be(HttpStatusCode.OK);
        (await factory.Database.ScalarAsync<string>("SELECT first_name FROM optins.subscriber_accounts WHERE email = 'sam@web.example'")).Should().Be("Samantha");
        (await factory.Database.ScalarAsync<string>("SELECT imei FROM optins.subscriber_accounts WHERE email = 'sam@web.example'")).Should().BeNull("the profile form cleared it");
    }

    [Fact]
    public async Task Someone_under_the_minimum_age_is_refused_and_nothing_is_stored()
    {
        var (handset, code, _) = await OptedInAsync("Age Co", "AGECO");
        var before = await AccountsAsync();
        // A day short of 18: old enough under the rule before ADR 30 (16), not under the one rule now.
        var seventeen = DateOnly.FromDateTime(DateTime.UtcNow).AddYears(-18).AddDays(1).ToString("yyyy-MM-dd");

        var response = await factory.CreateFormClient().PostFormAsync("/OptIns/Me/Register", Form(code, handset, "young@age.example", seventeen));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()).Should().Contain("you must be at least 18 to create an account");
        (await AccountsAsync()).Should().Be(before);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM optins.subscriber_accounts WHERE email = 'young@age.example'")).Should().Be(0);
    }

    [Fact]
    public async Task A_code_that_does_not_match_the_number_is_refused()
    {
        var (handset, code, _) = await OptedInAsync("Match Co", "MATCHCO");
        var (_, otherCode, _) = await OptedInAsync("Match Co 2", "MATCHCO2");
        var before = await AccountsAsync();

        var wrongCode = await factory.CreateFormClient().PostFormAsync("/OptIns/Me/Register", Form(otherCode, handset, "match@match.example"));
        var unknownNumber = await factory.CreateFormClient().PostFormAsync("/OptIns/Me/Register", Form(code, "+15550009999", "match@match.example"));
        var notE164 = await factory.CreateFormClient().PostFormAsync("/OptIns/Me/Register", Form(code, "5550009999", "match@match.example"));
        var badCode = await factory.CreateFormClient().PostFormAsync("/OptIns/Me/Register", Form("O0I1L!", handset, "match@match.example"));

        WebUtility.HtmlDecode(await wrongCode.Content.ReadAsStringAsync()).Should().Contain("This user code and mobile number do not match.");
        WebUtility.HtmlDecode(await unknownNumber.Content.ReadAsStringAsync()).Should().Contain("This user code and mobile number do not match.");
        WebUtility.HtmlDecode(await notE164.Content.ReadAsStringAsync()).Should().Contain("international format");
        WebUtility.HtmlDecode(await badCode.Content.ReadAsStringAsync()).Should().Contain("A user code has 6 letters and digits");
        (await AccountsAsync()).Should().Be(before);
    }

    [Theory]
    [InlineData("490154203237519", "not a valid IMEI")]
    [InlineData("49015420323751", "not a valid IMEI")]
    [InlineData("49015420323751A", "not a valid IMEI")]
    public async Task An_invalid_imei_is_refused(string imei, string message)
    {
        var (handset, code, _) = await OptedInAsync($"Imei {imei}", $"IMEI{imei[^4..]}{Random.Shared.Next(100, 999)}".Replace("A", "X", StringComparison.Ordinal));

        var response = await factory.CreateFormClient().PostFormAsync("/OptIns/Me/Register", Form(code, handset, $"{Guid.NewGuid():N}@imei.example", imei: imei));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()).Should().Contain(message);
    }

    [Fact]
    public async Task Mismatched_passwords_and_a_second_registration_are_refused()
    {
        var (handset, code, _) = await OptedInAsync("Twice Co", "TWICECO");
        var form = Form(code, handset, "twice@twice.example");
        form["Input.ConfirmPassword"] = "Different1Pass";
        var mismatch = await factory.CreateFormClient().PostFormAsync("/OptIns/Me/Register", form);
        WebUtility.HtmlDecode(await mismatch.Content.ReadAsStringAsync()).Should().Contain("do not match");

        (await factory.CreateFormClient().PostFormAsync("/OptIns/Me/Register", Form(code, handset, "twice@twice.example"))).StatusCode.Should().Be(HttpStatusCode.Redirect);
        var again = await factory.CreateFormClient().PostFormAsync("/OptIns/Me/Register", Form(code, handset, "twice2@twice.example"));
        WebUtility.HtmlDecode(await again.Content.ReadAsStringAsync()).Should().Contain("already has an account");
    }

    [Fact]
    public async Task Five_failed_logins_lock_the_account()
    {
        var (handset, code, _) = await OptedInAsync("Lock Co", "LOCKCO");
        (await factory.CreateFormClient().PostFormAsync("/OptIns/Me/Register", Form(code, handset, "lock@lock.example"))).StatusCode.Should().Be(HttpStatusCode.Redirect);
        var client = factory.CreateFormClient();

        for (var i = 0; i < 5; i++)
        {
            var wrong = await client.PostFormAsync("/OptIns/Me/Login", new() { ["Input.Email"] = "lock@lock.example", ["Input.Password"] = "WrongPassw0rd" });
            wrong.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        var right = await client.PostFormAsync("/OptIns/Me/Login", new() { ["Input.Email"] = "LOCK@lock.example", ["Input.Password"] = Password });
        right.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await right.Content.ReadAsStringAsync()).Should().Contain("locked");
    }

    [Fact]
    public async Task A_subscriber_logs_in_and_out_and_without_the_cookie_is_sent_to_the_subscriber_login()
    {
        var (handset, code, _) = await OptedInAsync("Login Co", "LOGINCO");
        (await factory.CreateFormClient().PostFormAsync("/OptIns/Me/Register", Form(code, handset, "login@login.example"))).StatusCode.Should().Be(HttpStatusCode.Redirect);

        var anonymous = await factory.CreateFormClient().Http.GetAsync("/OptIns/Me");
        anonymous.StatusCode.Should().Be(HttpStatusCode.Redirect);
        anonymous.Headers.Location!.ToString().Should().Contain("/OptIns/Me/Login");

        var client = factory.CreateFormClient();
        var login = await client.PostFormAsync("/OptIns/Me/Login", new() { ["Input.Email"] = "login@login.example", ["Input.Password"] = Password });
        login.StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await client.GetAsync("/OptIns/Me")).Body.Should().Contain("Login Co");

        // A subscriber cookie is not a company user: the company pages stay closed.
        var companyPage = await client.Http.GetAsync("/OptIns");
        companyPage.StatusCode.Should().Be(HttpStatusCode.Redirect);
        companyPage.Headers.Location!.ToString().Should().Contain("/Accounts/Login");

        (await client.PostFormAsync("/OptIns/Me", [], handler: null)).StatusCode.Should().NotBe(HttpStatusCode.InternalServerError);
        var logout = await client.PostFormAsync("/OptIns/Me/Profile", new() { ["Input.FirstName"] = "x" });
        logout.StatusCode.Should().Be(HttpStatusCode.OK, "an invalid profile post shows the form again");
    }

    [Fact]
    public async Task A_subscriber_cannot_opt_out_someone_else_or_touch_a_company_they_never_joined()
    {
        var (handset, code, _) = await OptedInAsync("Mine Co", "MINECO");
        var (otherHandset, _, otherKeyword) = await OptedInAsync("Theirs Co", "THEIRSCO");
        var client = factory.CreateFormClient();
        (await client.PostFormAsync("/OptIns/Me/Register", Form(code, handset, "mine@mine.example"))).StatusCode.Should().Be(HttpStatusCode.Redirect);
        var theirsCompany = await factory.Database.ScalarAsync<string>("SELECT company_id::text FROM optins.keywords WHERE id = @k", ("k", otherKeyword));

        await client.PostFormAsync("/OptIns/Me", new() { ["companyId"] = theirsCompany! }, handler: "OptOut");

        (await factory.Database.ScalarAsync<bool>("SELECT opted_in FROM optins.subscriptions WHERE phone = @p", ("p", otherHandset))).Should().BeTrue();
    }
}
