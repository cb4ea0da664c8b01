using Microsoft.Playwright;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Browser;

/// <summary>"Forgot your password?" in a real browser (issue #17): from the login page to the emailed link, a new password, and in.</summary>
[Collection(ClusterCollection.Name)]
public sealed class PasswordResetBrowserTests(ClusterFixture cluster) : BrowserTestBase
{
    [Fact]
    public async Task An_owner_who_forgot_the_password_resets_it_through_the_emailed_link_and_logs_in_with_the_new_one()
    {
        var email = $"{Guid.NewGuid():N}@forgetful.example";
        await using var context = await Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(60_000);
        try
        {
            await BrowserSession.RegisterCompanyAsync(page, cluster.NodeA.BaseUrl, cluster.Database, "Forgetful Pizza", email, "+44 7700 900555");
            await page.ClickAsync("#logout");

            await page.GotoAsync($"{cluster.NodeA.BaseUrl}/Accounts/Login");
            await page.ClickAsync("text=Forgot your password?");
            await page.ArriveAtAsync("**/Accounts/ForgotPassword");
            await page.FillAsync("#Input_Email", email);
            await page.ClickAsync("main button[type=submit]");
            await Microsoft.Playwright.Assertions.Expect(page.Locator("main .alert-success")).ToContainTextAsync("we have emailed it a link");

            // The emailed link (as queued for the mail server), opened on the other node: any host accepts the token.
            await page.GotoAsync(cluster.NodeB.BaseUrl + await PlatformFactory.EmailedLinkAsync(cluster.Database, email, "accounts.password-reset", "/Accounts/ResetPassword"));
            await page.FillAsync("#Input_Password", "Remembered9Now");
            await page.FillAsync("#Input_ConfirmPassword", "Remembered9Now");
            await page.ClickAsync("main button[type=submit]");
            await page.ArriveAtAsync("**/Accounts/Login");
            await Microsoft.Playwright.Assertions.Expect(page.Locator("main .alert-success")).ToContainTextAsync("Your password is changed");

            await page.FillAsync("#Input_Email", email);
            await page.FillAsync("#Input_Password", "Remembered9Now");
            await page.ClickAsync("main button[type=submit]");
            await page.ArriveAtAsync("**/Dashboard");
            (await page.TextContentAsync("h1")).Should().Contain("Forgetful Pizza");
        }
        catch
        {
            await BrowserSession.ScreenshotAsync(page, "failed-password-reset");
            throw;
        }
    }
}
