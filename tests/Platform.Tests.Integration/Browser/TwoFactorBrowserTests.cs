using Microsoft.Playwright;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Browser;

/// <summary>Two-factor authentication in a real browser (ADR 22): an owner sets an app up from the page, logs out, and logs in with the password and a code.</summary>
[Collection(ClusterCollection.Name)]
public sealed class TwoFactorBrowserTests(ClusterFixture cluster) : BrowserTestBase
{
    [Fact]
    public async Task An_owner_turns_on_two_factor_and_logs_in_with_the_password_and_a_code_from_the_app()
    {
        var email = $"{Guid.NewGuid():N}@careful.example";
        await using var context = await Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(60_000);
        try
        {
            await BrowserSession.RegisterCompanyAsync(page, cluster.NodeA.BaseUrl, cluster.Database, "Careful Pizza", email, "+44 7700 900556");
            await page.GotoAsync($"{cluster.NodeA.BaseUrl}/Accounts/Profile");
            await page.ClickAsync("#two-factor-link");
            await page.ArriveAtAsync("**/Accounts/TwoFactor");

            // What a person types into their app: the key as shown (the QR code carries the same).
            var key = (await page.TextContentAsync("#authenticator-key"))!.Replace(" ", string.Empty, StringComparison.Ordinal);
            var qr = page.Locator("#two-factor-qr");
            for (var attempt = 0; attempt < 60 && !await qr.EvaluateAsync<bool>("img => img.complete && img.naturalWidth > 0"); attempt++)
            {
                await Task.Delay(500);
            }

            (await qr.EvaluateAsync<int>("img => img.naturalWidth")).Should().BeGreaterThan(100, "the QR code image loads");
            await page.FillAsync("#Enable_Code", TestAdmins.Code(key));
            await page.ClickAsync("#enable-two-factor");
            await Assertions.Expect(page.Locator("#recovery-codes li")).ToHaveCountAsync(10);

            await page.ClickAsync("#logout");
            await page.GotoAsync($"{cluster.NodeB.BaseUrl}/Accounts/Login");
            await page.FillAsync("#Input_Email", email);
            await page.FillAsync("#Input_Password", "BrowserPassw0rd");
            await page.ClickAsync("main button[type=submit]");
            await page.EnterTwoFactorCodeAsync(key);
            await page.ArriveAtAsync("**/Dashboard");
            (await page.TextContentAsync("h1")).Should().Contain("Careful Pizza");
        }
        catch
        {
            await BrowserSession.ScreenshotAsync(page, "failed-two-factor");
            throw;
        }
    }
}
