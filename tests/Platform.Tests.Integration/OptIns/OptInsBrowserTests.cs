using System.Text.RegularExpressions;
using Platform.Tests.Integration.Browser;

namespace Platform.Tests.Integration.OptIns;

/// <summary>One host process of its own (on a fresh database, simulator dev endpoints on) for the OptIns browser test.</summary>
public sealed class OptInsHostFixture : BrowserHostFixture
{
    protected override string InstanceName => "optins-browser";

    protected override IDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Platform__Simulator__DevEndpoints"] = "true",
        ["Platform__RateLimits__LoginPerMinute"] = "1000",
    };
}

[CollectionDefinition(Name)]
public sealed class OptInsHostCollection : ICollectionFixture<OptInsHostFixture>
{
    public const string Name = "optins-host";
}

[Collection(OptInsHostCollection.Name)]
public sealed partial class OptInsBrowserTests(OptInsHostFixture fixture) : BrowserTestBase
{
    [Fact]
    public async Task A_person_texts_the_keyword_registers_with_the_code_opts_out_on_the_web_and_the_owner_sees_the_count_rise()
    {
        var baseUrl = fixture.Host.BaseUrl;
        await using var ownerContext = await Browser.NewContextAsync();
        await using var personContext = await Browser.NewContextAsync();
        var owner = await ownerContext.NewPageAsync();
        var person = await personContext.NewPageAsync();
        owner.SetDefaultTimeout(60_000);
        person.SetDefaultTimeout(60_000);
        try
        {
            // The owner registers the company and creates the keyword.
            await BrowserSession.RegisterCompanyAsync(owner, baseUrl, fixture.Database, "Browser Opt Pizza", "olga@browseroptpizza.example", "+1 555 123 0077");
            await owner.GotoAsync($"{baseUrl}/OptIns/Keywords/Create");
            await owner.FillAsync("#Input_Word", "bpizza");
            await owner.FillAsync("#Input_Description", "Weekly pizza deals");
            await owner.FillAsync("#Input_AutoReply", "Welcome to Browser Opt Pizza deals!");
            await owner.ClickAsync("main button[type=submit]");
            await owner.ArriveAtAsync("**/OptIns/Keywords/Details/**");
            (await owner.TextContentAsync("#opted-out")).Should().Be("0");

            // The person texts the keyword from the simulator's handset page and reads the reply.
            await person.GotoAsync($"{baseUrl}/simulator");
            await person.FillAsync("#Input_From", "+15551239901");
            await person.FillAsync("#Input_To", "+15550100100");
            await person.FillAsync("#Input_Text", "BPIZZA");
            await person.ClickAsync("#send");
            string? code = null;
            for (var i = 0; i < 40 && code is null; i++)
            {
                await person.GotoAsync($"{baseUrl}/simulator?from=%2B15551239901");
                var match = UserCode().Match(await person.TextContentAsync("#received") ?? string.Empty);
                code = match.Success ? match.Groups[1].Value : null;
                if (code is null)
                {
                    await Task.Delay(250);
                }
            }

            code.Should().NotBeNull("the reply with the user code reaches the handset");

            // Registers with the code, sees the company, opts out on the web.
            await person.GotoAsync($"{baseUrl}/OptIns/Me/Register?code={code}");
            (await person.InputValueAsync("#Input_UserCode")).Should().Be(code);
            await person.FillAsync("#Input_MobileNumber", "+15551239901");
            await person.FillAsync("#Input_FirstName", "Pat");
            await person.FillAsync("#Input_Surname", "Person");
            await person.FillAsync("#Input_Email", "pat@person.example");
            await person.FillAsync("#Input_PostalCode", "10001");
            await person.FillAsync("#Input_DateOfBirth", "1991-02-03");
            await person.FillAsync("#Input_Password", "Lantern9Harbour");
            await person.FillAsync("#Input_ConfirmPassword", "Lantern9Harbour");
            await person.ClickAsync("main button[type=submit]");
            await person.ArriveAtAsync("**/OptIns/Me");
            var card = person.Locator("[data-company='Browser Opt Pizza']");
            (await card.TextContentAsync()).Should().Contain("Opted in").And.Contain("BPIZZA");
            await BrowserSession.ScreenshotAsync(person, "optins-subscriber");
            await card.Locator("button:has-text('Opt out of Browser Opt Pizza')").ClickAsync();
            await person.WaitForSelectorAsync("[data-company='Browser Opt Pizza'] [data-state='out']");

            // The owner sees the opted-out count rise.
            await owner.GotoAsync($"{baseUrl}/OptIns");
            var row = owner.Locator("tr[data-keyword='BPIZZA']");
            (await row.Locator("[data-counter='opted-out']").TextContentAsync()).Should().Be("1");
            (await row.Locator("[data-counter='opted-in']").TextContentAsync()).Should().Be("0");
            await BrowserSession.ScreenshotAsync(owner, "optins-keywords");

            // Consent proof: the owner looks the number up, downloads the bundle, and anyone checks it on the public page.
            await owner.ClickAsync("#consent-proof");
            await owner.FillAsync("#Phone", "+15551239901");
            await owner.ClickAsync("#show-records");
            (await owner.TextContentAsync("#proof-verdict")).Should().Contain("The proof of +15551239901 checks out");
            (await owner.Locator("#proof-records tbody tr").CountAsync()).Should().Be(2, "the opt-in by SMS and the opt-out on the web");
            var download = await owner.RunAndWaitForDownloadAsync(() => owner.ClickAsync("#download-bundle"));
            var bundleFile = Path.Combine(Path.GetTempPath(), $"consent-proof-{Guid.NewGuid():N}.json");
            await download.SaveAsAsync(bundleFile);
            await using var auditorContext = await Browser.NewContextAsync();
            var auditor = await auditorContext.NewPageAsync();
            await auditor.GotoAsync($"{baseUrl}/privacy/verify");
            await auditor.SetInputFilesAsync("#Bundle", bundleFile);
            await auditor.ClickAsync("#verify");
            (await auditor.TextContentAsync("#proof-verdict")).Should().Contain("Valid so far: the records below are consistent");
            (await auditor.Locator("#proof-records tbody tr").CountAsync()).Should().Be(2);
            await BrowserSession.ScreenshotAsync(auditor, "consent-proof-verified");
            File.Delete(bundleFile);
        }
        catch (Exception exception)
        {
            await BrowserSession.ScreenshotAsync(person, "failed-optins-person");
            await BrowserSession.ScreenshotAsync(owner, "failed-optins-owner");
            var logs = string.Join('\n', fixture.Host.Output.Split('\n').TakeLast(60));
            throw new InvalidOperationException($"failed at {person.Url} / {owner.Url}: {exception.Message}\n--- host output ---\n{logs}", exception);
        }
    }

    [GeneratedRegex("user code is ([2-9A-HJKMNP-Z]{6})")]
    private static partial Regex UserCode();
}
