using System.Net;
using Platform.Modules.Shared;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration;

public sealed class AuthenticationTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    private static Dictionary<string, string> Login(string email, string password, bool rememberMe = false) => new()
    {
        ["Input.Email"] = email,
        ["Input.Password"] = password,
        ["Input.RememberMe"] = rememberMe ? "true" : "false",
    };

    [Fact]
    public async Task The_auth_cookie_is_session_only_unless_remember_me_is_ticked()
    {
        await factory.RegisterCompanyAsync("Cookie Co", "cookie@example.com");

        var session = await factory.CreateFormClient().PostFormAsync("/Accounts/Login", Login("cookie@example.com", "Passw0rdPassw0rd"));
        var sessionCookie = session.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("platform.auth=", StringComparison.Ordinal));
        sessionCookie.Should().NotContainEquivalentOf("expires=");
        sessionCookie.Should().ContainEquivalentOf("httponly").And.ContainEquivalentOf("secure").And.ContainEquivalentOf("samesite=lax");

        var remembered = await factory.CreateFormClient().PostFormAsync("/Accounts/Login", Login("cookie@example.com", "Passw0rdPassw0rd", rememberMe: true));
        remembered.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("platform.auth=", StringComparison.Ordinal))
            .Should().ContainEquivalentOf("expires=");
    }

    [Fact]
    public async Task Repeated_failures_lock_the_account_even_for_the_right_password()
    {
        await factory.RegisterCompanyAsync("Lockout Co", "lockout@example.com");
        var client = factory.CreateFormClient();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var failed = await client.PostFormAsync("/Accounts/Login", Login("lockout@example.com", "WrongPassw0rd"));
            failed.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        var response = await client.PostFormAsync("/Accounts/Login", Login("lockout@example.com", "Passw0rdPassw0rd"));

        response.StatusCode.Should().Be(HttpStatusCode.OK, "a locked account is not signed in");
        WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()).Should().Contain(SignInMessages.Failed, "a lockout answers like a wrong password: unknown addresses are never locked, so another answer would tell who has an account");
        (await factory.Database.ScalarAsync<DateTime?>("SELECT lockout_end FROM accounts.users WHERE email = 'lockout@example.com'"))
            .Should().BeAfter(DateTime.UtcNow.AddMinutes(10));
    }

    [Fact]
    public async Task A_wrong_password_and_an_unknown_email_get_the_same_message()
    {
        await factory.RegisterCompanyAsync("Enumeration Co", "enum@example.com");
        var wrongPassword = await factory.CreateFormClient().PostFormAsync("/Accounts/Login", Login("enum@example.com", "WrongPassw0rd"));
        var unknownEmail = await factory.CreateFormClient().PostFormAsync("/Accounts/Login", Login("nobody@example.com", "WrongPassw0rd"));

        WebUtility.HtmlDecode(await wrongPassword.Content.ReadAsStringAsync()).Should().Contain("The email address or password is not right.");
        WebUtility.HtmlDecode(await unknownEmail.Content.ReadAsStringAsync()).Should().Contain("The email address or password is not right.");
    }

    [Fact]
    public async Task Logging_out_ends_the_session()
    {
        var client = await factory.RegisterCompanyAsync("Logout Co", "logout@example.com");
        (await client.GetAsync("/Dashboard")).Status.Should().Be(HttpStatusCode.OK);

        var response = await client.PostFormAsync("/Accounts/Logout", []);
        response.StatusCode.Should().Be(HttpStatusCode.Redirect);

        var after = await client.Http.GetAsync("/Dashboard");
        after.StatusCode.Should().Be(HttpStatusCode.Redirect);
        after.Headers.Location!.ToString().Should().Contain("/Accounts/Login");
    }
}

/// <summary>A factory whose login limit is low enough to hit in a test.</summary>
public sealed class LowLoginLimitFactory : PlatformFactory
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Platform:RateLimits:LoginPerMinute"] = "3" };
}

public sealed class LoginRateLimitTests(LowLoginLimitFactory factory) : IClassFixture<LowLoginLimitFactory>
{
    [Fact]
    public async Task Sign_in_attempts_beyond_the_limit_get_429()
    {
        var client = factory.CreateFormClient();
        var statuses = new List<HttpStatusCode>();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var response = await client.PostFormAsync("/Accounts/Login", new() { ["Input.Email"] = "who@example.com", ["Input.Password"] = "Whatever1234" });
            statuses.Add(response.StatusCode);
        }

        statuses.Take(3).Should().OnlyContain(s => s == HttpStatusCode.OK);
        statuses.Skip(3).Should().OnlyContain(s => s == HttpStatusCode.TooManyRequests);
        (await client.GetAsync("/Accounts/Login")).Status.Should().Be(HttpStatusCode.OK, "only the attempts are limited, not the page");
    }
}
