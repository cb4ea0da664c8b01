using Microsoft.Playwright;
using Platform.Tests.Integration.Browser;

namespace Platform.Tests.Integration.SenderIds;

/// <summary>One host process of its own (fresh database, demo seed for the admin and an owner) for the Sender IDs browser test.</summary>
public sealed class SenderIdsHostFixture : BrowserHostFixture
{
    public const string AdminEmail = "admin@senderids.test";
    public const string AdminPassword = "SenderAdm1nPass";
    public const string OwnerEmail = "owner@senderids.test";
    public const string OwnerPassword = "SenderOwn3rPass";

    public string DocumentsPath { get; } = Path.Combine(Path.GetTempPath(), "senderid-browser-" + Guid.NewGuid().ToString("N"));

    protected override string InstanceName => "senderids-browser";

    protected override IDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Platform__Demo__Seed"] = "true",
        ["Platform__Demo__AdminEmail"] = AdminEmail,
        ["Platform__Demo__AdminPassword"] = AdminPassword,
        [Infrastructure.TestAdmins.DemoSetting.Key] = Infrastructure.TestAdmins.DemoSetting.Value,
        ["Platform__Demo__OwnerEmail"] = OwnerEmail,
        ["Platform__Demo__OwnerPassword"] = OwnerPassword,
        ["Platform__RateLimits__LoginPerMinute"] = "1000",
        ["Platform__SenderIds__DocumentsPath"] = DocumentsPath,
    };

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(DocumentsPath))
        {
            Directory.Delete(DocumentsPath, recursive: true);
        }
    }
}

public sealed class SenderIdsBrowserTests(SenderIdsHostFixture fixture) : BrowserTestBase, IClassFixture<SenderIdsHostFixture>
{
    [Fact]
    public async Task The_company_applies_with_documents_the_admin_approves_and_the_company_sees_Approved()
    {
        var baseUrl = fixture.Host.BaseUrl;
        await using var ownerContext = await Browser.NewContextAsync();
        await using var adminContext = await Browser.NewContextAsync();
        var owner = await ownerContext.NewPageAsync();
        var admin = await adminContext.NewPageAsync();
        owner.SetDefaultTimeout(60_000);
        admin.SetDefaultTimeout(60_000);
        try
        {
            await LoginAsync(owner, baseUrl, SenderIdsHostFixture.OwnerEmail, SenderIdsHostFixture.OwnerPassword);
            await owner.GotoAsync($"{baseUrl}/SenderIds");
            await owner.ClickAsync("text=Apply for a Sender ID");
            await owner.ArriveAtAsync("**/SenderIds/Apply");
            await owner.FillAsync("#Input_SenderId", "BROWSERPZ");
            await owner.SelectOptionAsync("#Input_Countries", new[] { "GB", "IE" });
            await owner.FillAsync("#Input_UseCase", "Order updates for our pizza customers.");
            await owner.FillAsync("#Input_SampleMessages", "Your pizza is on its way!");
            await owner.FillAsync("#Input_RegistrationNumber", "0987654");
            await owner.SetInputFilesAsync("#Input_AuthorisationLetter", new FilePayload { Name = "letter.pdf", MimeType = "application/pdf", Buffer = SenderIdsFactory.Pdf });
            await owner.SetInputFilesAsync("#Input_RegistrationCertificate", new FilePayload { Name = "certificate.png", MimeType = "image/png", Buffer = SenderIdsFactory.Png });
            await owner.ClickAsync("main button[type=submit]");
            await owner.ArriveAtAsync("**/SenderIds/Details/**");
            (await owner.TextContentAsync("#status")).Should().Be("Draft");
            await owner.ClickAsync("text=Submit for review");
            await owner.WaitForSelectorAsync("#status:has-text('Submitted')");

            await admin.AdminLogInAsync(baseUrl, SenderIdsHostFixture.AdminEmail, SenderIdsHostFixture.AdminPassword);
            await admin.GotoAsync($"{baseUrl}/Admin/SenderIds?country=GB");
            await admin.ClickAsync("#queue >> text=BROWSERPZ");
            await admin.ArriveAtAsync("**/Admin/SenderIds/Review/**");
            var letter = await admin.Context.RequestAsync(admin.Locator("a:has-text('view')").First);
            letter.Status.Should().Be(200);
            letter.Headers["content-disposition"].Should().StartWith("inline");
            await admin.ClickAsync("button:has-text('Approve')");
            await admin.WaitForSelectorAsync("#status:has-text('Approved')");

            await owner.GotoAsync($"{baseUrl}/SenderIds");
            (await owner.TextContentAsync("#applications")).Should().Contain("Approved");
            (await owner.TextContentAsync("#notifications")).Should().Contain("Sender ID BROWSERPZ was approved for GB, IE.");
        }
        catch
        {
            await BrowserSession.ScreenshotAsync(owner, "senderids-owner");
            await BrowserSession.ScreenshotAsync(admin, "senderids-admin");
            throw;
        }
    }

    private static async Task LoginAsync(IPage page, string baseUrl, string email, string password)
    {
        await page.GotoAsync($"{baseUrl}/Accounts/Login");
        await page.FillAsync("#Input_Email", email);
        await page.FillAsync("#Input_Password", password);
        await page.ClickAsync("main button[type=submit]");
        await Assertions.Expect(page).Not.ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/Accounts/Login"), new() { Timeout = 60_000 });
    }
}
