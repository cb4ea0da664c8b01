using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.Tests.Integration.Campaigns;
using Platform.Tests.Integration.Infrastructure;
using Platform.Tests.Integration.OptIns;
using Platform.Tests.Integration.SenderIds;

namespace Platform.Tests.Integration.BadInput;

/// <summary>
/// The host with one of everything a page can show (a company with a keyword, a list with contacts, a draft campaign,
/// a submitted Sender ID application, an API key; a subscriber with a web account; the platform admin), and a signed-in
/// client per role, so every page discovered has real ids to be probed with.
/// </summary>
public sealed class BadInputFactory : PlatformFactory
{
    public const string SubscriberPassword = "Subscr1berPass";

    private readonly string documents = Path.Combine(Path.GetTempPath(), "badinput-docs-" + Guid.NewGuid().ToString("N"));

    public const string OwnerEmail = "owner@sweep.example";

    public const string OwnerPassword = "Passw0rdPassw0rd";

    public const string SubscriberEmail = "sam@sweep.example";

    /// <summary>Where Sender ID documents are kept (a second host on the same database must be told the same).</summary>
    public string DocumentsPath => documents;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Platform:SenderIds:DocumentsPath"] = documents,
        // The sweep sends hundreds of API requests with one key; the per-key limit has its own tests.
        ["Platform:SendApi:RequestsPerSecond"] = "100000",
        ["Platform:RateLimits:InboundPerSecond"] = "100000",
        // Configured, so Stripe's webhook judges what it is sent (unconfigured, it answers every post 503 on purpose).
        ["Platform:Billing:Stripe:WebhookSecret"] = "whsec_sweep",
        // Sealing consent records is background work that would change optins tables between two snapshots of the sweep.
        ["Platform:OptIns:ConsentSealCron"] = "0 0 0 31 2 *",
    };

    /// <summary>The signed-in client of each role, in the order a page's role is looked for.</summary>
    public IReadOnlyList<(string Role, FormClient Client)> Roles { get; private set; } = [];

    public string ApiKey { get; private set; } = string.Empty;

    public LogCapture Logs { get; } = new();

    protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddSingleton<ILoggerProvider>(Logs));
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var owner = await RegisterCompanyAsync("Sweep Pizza", OwnerEmail, OwnerPassword);
        await OptInsFactory.CreateKeywordAsync(owner, "SWEEP");
        var listId = await Contacts.CreateListAsync(owner, "Sweep list");
        await Contacts.ImportAsync(this, owner, listId, "phone,first_name\n+447700900123,Ann\n+447700900124,Bob\n");
        await SendingFactory.CreateCampaignAsync(owner, SendingFactory.CampaignForm("Sweep draft", listId, schedule: false));
        var application = await SenderIdsFactory.ApplyAsync(owner, "SWEEPCO", "GB");
        await SenderIdsFactory.SubmitAsync(owner, application);
        ApiKey = await ApiFactory.CreateKeyAsync(owner);

        var handset = "+15557770101";
        await TextPlatformAsync(handset, "SWEEP");
        var code = await Database.ScalarAsync<string>("SELECT user_code FROM optins.subscribers WHERE phone = @p", ("p", handset));
        var subscriber = CreateFormClient();
        var registered = await subscriber.PostFormAsync($"/OptIns/Me/Register?code={code}", new()
        {
            ["Input.UserCode"] = code!,
            ["Input.MobileNumber"] = handset,
            ["Input.FirstName"] = "Sam",
            ["Input.Surname"] = "Subscriber",
            ["Input.Email"] = SubscriberEmail,
            ["Input.PostalCode"] = "90210",
            ["Input.DateOfBirth"] = "1990-05-17",
            ["Input.Password"] = SubscriberPassword,
            ["Input.ConfirmPassword"] = SubscriberPassword,
            ["Input.AgeBand"] = "31-40",
            ["Input.Country"] = "United States",
        });
        registered.StatusCode.Should().Be(HttpStatusCode.Redirect, WebUtility.HtmlDecode(await registered.Content.ReadAsStringAsync()));

        var admin = await LoginAsync(AdminEmail, AdminPassword);
        Roles = [("anonymous", CreateFormClient()), ("owner", owner), ("admin", admin), ("subscriber", subscriber)];
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(documents))
        {
            Directory.Delete(documents, recursive: true);
        }
    }
}
