using Microsoft.Playwright;

namespace Platform.Tests.Integration.Browser;

/// <summary>A browser test: Chromium launched before each test (see <see cref="BrowserSession"/>) and closed after it.</summary>
public abstract class BrowserTestBase : IAsyncLifetime
{
    private IPlaywright playwright = null!;

    protected IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        (playwright, var browser) = await BrowserSession.LaunchAsync();
        Browser = browser;
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        playwright.Dispose();
    }
}
