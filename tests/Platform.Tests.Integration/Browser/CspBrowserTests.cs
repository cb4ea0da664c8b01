using Microsoft.Playwright;
using Platform.Tests.Integration.BadInput;
using Platform.Tests.Integration.Infrastructure;
using Xunit.Abstractions;

namespace Platform.Tests.Integration.Browser;

/// <summary>
/// The seeded host of the bad-input sweep (in memory: its endpoint data source lists the pages, its clients find the
/// ids) and a host process on the same database for Chromium to visit.
/// </summary>
public sealed class CspFixture : IAsyncLifetime
{
    public BadInputFactory Factory { get; } = new();

    public HostProcess Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Factory.InitializeAsync();
        Host = HostProcess.Start(Factory.Database.ConnectionString, "csp-browser", new Dictionary<string, string>
        {
            ["Platform__SenderIds__DocumentsPath"] = Factory.DocumentsPath,
            ["Platform__Simulator__DevEndpoints"] = "true",
        });
        await Host.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Factory.DisposeAsync();
    }
}

/// <summary>
/// Issue #15: zero Content-Security-Policy violations. Every page each role can open — discovered from the endpoint data
/// source, so a new page is visited without editing this test — plus the Hangfire Dashboard (its own policy, which
/// allows its inline styles but no inline script) is opened in Chromium, and any CSP report on the console fails it.
/// </summary>
public sealed class CspBrowserTests(CspFixture fixture, ITestOutputHelper output) : BrowserTestBase, IClassFixture<CspFixture>
{
    private static readonly string[] JobsDashboard = ["/Admin/Jobs", "/Admin/Jobs/recurring", "/Admin/Jobs/jobs/succeeded", "/Admin/Jobs/servers"];

    [Fact]
    public async Task Every_page_of_every_role_loads_without_a_Content_Security_Policy_violation()
    {
        var sweep = await BadInputSweep.PrepareAsync(fixture.Factory);
        var pages = (await sweep.PagesAsync()).Concat(JobsDashboard.Select(path => ("admin", path))).ToList();
        output.WriteLine($"{pages.Count} pages: {string.Join(", ", pages.Select(p => $"{p.Item1} {p.Item2}"))}");
        pages.Should().Contain(("owner", "/Billing")).And.Contain(p => p.Item1 == "admin" && p.Item2.StartsWith("/Admin/SenderIds/Review/", StringComparison.Ordinal));

        var violations = new List<string>();
        foreach (var role in pages.Select(p => p.Item1).Distinct())
        {
            await using var context = await Browser.NewContextAsync();
            var page = await context.NewPageAsync();
            page.SetDefaultTimeout(60_000);
            var current = string.Empty;
            page.Console += (_, message) =>
            {
                if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase) || message.Text.Contains("Content-Security-Policy", StringComparison.OrdinalIgnoreCase))
                {
                    violations.Add($"{role} {current}: {message.Text[..Math.Min(message.Text.Length, 200)]}");
                }
            };
            await SignInAsync(page, role);
            foreach (var (_, path) in pages.Where(p => p.Item1 == role))
            {
                current = path;
                await page.GotoAsync(fixture.Host.BaseUrl + path);
                await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            }
        }

        violations.Should().BeEmpty();
    }

    [Fact]
    public async Task Deleting_a_route_asks_first_and_nothing_is_deleted_when_the_admin_declines()
    {
        var instance = await fixture.Factory.Database.ScalarAsync<string>("SELECT name FROM platform.carrier_instances ORDER BY name LIMIT 1");
        var admin = fixture.Factory.Roles.Single(r => r.Role == "admin").Client;
        (await admin.PostFormAsync("/Admin/Carriers", new() { ["Route.Prefix"] = "+999", ["Route.Instance"] = instance!, ["Route.Priority"] = "1" }, "AddRoute"))
            .StatusCode.Should().Be(System.Net.HttpStatusCode.Redirect);
        await using var context = await Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(60_000);
        await SignInAsync(page, "admin");
        await page.GotoAsync($"{fixture.Host.BaseUrl}/Admin/Carriers");
        var asked = new List<string>();
        page.Dialog += async (_, dialog) =>
        {
            asked.Add(dialog.Message);
            await dialog.DismissAsync();
        };
        var delete = page.Locator("tr", new() { HasText = "+999" }).Locator("button", new() { HasText = "Delete" });
        // The route was added through the other host: this one shows it once it has polled the configuration's version.
        for (var attempt = 0; attempt < 60 && await delete.CountAsync() == 0; attempt++)
        {
            await Task.Delay(1000);
            await page.ReloadAsync();
        }

        await delete.ClickAsync();
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        asked.Should().ContainSingle().Which.Should().Contain("+999");
        (await fixture.Factory.Database.ScalarAsync<long>("SELECT count(*) FROM platform.carrier_routes WHERE prefix = '+999'")).Should().Be(1, "declined, nothing is deleted");
    }

    private async Task SignInAsync(IPage page, string role)
    {
        var (login, email, password) = role switch
        {
            "owner" => ("/Accounts/Login", BadInputFactory.OwnerEmail, BadInputFactory.OwnerPassword),
            "admin" => ("/Accounts/Login", PlatformFactory.AdminEmail, PlatformFactory.AdminPassword),
            "subscriber" => ("/OptIns/Me/Login", BadInputFactory.SubscriberEmail, BadInputFactory.SubscriberPassword),
            _ => (null, null, null),
        };
        if (login is null)
        {
            return;
        }

        if (role == "admin")
        {
            await page.AdminLogInAsync(fixture.Host.BaseUrl, email!, password!);
            return;
        }

        await page.GotoAsync(fixture.Host.BaseUrl + login);
        await page.FillAsync("#Input_Email", email!);
        await page.FillAsync("#Input_Password", password!);
        await page.ClickAsync("main button[type=submit]");
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        page.Url.Should().NotContain("Login", $"the {role} signs in");
    }
}
