using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Accounts;

/// <summary>
/// Sessions end on the server (issue #15, ADR 21): a cookie saved before logout, "sign out everywhere", a password
/// change or an admin's "end all sessions" opens nothing afterwards on this node, and within seconds (ADR 39) on another
/// one on the same database.
/// </summary>
public sealed class SessionTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    private const string Password = "Passw0rdPassw0rd";

    [Fact]
    public async Task A_business_users_cookie_saved_before_logout_gets_the_login_page()
    {
        var (browser, cookie) = await LogInAsync(await OwnerAsync());
        (await WithCookieAsync(factory, cookie, "/Dashboard")).Should().Be(HttpStatusCode.OK);

        (await browser.PostFormAsync("/Accounts/Logout", [])).StatusCode.Should().Be(HttpStatusCode.Redirect);

        (await WithCookieAsync(factory, cookie, "/Dashboard")).Should().Be(HttpStatusCode.Redirect, "the session ended on the server");
        (await WithCookieAsync(factory, cookie, "/Campaigns/ApiKeys")).Should().Be(HttpStatusCode.Redirect);
    }

    [Fact]
    public async Task A_subscribers_cookie_saved_before_logout_gets_the_login_page()
    {
        var handset = Infrastructure.TestHandsets.New();
        await DurableEventsTests.OptOutOnTheWebAsync(factory.CreateFormClient, factory.CreateClient(), factory.Database, $"Session Pizza {Guid.NewGuid():N}", $"SES{Random.Shared.Next(10_000, 99_999)}", handset);
        var email = await factory.Database.ScalarAsync<string>(
            "SELECT a.email FROM optins.subscriber_accounts a JOIN optins.subscribers s ON s.id = a.subscriber_id WHERE s.phone = @p", ("p", handset));
        var browser = factory.CreateFormClient();
        var login = await browser.PostFormAsync("/OptIns/Me/Login", new() { ["Input.Email"] = email!, ["Input.Password"] = "Subscr1berPass" });
        login.StatusCode.Should().Be(HttpStatusCode.Redirect);
        var cookie = SavedCookie(login, "platform.subscriber");
        (await WithCookieAsync(factory, cookie, "/OptIns/Me")).Should().Be(HttpStatusCode.OK);

        (await browser.PostFormAsync("/OptIns/Me/Logout", [], tokenFrom: "/OptIns/Me")).StatusCode.Should().Be(HttpStatusCode.Redirect);

        var after = await WithCookieResponseAsync(factory, cookie, "/OptIns/Me");
        after.StatusCode.Should().Be(HttpStatusCode.Redirect);
        after.Headers.Location!.ToString().Should().Contain("/OptIns/Me/Login");
    }

    [Fact]
    public async Task A_password_change_ends_the_other_sessions_and_keeps_this_one()
    {
        var email = await OwnerAsync();
        var (here, _) = await LogInAsync(email);
        var (elsewhere, elsewhereCookie) = await LogInAsync(email);
        (await elsewhere.GetAsync("/Dashboard")).Status.Should().Be(HttpStatusCode.OK);

        var changed = await here.PostFormAsync("/Accounts/Security", new()
        {
            ["Input.CurrentPassword"] = Password, ["Input.Password"] = "Harbour9Lantern", ["Input.ConfirmPassword"] = "Harbour9Lantern",
        }, handler: "Password");
        changed.StatusCode.Should().Be(HttpStatusCode.Redirect, await changed.Content.ReadAsStringAsync());

        (await here.GetAsync("/Dashboard")).Status.Should().Be(HttpStatusCode.OK, "the browser that changed it stays signed in");
        (await WithCookieAsync(factory, elsewhereCookie, "/Dashboard")).Should().Be(HttpStatusCode.Redirect, "the other session ended");
        (await here.GetAsync("/Accounts/Security")).Body.Should().Contain("(this browser)");
    }

    [Fact]
    public async Task Sign_out_everywhere_ends_every_session_of_the_user()
    {
        var email = await OwnerAsync();
        var (here, hereCookie) = await LogInAsync(email);
        var (_, elsewhereCookie) = await LogInAsync(email);

        (await here.PostFormAsync("/Accounts/Security", [], handler: "SignOutEverywhere")).StatusCode.Should().Be(HttpStatusCode.Redirect);

        (await WithCookieAsync(factory, hereCookie, "/Dashboard")).Should().Be(HttpStatusCode.Redirect);
        (await WithCookieAsync(factory, elsewhereCookie, "/Dashboard")).Should().Be(HttpStatusCode.Redirect);
    }

    [Fact]
    public async Task An_admin_ends_a_users_sessions()
    {
        var email = await OwnerAsync();
        var (_, cookie) = await LogInAsync(email);
        var userId = await factory.Database.ScalarAsync<Guid>("SELECT id FROM accounts.users WHERE email = @e", ("e", email));
        var admin = await factory.LoginAsync(PlatformFactory.AdminEmail, PlatformFactory.AdminPassword);
        (await admin.GetAsync($"/Admin/Users?email={Uri.EscapeDataString(email)}")).Body.Should().Contain("2 live session(s)", "the registration's and the login's");

        var ended = await admin.PostFormAsync($"/Admin/Users?userId={userId}", [], handler: "EndSessions", tokenFrom: "/Admin/Users");
        ended.StatusCode.Should().Be(HttpStatusCode.Redirect);

        (await WithCookieAsync(factory, cookie, "/Dashboard")).Should().Be(HttpStatusCode.Redirect);
        (await admin.GetAsync("/Admin")).Status.Should().Be(HttpStatusCode.OK, "the admin's own session is untouched");
    }

    [Fact]
    public async Task A_logout_on_one_node_is_refused_there_at_once_and_by_another_node_within_seconds()
    {
        await using var other = new SecondNode(factory.Database, "second");
        var (browser, cookie) = await LogInAsync(await OwnerAsync());
        (await WithCookieAsync(factory, cookie, "/Dashboard")).Should().Be(HttpStatusCode.OK);
        (await WithCookieAsync(other, cookie, "/Dashboard")).Should().Be(HttpStatusCode.OK, "the other node reads the session (and remembers it, ADR 39)");

        (await browser.PostFormAsync("/Accounts/Logout", [])).StatusCode.Should().Be(HttpStatusCode.Redirect);
        var loggedOut = Stopwatch.StartNew();

        (await WithCookieAsync(factory, cookie, "/Dashboard")).Should().Be(HttpStatusCode.Redirect, "the node that ended it forgot it at once");
        // The other node remembered the row when it read it, before the logout, for at most its memory's lifetime (ADR 39);
        // once that has passed since the logout, its next request must read the row again, however slow the machine is.
        var lifetime = other.Services.GetRequiredService<Platform.Host.Sessions.RecentSessions>().Lifetime;
        if (lifetime > loggedOut.Elapsed)
        {
            await Task.Delay(lifetime - loggedOut.Elapsed);
        }

        (await WithCookieAsync(other, cookie, "/Dashboard")).Should().Be(HttpStatusCode.Redirect,
            "no node keeps an ended session longer than its memory of sessions lasts");
    }

    private async Task<string> OwnerAsync()
    {
        var email = $"{Guid.NewGuid():N}@sessions.example";
        await factory.RegisterCompanyAsync($"Sessions {Guid.NewGuid():N}", email, Password);
        return email;
    }

    private async Task<(FormClient Browser, string Cookie)> LogInAsync(string email)
    {
        var browser = factory.CreateFormClient();
        var response = await browser.PostFormAsync("/Accounts/Login", new() { ["Input.Email"] = email, ["Input.Password"] = Password });
        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        return (browser, SavedCookie(response, "platform.auth"));
    }

    /// <summary>The cookie as a person would copy it out of their browser: name=value.</summary>
    private static string SavedCookie(HttpResponseMessage response, string name) =>
        response.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]).Single(c => c.StartsWith(name + "=", StringComparison.Ordinal));

    private static async Task<HttpStatusCode> WithCookieAsync(WebApplicationFactory<Program> node, string cookie, string path) =>
        (await WithCookieResponseAsync(node, cookie, path)).StatusCode;

    /// <summary>A bare request carrying only the saved cookie: no cookie container that a logout could have cleared.</summary>
    private static async Task<HttpResponseMessage> WithCookieResponseAsync(WebApplicationFactory<Program> node, string cookie, string path)
    {
        using var client = node.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost"), AllowAutoRedirect = false, HandleCookies = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Cookie", cookie);
        return await client.SendAsync(request);
    }
}
