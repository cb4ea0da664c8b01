using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Browser;

/// <summary>Debian's Chromium driven by Playwright (no browser download: the system binary is used).</summary>
public static class BrowserSession
{
    public static string ChromiumPath => Environment.GetEnvironmentVariable("PLATFORM_CHROMIUM") ?? "/usr/bin/chromium";

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-quic",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        });
        return (playwright, browser);
    }

    /// <summary>
    /// Registers a company at /Accounts/Register as its owner would, opens the emailed confirmation link, logs in and
    /// waits for the dashboard.
    /// </summary>
    public static async Task RegisterCompanyAsync(IPage page, string baseUrl, TestDatabase database, string companyName, string email, string mobileNumber)
    {
        await page.GotoAsync($"{baseUrl}/Accounts/Register");
        await page.FillAsync("#Input_CompanyName", companyName);
        await page.FillAsync("#Input_FirstName", "Olga");
        await page.FillAsync("#Input_Surname", "Owner");
        await page.FillAsync("#Input_Email", email);
        await page.FillAsync("#Input_Password", "BrowserPassw0rd");
        await page.FillAsync("#Input_ConfirmPassword", "BrowserPassw0rd");
        await page.FillAsync("#Input_MobileNumber", mobileNumber);
        await page.FillAsync("#Input_PostalCode", "94103");
        await page.SelectOptionAsync("#Input_MarketSector", "Food and drink");
        await page.CheckAsync("#Input_IsAdult");
        await page.CheckAsync("#Input_AcceptTerms");
        await page.ClickAsync("main button[type=submit]");
        await ConfirmAndLogInAsync(page, baseUrl, database, email, "BrowserPassw0rd");
    }

    /// <summary>
    /// After the registration form: the login page says "check your email"; the owner opens the link they were emailed
    /// (read from the host's mail queue), and logs in from the confirmation page; waits for the dashboard.
    /// </summary>
    public static async Task ConfirmAndLogInAsync(IPage page, string baseUrl, TestDatabase database, string email, string password)
    {
        await page.ArriveAtAsync("**/Accounts/Login");
        await Microsoft.Playwright.Assertions.Expect(page.Locator("main .alert-success")).ToContainTextAsync("Check your email");
        await page.GotoAsync(baseUrl + await PlatformFactory.ConfirmationLinkAsync(database, email));
        await page.WaitForSelectorAsync("#address-confirmed");
        await page.ClickAsync("main a.btn-primary");
        await page.ArriveAtAsync("**/Accounts/Login");
        await page.FillAsync("#Input_Email", email);
        await page.FillAsync("#Input_Password", password);
        await page.ClickAsync("main button[type=submit]");
        await page.ArriveAtAsync("**/Dashboard");
    }

    /// <summary>
    /// Logs in as a test admin: the password on the login page, then on the two-factor page the code computed from
    /// <see cref="TestAdmins.AuthenticatorKey"/> (admins must use two factors); waits for the admin home.
    /// </summary>
    public static async Task AdminLogInAsync(this IPage page, string baseUrl, string email, string password)
    {
        await page.GotoAsync($"{baseUrl}/Accounts/Login");
        await page.FillAsync("#Input_Email", email);
        await page.FillAsync("#Input_Password", password);
        await page.ClickAsync("main button[type=submit]");
        await page.EnterTwoFactorCodeAsync(TestAdmins.AuthenticatorKey);
        await page.ArriveAtAsync("**/Admin");
    }

    /// <summary>On the login's two-factor page: types the code an app set up with <paramref name="key"/> shows now, and submits it.</summary>
    public static async Task EnterTwoFactorCodeAsync(this IPage page, string key)
    {
        await page.ArriveAtAsync("**/Accounts/LoginWith2fa**");
        await page.FillAsync("#Input_Code", TestAdmins.Code(key));
        await page.ClickAsync("main button[type=submit]");
    }

    /// <summary>
    /// Waits until the page's address matches <paramref name="glob"/> (<c>**</c> any text, <c>*</c> any text without a slash).
    /// Not <c>IPage.WaitForURLAsync</c>: when the address already matches it waits for the document's "load" event, and in CI
    /// that event was once never reported after a redirect (the page was there, "networkidle" fired, the test timed out).
    /// The assertions that follow wait for the elements they need.
    /// </summary>
    public static Task ArriveAtAsync(this IPage page, string glob) =>
        Microsoft.Playwright.Assertions.Expect(page).ToHaveURLAsync(
            new Regex("^" + Regex.Escape(glob).Replace(@"\*\*", ".*", StringComparison.Ordinal).Replace(@"\*", "[^/]*", StringComparison.Ordinal) + "$"),
            new PageAssertionsToHaveURLOptions { Timeout = 60_000 });

    public static async Task ScreenshotAsync(IPage page, string name)
    {
        var directory = Path.Combine(Platform.Tests.Integration.Infrastructure.HostProcess.RepositoryRoot(), "artifacts", "screenshots");
        Directory.CreateDirectory(directory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, $"{name}.png"), FullPage = true });
    }
}
