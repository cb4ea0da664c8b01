using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Platform.Modules.Accounts.Features;

namespace Platform.Tests.Unit;

/// <summary>
/// The gate in front of Identity's security-stamp check (issue 13): Identity's validator runs exactly when Identity would
/// act — no issue time, or issued longer ago than the interval — and is not even built in between.
/// </summary>
public sealed class SecurityStampGateTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(0, false)]
    [InlineData(29, false)]
    [InlineData(30, false)]
    [InlineData(31, true)]
    public async Task Identitys_check_runs_only_once_the_interval_has_passed(int minutesSinceIssued, bool checks)
    {
        var (context, calls) = Context(Now.AddMinutes(-minutesSinceIssued));

        await Gate(calls)(context);

        calls.Count.Should().Be(checks ? 1 : 0);
    }

    [Fact]
    public async Task A_ticket_without_an_issue_time_is_always_checked()
    {
        var (context, calls) = Context(issued: null);

        await Gate(calls)(context);

        calls.Should().ContainSingle();
    }

    private static Func<CookieValidatePrincipalContext, Task> Gate(List<CookieValidatePrincipalContext> calls) =>
        SecurityStampGate.Around(context =>
        {
            calls.Add(context);
            return Task.CompletedTask;
        });

    private static (CookieValidatePrincipalContext Context, List<CookieValidatePrincipalContext> Calls) Context(DateTimeOffset? issued)
    {
        var clock = new FixedClock(Now);
        var services = new ServiceCollection()
            .Configure<SecurityStampValidatorOptions>(o => { o.ValidationInterval = TimeSpan.FromMinutes(30); o.TimeProvider = clock; })
            .BuildServiceProvider();
        var http = new DefaultHttpContext { RequestServices = services };
        var scheme = new AuthenticationScheme(IdentityConstants.ApplicationScheme, null, typeof(CookieAuthenticationHandler));
        var ticket = new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity("test")), new AuthenticationProperties { IssuedUtc = issued }, scheme.Name);
        return (new CookieValidatePrincipalContext(http, scheme, new CookieAuthenticationOptions(), ticket), []);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
