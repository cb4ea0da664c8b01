using Microsoft.Playwright;
using Platform.Tests.Integration.Browser;
using Platform.Tests.Integration.OptIns;

namespace Platform.Tests.Integration.Privacy;

/// <summary>In Chromium, on the OptIns browser host (shared, so no extra start-up): download my data, erase my account, log in again fails.</summary>
[Collection(OptInsHostCollection.Name)]
public sealed class PrivacyBrowserTests(OptInsHostFixture fixture) : IAsyncLifetime
{
    private IPlaywright playwright = null!;
    private IBrowser browser = null!;

    public async Task InitializeAsync() => (playwright, browser) = await BrowserSession.LaunchAsync();

    public async Task DisposeAsync()
    {
        await browser.DisposeAsync();
        playwright.Dispose();
    }

    [Fact]
    public async Task A_business_user_downloads_their_data_erases_their_account_and_cannot_log_in_again()
    {
        var baseUrl = fixture.Host.BaseUrl;
        var email = $"erase.{Guid.NewGuid():N}@browser.example";
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { AcceptDownloads = true });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(60_000);
        try
        {
            await page.GotoAsync($"{baseUrl}/Accounts/Register");
            await page.FillAsync("#Input_CompanyName", "Browser Erase Co");
            await page.FillAsync("#Input_FirstName", "Erin");
            await page.FillAsync("#Input_Surname", "Eraseme");
            await page.FillAsync("#Input_Email", email);
            await page.FillAsync("#Input_Password", "BrowserPassw0rd");
            await page.FillAsync("#Input_ConfirmPassword", "BrowserPassw0rd");
            await page.FillAsync("#Input_MobileNumber", "+1 555 123 0088");
            await page.FillAsync("#Input_PostalCode", "94107");
            await page.SelectOptionAsync("#Input_MarketSector", "Retail");
            await page.CheckAsync("#Input_IsAdult");
            await page.CheckAsync("#Input_AcceptTerms");
            await page.ClickAsync("main button[type=submit]");
            await BrowserSession.ConfirmAndLogInAsync(page, baseUrl, fixture.Database, email, "BrowserPassw0rd");

            await page.ClickAsync("#nav-my-data");
            await page.ArriveAtAsync("**/Privacy/Account");
            var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#download-data"));
            var json = await File.ReadAllTextAsync((await download.PathAsync())!);
            json.Should().Contain(email).And.Contain("Eraseme").And.Contain("94107");

            await page.FillAsync("#Erase_Password", "BrowserPassw0rd");
            await page.CheckAsync("#Erase_Confirm");
            await page.ClickAsync("#erase-account");
            await page.WaitForSelectorAsync("#erased");
            (await page.TextContentAsync("#erased")).Should().Contain("Your account is erased");

            await page.GotoAsync($"{baseUrl}/Accounts/Login");
            await page.FillAsync("#Input_Email", email);
            await page.FillAsync("#Input_Password", "BrowserPassw0rd");
            await page.ClickAsync("main button[type=submit]");
            (await page.TextContentAsync("main")).Should().Contain("The email address or password is not right.");
            page.Url.Should().Contain("/Accounts/Login");
        }
        catch
        {
            await BrowserSession.ScreenshotAsync(page, "privacy-erase");
            throw;
        }
    }
}
