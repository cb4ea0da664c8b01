using Microsoft.Playwright;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Browser;

/// <summary>The company's country in a real browser (ADR 17): proposed from the browser's language, shown and changed on the profile.</summary>
[Collection(ClusterCollection.Name)]
public sealed class CompanyCountryBrowserTests(ClusterFixture cluster) : BrowserTestBase
{
    [Fact]
    public async Task A_US_owner_registers_with_a_national_number_and_changes_the_country_on_the_profile()
    {
        await using var context = await Browser.NewContextAsync(new BrowserNewContextOptions { Locale = "en-US" });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(60_000);
        try
        {
            await page.GotoAsync($"{cluster.NodeA.BaseUrl}/Accounts/Register");
            (await page.InputValueAsync("#Input_Country")).Should().Be("US", "an en-US browser is proposed the United States");
            await BrowserSession.RegisterCompanyAsync(page, cluster.NodeA.BaseUrl, cluster.Database, "Browser Diner", $"{Guid.NewGuid():N}@browserdiner.example", "(555) 777-0099");
            (await cluster.Database.ScalarAsync<string>("SELECT u.phone_number FROM accounts.users u JOIN accounts.companies c ON c.id = u.company_id WHERE c.name = 'Browser Diner'"))
                .Should().Be("+15557770099");

            await page.GotoAsync($"{cluster.NodeB.BaseUrl}/Accounts/Profile");
            (await page.InputValueAsync("#Input_Country")).Should().Be("US");
            (await page.InputValueAsync("#Input_MobileNumber")).Should().Be("(555) 777-0099");
            await page.SelectOptionAsync("#Input_Country", "CA");
            await page.ClickAsync("main button[type=submit]");
            await page.ArriveAtAsync("**/Accounts/Profile?saved=True");
            (await page.InputValueAsync("#Input_Country")).Should().Be("CA");
            (await cluster.Database.ScalarAsync<string>("SELECT country FROM accounts.companies WHERE name = 'Browser Diner'")).Should().Be("CA");
        }
        catch
        {
            await BrowserSession.ScreenshotAsync(page, "failed-company-country");
            throw;
        }
    }
}
