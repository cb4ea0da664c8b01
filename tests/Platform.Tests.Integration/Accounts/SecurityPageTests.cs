using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Platform.Modules.Accounts;
using Platform.Modules.Accounts.Features;
using Platform.Modules.Shared;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Accounts;

/// <summary>The public Security page says what the code does (issue #17): its numbers are the settings the host runs with.</summary>
public sealed partial class SecurityPageTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    [Fact]
    public async Task The_security_page_is_public_and_its_numbers_are_the_running_settings()
    {
        var options = factory.Services.GetRequiredService<IOptions<AccountsOptions>>().Value;

        var (status, html) = await factory.CreateFormClient().GetAsync("/Security");

        status.Should().Be(HttpStatusCode.OK);
        var page = Text(html);
        page.Should().Contain($"At least {AccountPasswords.MinimumLength} characters")
            .And.Contain($"After {options.MaxFailedAccessAttempts} wrong passwords in a row an account is locked for {options.LockoutDuration.TotalMinutes:0} minutes")
            .And.Contain($"A session ends after {AccountSessions.IdleLifetime.TotalHours:0} hours without use")
            .And.Contain($"logging out ends it at once on the server that handled it and within {factory.Services.GetRequiredService<IConfiguration>().SessionMemory().TotalSeconds:0.#} seconds on all the others")
            .And.Contain($"Emails we send you: {EmailLog.RetentionText} after sending")
            .And.Contain($"{options.InvitationRetention.TotalDays:0} days after they expire or are used");
        (await factory.CreateFormClient().GetAsync("/")).Body.Should().Contain("href=\"/Security\"", "every page's footer links to it");
    }

    [Fact]
    public async Task The_lockout_the_page_states_is_the_one_sign_in_applies()
    {
        var options = factory.Services.GetRequiredService<IOptions<AccountsOptions>>().Value;
        var email = $"{Guid.NewGuid():N}@lockout-page.example";
        await factory.RegisterCompanyAsync($"Lockout Page {Guid.NewGuid():N}", email);
        for (var attempt = 0; attempt < options.MaxFailedAccessAttempts; attempt++)
        {
            await factory.CreateFormClient().PostFormAsync("/Accounts/Login", new() { ["Input.Email"] = email, ["Input.Password"] = "Wrong9Password" });
        }

        (await factory.CreateFormClient().PostFormAsync("/Accounts/Login", new() { ["Input.Email"] = email, ["Input.Password"] = "Passw0rdPassw0rd" }))
            .StatusCode.Should().Be(HttpStatusCode.OK, $"locked after {options.MaxFailedAccessAttempts} wrong passwords, as the page says");
    }

    private static string Text(string html) => Whitespace().Replace(WebUtility.HtmlDecode(Tags().Replace(html, " ")), " ");

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tags();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
