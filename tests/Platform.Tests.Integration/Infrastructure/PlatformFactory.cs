using System.Net.Http.Json;
using System.Text.Json;
using MediatR;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Platform.Modules.Accounts.Contracts;

namespace Platform.Tests.Integration.Infrastructure;

/// <summary>
/// The real host in memory (TestServer) against its own fresh PostgreSQL database, with the real
/// migrations and a real Hangfire server. One per test class; settings can be overridden per factory.
/// </summary>
public class PlatformFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string AdminEmail = "admin@test.local";
    public const string AdminPassword = "Keeper9Passw0rd!";

    private TestDatabase? database;

    public TestDatabase Database => database ?? throw new InvalidOperationException("InitializeAsync has not run.");

    /// <summary>Settings a derived factory changes (for example a low login rate limit).</summary>
    protected virtual IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Platform:RateLimits:LoginPerMinute"] = "10000",
        ["Platform:Simulator:DevEndpoints"] = "true",
    };

    public virtual async Task InitializeAsync()
    {
        database = await TestDatabase.CreateAsync();
        _ = Server; // starts the host: migrations run and Hangfire starts
        await using var scope = Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IMediator>().Send(new EnsurePlatformAdmin(AdminEmail, AdminPassword, TestAdmins.AuthenticatorKey));
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Platform", Database.ConnectionString);
        builder.UseSetting("Platform:Jobs:ServerName", $"test-{Database.Name[^6..]}");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
    }

    /// <summary>A browser-like client: HTTPS (the cookies are Secure), cookies kept, redirects not followed.</summary>
    public FormClient CreateFormClient() => CreateFormClient(this);

    private static FormClient CreateFormClient(WebApplicationFactory<Program> host) =>
        new(host.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost"), AllowAutoRedirect = false }));

    /// <summary>Logs in through the login page; a test admin (two-factor on, <see cref="TestAdmins"/>) then gives the code from its key.</summary>
    public Task<FormClient> LoginAsync(string email, string password) => LoginAsync(this, email, password);

    /// <summary>The same on another host of this database (one started by <c>WithWebHostBuilder</c>, as if restarted with other settings).</summary>
    public static async Task<FormClient> LoginAsync(WebApplicationFactory<Program> host, string email, string password)
    {
        var client = CreateFormClient(host);
        var response = await client.PostFormAsync("/Accounts/Login", new() { ["Input.Email"] = email, ["Input.Password"] = password });
        response.StatusCode.Should().Be(System.Net.HttpStatusCode.Redirect, $"{email} should be able to log in");
        if (TestAdmins.AsksForCode(response))
        {
            await TestAdmins.CompleteTwoFactorAsync(client, response.Headers.Location!.OriginalString);
        }

        return client;
    }

    /// <summary>
    /// Registers a company through the real form as its owner would: the form answers "check your email", the owner opens
    /// the emailed confirmation link and logs in. Returns the owner's logged-in client.
    /// </summary>
    public Task<FormClient> RegisterCompanyAsync(string companyName, string email, string password = "Passw0rdPassw0rd") =>
        RegisterAsync(RegistrationForm(companyName, email, password));

    /// <summary>
    /// Registers with this form (on <paramref name="client"/>, else a new one), confirms the address through the link the
    /// owner was emailed (as queued for the mail server) and logs in on the same client.
    /// </summary>
    public Task<FormClient> RegisterAsync(Dictionary<string, string> form, FormClient? client = null) =>
        RegisterAsync(client ?? CreateFormClient(), Database, form);

    /// <summary>The same on any host (a host process, a cluster node): its database holds the emailed link.</summary>
    public static async Task<FormClient> RegisterAsync(FormClient client, TestDatabase database, Dictionary<string, string> form)
    {
        var response = await client.PostFormAsync("/Accounts/Register", form);
        response.StatusCode.Should().Be(System.Net.HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());
        response.Headers.Location!.OriginalString.Should().StartWith("/Accounts/Login", "a registration signs nobody in before the address is confirmed");
        var (status, page) = await client.GetAsync(await ConfirmationLinkAsync(database, form["Input.Email"]));
        status.Should().Be(System.Net.HttpStatusCode.OK);
        page.Should().Contain("id=\"address-confirmed\"");
        var login = await client.PostFormAsync("/Accounts/Login", new() { ["Input.Email"] = form["Input.Email"], ["Input.Password"] = form["Input.Password"] });
        login.StatusCode.Should().Be(System.Net.HttpStatusCode.Redirect, $"{form["Input.Email"]} should be able to log in once confirmed");
        return client;
    }

    /// <summary>
    /// The path and query of the newest confirmation link emailed to <paramref name="email"/>, read from the host's mail
    /// queue (what the SMTP server is handed; the tests in Mail/ read it off a real SMTP server).
    /// </summary>
    public static Task<string> ConfirmationLinkAsync(TestDatabase database, string email) =>
        EmailedLinkAsync(database, email, "accounts.confirm-email", "/Accounts/ConfirmEmail");

    /// <summary>The path and query of the link to <paramref name="path"/> in the newest email of that kind to that address.</summary>
    public static async Task<string> EmailedLinkAsync(TestDatabase database, string email, string kind, string path)
    {
        var body = await database.ScalarAsync<string>(
            "SELECT text_body FROM platform.emails WHERE kind = @kind AND lower(to_address) = lower(@to) ORDER BY created_at DESC LIMIT 1",
            ("kind", kind), ("to", email.Trim()));
        body.Should().NotBeNull($"{email} should have been emailed {kind}");
        var link = System.Text.RegularExpressions.Regex.Match(body!, @"https?://\S+" + System.Text.RegularExpressions.Regex.Escape(path) + @"\?\S+");
        link.Success.Should().BeTrue(body);
        return new Uri(link.Value).PathAndQuery;
    }

    /// <summary>
    /// Registers a company through the form (in <paramref name="country"/> when given, else the form's default, GB);
    /// answers the owner's client and the company id.
    /// </summary>
    public async Task<(FormClient Owner, Guid CompanyId)> CompanyAsync(string name, string? country = null, string? ownerEmail = null)
    {
        var form = RegistrationForm(name, ownerEmail ?? $"{Guid.NewGuid():N}@owner.example");
        if (country is not null)
        {
            form["Input.Country"] = country;
        }

        var owner = await RegisterAsync(form);
        var id = await Database.ScalarAsync<Guid>("SELECT id FROM accounts.companies WHERE name = @n", ("n", name));
        return (owner, id);
    }

    /// <summary>Sends a module request in a scope of its own, as a page or job would.</summary>
    public async Task<T> SendAsync<T>(IRequest<T> request)
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(request);
    }

    /// <summary>The platform number the simulator's handsets text (Platform:Messaging:PlatformNumbers, first).</summary>
    public const string PlatformNumber = "+15550100100";

    /// <summary>A handset texts the platform through the simulator carrier (the real inbound entry); answered once the host has handled it.</summary>
    public async Task TextPlatformAsync(string from, string text, string to = PlatformNumber)
    {
        using var client = CreateClient();
        var response = await client.PostAsJsonAsync("/simulator/inbound", new { from, to, text });
        response.StatusCode.Should().Be(System.Net.HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
    }

    /// <summary>What a handset has received through the simulator carrier, oldest first.</summary>
    public async Task<List<HandsetMessage>> ReceivedByAsync(string handset)
    {
        using var client = CreateClient();
        return await client.GetFromJsonAsync<List<HandsetMessage>>($"/simulator/outbox?to={Uri.EscapeDataString(handset)}", JsonSerializerOptions.Web) ?? [];
    }

    /// <summary>Runs a recurring job now, as "Trigger now" on the dashboard would; again if a run still going made it skip.</summary>
    public async Task RunRecurringJobAsync(string id)
    {
        await using var scope = Services.CreateAsyncScope();
        var runner = scope.ServiceProvider.GetRequiredService<Platform.Modules.Shared.Jobs.RecurringJobRunner>();
        while ((await runner.RunAsync(id, CancellationToken.None)).StartsWith("Skipped", StringComparison.Ordinal))
        {
            await Task.Delay(50);
        }
    }

    /// <summary>Publishes an integration event in a scope of its own, as the carrier runtime or a module would.</summary>
    public async Task PublishAsync(INotification notification)
    {
        await using var scope = Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IMediator>().Publish(notification);
    }

    public static Dictionary<string, string> RegistrationForm(string companyName, string email, string password = "Passw0rdPassw0rd") => new()
    {
        ["Input.CompanyName"] = companyName,
        ["Input.FirstName"] = "Ada",
        ["Input.Surname"] = "Lovelace",
        ["Input.Email"] = email,
        ["Input.Password"] = password,
        ["Input.ConfirmPassword"] = password,
        ["Input.MobileNumber"] = "+44 7700 900123",
        ["Input.PostalCode"] = "SW1A 1AA",
        ["Input.MarketSector"] = "Food and drink",
        ["Input.IsAdult"] = "true",
        ["Input.AcceptTerms"] = "true",
    };

    /// <summary>The invitation page's form for a new member (terms not yet ticked: add <c>Input.AcceptTerms</c>).</summary>
    public static Dictionary<string, string> InvitationAcceptanceForm(string token) => new()
    {
        ["Input.Token"] = token,
        ["Input.FirstName"] = "Mo",
        ["Input.Surname"] = "Member",
        ["Input.MobileNumber"] = "+15551230002",
        ["Input.PostalCode"] = "10001",
        ["Input.Password"] = "Teammate9Pass",
        ["Input.ConfirmPassword"] = "Teammate9Pass",
    };

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (database is not null)
        {
            await database.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();
}

/// <summary>A message a simulated handset received.</summary>
public sealed record HandsetMessage(string From, string To, string Text);
