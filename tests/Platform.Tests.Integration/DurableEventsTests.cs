using System.Net;
using System.Net.Http.Json;
using Platform.Tests.Integration.Infrastructure;
using Platform.Tests.Integration.OptIns;

namespace Platform.Tests.Integration;

/// <summary>
/// Durable module events (issue #13, ADR 12): an opt-out is written to OptIns' outbox with the consent change and reaches
/// Campaigns' suppressions at least once and acts once, through a failing handler, a redelivery, a stale opt-in and a
/// host killed before it dispatched.
/// </summary>
public sealed class DurableEventsTests(DurableEventsTests.FailingHandlerFactory factory) : IClassFixture<DurableEventsTests.FailingHandlerFactory>
{
    private const string OptedOut = "Platform.Modules.OptIns.Contracts.SubscriberOptedOut, Platform.Modules.OptIns.Contracts";
    private const string OptedIn = "Platform.Modules.OptIns.Contracts.SubscriberOptedIn, Platform.Modules.OptIns.Contracts";
    private const string SuppressHandler = "Platform.Modules.Campaigns.Features.SuppressOnOptOut";

    /// <summary>The in-process host, with Campaigns' SuppressOnOptOut made to fail (after it ran) on its first three attempts of every event.</summary>
    public sealed class FailingHandlerFactory : PlatformFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
        {
            ["Platform:ModuleEvents:TestFailHandler"] = "SuppressOnOptOut",
            ["Platform:ModuleEvents:TestFailAttempts"] = "3",
        };
    }

    [Fact]
    public async Task An_opt_out_whose_handler_throws_three_times_is_suppressed_once_and_a_redelivery_acts_once()
    {
        var handset = Handset();
        var companyId = await OptOutOnTheWebAsync(factory.CreateFormClient, factory.CreateClient(), factory.Database, "Durable Pizza", "DURPIZZA", handset);

        await factory.Database.WaitForAsync("the suppression after three failed attempts", TimeSpan.FromSeconds(60),
            "SELECT count(*) = 1 FROM campaigns.suppressions WHERE company_id = @c AND phone = @p AND reason = 'opted-out'", ("c", companyId), ("p", handset));
        var eventId = await factory.Database.ScalarAsync<Guid>(
            "SELECT event_id FROM optins.outbox WHERE event_type = @t AND payload ->> 'phone' = @p", ("t", OptedOut), ("p", handset));
        await factory.Database.WaitForAsync("the event marked dispatched", TimeSpan.FromSeconds(30),
            "SELECT dispatched_at IS NOT NULL FROM optins.outbox WHERE event_id = @e", ("e", eventId));
        (await factory.Database.ScalarAsync<int>("SELECT attempts FROM optins.outbox WHERE event_id = @e", ("e", eventId))).Should().Be(4, "three failures, then the success");
        (await factory.Database.ScalarAsync<string>("SELECT last_error FROM optins.outbox WHERE event_id = @e", ("e", eventId))).Should().BeNull();
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.inbox WHERE event_id = @e", ("e", eventId))).Should().Be(1);
        (await factory.Database.ScalarAsync<string>("SELECT handler FROM campaigns.inbox WHERE event_id = @e", ("e", eventId))).Should().Be(SuppressHandler);

        // Redelivered (as after a crash between the handler's commit and the outbox's): the inbox says it was handled, so
        // the suppression the company since removed by hand does not come back.
        await factory.Database.ExecuteAsync($"DELETE FROM campaigns.suppressions WHERE company_id = '{companyId}' AND phone = '{handset}'");
        await factory.Database.ExecuteAsync($"UPDATE optins.outbox SET dispatched_at = NULL WHERE event_id = '{eventId}'");
        await factory.Database.WaitForAsync("the redelivered event dispatched again", TimeSpan.FromSeconds(30),
            "SELECT dispatched_at IS NOT NULL AND attempts = 5 FROM optins.outbox WHERE event_id = @e", ("e", eventId));
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.suppressions WHERE company_id = @c AND phone = @p", ("c", companyId), ("p", handset)))
            .Should().Be(0, "the redelivered event acted once");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.inbox WHERE event_id = @e", ("e", eventId))).Should().Be(1);
    }

    [Fact]
    public async Task An_older_opt_in_delivered_after_a_newer_opt_out_does_not_lift_the_suppression()
    {
        var handset = Handset();
        var companyId = await OptOutOnTheWebAsync(factory.CreateFormClient, factory.CreateClient(), factory.Database, "Ordered Pizza", "ORDPIZZA", handset);
        await factory.Database.WaitForAsync("the suppression", TimeSpan.FromSeconds(60),
            "SELECT count(*) = 1 FROM campaigns.suppressions WHERE company_id = @c AND phone = @p", ("c", companyId), ("p", handset));
        var optIn = await factory.Database.ScalarAsync<Guid>(
            "SELECT event_id FROM optins.outbox WHERE event_type = @t AND payload ->> 'phone' = @p", ("t", OptedIn), ("p", handset));
        var inSequence = await factory.Database.ScalarAsync<long>("SELECT (payload ->> 'sequence')::bigint FROM optins.outbox WHERE event_id = @e", ("e", optIn));
        var outSequence = await factory.Database.ScalarAsync<long>(
            "SELECT (payload ->> 'sequence')::bigint FROM optins.outbox WHERE event_type = @t AND payload ->> 'phone' = @p", ("t", OptedOut), ("p", handset));
        inSequence.Should().BeLessThan(outSequence);

        // The opt-in delivered again as if for the first time (its inbox row gone too): it is older than the applied opt-out.
        await factory.Database.ExecuteAsync($"DELETE FROM campaigns.inbox WHERE event_id = '{optIn}'");
        await factory.Database.ExecuteAsync($"UPDATE optins.outbox SET dispatched_at = NULL WHERE event_id = '{optIn}'");
        await factory.Database.WaitForAsync("the late opt-in handled", TimeSpan.FromSeconds(30),
            "SELECT count(*) = 1 FROM campaigns.inbox WHERE event_id = @e", ("e", optIn));
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.suppressions WHERE company_id = @c AND phone = @p", ("c", companyId), ("p", handset)))
            .Should().Be(1, "an opt-in older than the opt-out lifts nothing");
    }

    [Fact]
    public async Task A_host_killed_right_after_the_opt_out_committed_loses_nothing_another_host_delivers_it()
    {
        await using var database = await TestDatabase.CreateAsync();
        var common = new Dictionary<string, string>
        {
            ["Platform__Simulator__DevEndpoints"] = "true",
            ["Platform__RateLimits__LoginPerMinute"] = "10000",
        };
        var handset = Handset();
        Guid companyId;
        await using (var first = HostProcess.Start(database.ConnectionString, "events-a", new Dictionary<string, string>(common) { ["Platform__ModuleEvents__Dispatch"] = "false" }))
        {
            await first.WaitUntilHealthyAsync(TimeSpan.FromSeconds(60));
            companyId = await OptOutOnTheWebAsync(first.CreateFormClient, new HttpClient { BaseAddress = new Uri(first.BaseUrl) },
                database, "Killed Pizza", "KILLPIZZA", handset);

            // Committed and announced, never delivered: this host does not dispatch, and now it dies.
            (await database.ScalarAsync<long>("SELECT count(*) FROM optins.outbox WHERE event_type = @t AND dispatched_at IS NULL", ("t", OptedOut))).Should().Be(1);
            await first.KillAsync();
        }

        (await database.ScalarAsync<long>("SELECT count(*) FROM campaigns.suppressions WHERE company_id = @c", ("c", companyId))).Should().Be(0);
        (await database.ScalarAsync<long>("SELECT count(*) FROM billing.ledger_entries WHERE reference = 'trial'")).Should().Be(1, "the registration grants the trial credits at once");
        (await database.ScalarAsync<long>("SELECT count(*) FROM accounts.outbox WHERE dispatched_at IS NULL")).Should().Be(1, "CompanyRegistered waits in Accounts' outbox too");

        await using var second = HostProcess.Start(database.ConnectionString, "events-b", common);
        await second.WaitUntilHealthyAsync(TimeSpan.FromSeconds(60));
        await database.WaitForAsync("the suppression delivered by the other host", TimeSpan.FromSeconds(60),
            "SELECT count(*) = 1 FROM campaigns.suppressions WHERE company_id = @c AND phone = @p AND reason = 'opted-out'", ("c", companyId), ("p", handset));
        await database.WaitForAsync("CompanyRegistered delivered by the other host", TimeSpan.FromSeconds(30),
            "SELECT count(*) = 0 FROM accounts.outbox WHERE dispatched_at IS NULL");
        (await database.ScalarAsync<long>("SELECT count(*) FROM billing.ledger_entries WHERE reference = 'trial'")).Should().Be(1, "the trial credits are granted once");
        (await database.ScalarAsync<long>("SELECT count(*) FROM optins.outbox WHERE dispatched_at IS NULL")).Should().Be(0);
    }

    [Fact]
    public async Task A_company_whose_handler_is_held_up_does_not_hold_up_another_companys_events()
    {
        // Company A's billing row is locked by this test, so Billing's CompanyRegistered handler waits on it for A; B's
        // event, written after A's into the same outbox, must still be delivered (one event at a time, it waited behind A).
        var companyA = Guid.NewGuid();
        var companyB = Guid.NewGuid();
        await factory.Database.ExecuteAsync($"INSERT INTO billing.credit_accounts (company_id, plan, available, reserved, trial_granted, updated_at) VALUES ('{companyA}', 'Free', 0, 0, false, now())");
        await using var holder = new Npgsql.NpgsqlConnection(factory.Database.ConnectionString);
        await holder.OpenAsync();
        await using var held = await holder.BeginTransactionAsync();
        await using (var lockA = new Npgsql.NpgsqlCommand($"SELECT 1 FROM billing.credit_accounts WHERE company_id = '{companyA}' FOR UPDATE", holder, held))
        {
            await lockA.ExecuteNonQueryAsync();
        }

        var eventA = await PublishCompanyRegisteredAsync(companyA);
        await factory.Database.WaitForAsync("A's handler waiting on the held row", TimeSpan.FromSeconds(60),
            "SELECT count(*) > 0 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%credit_accounts%'");
        var eventB = await PublishCompanyRegisteredAsync(companyB);

        await factory.Database.WaitForAsync("B's event delivered while A's waits", TimeSpan.FromSeconds(60),
            "SELECT dispatched_at IS NOT NULL FROM accounts.outbox WHERE event_id = @e", ("e", eventB));
        (await factory.Database.ScalarAsync<bool>("SELECT trial_granted FROM billing.credit_accounts WHERE company_id = @c", ("c", companyB))).Should().BeTrue();
        (await factory.Database.ScalarAsync<bool>("SELECT dispatched_at IS NULL FROM accounts.outbox WHERE event_id = @e", ("e", eventA))).Should().BeTrue("A's handler is still waiting");

        await held.RollbackAsync();
        await factory.Database.WaitForAsync("A's event delivered once the row is free", TimeSpan.FromSeconds(60),
            "SELECT dispatched_at IS NOT NULL FROM accounts.outbox WHERE event_id = @e", ("e", eventA));
        (await factory.Database.ScalarAsync<bool>("SELECT trial_granted FROM billing.credit_accounts WHERE company_id = @c", ("c", companyA))).Should().BeTrue();
        (await factory.Database.ScalarAsync<bool>("SELECT (SELECT dispatched_at FROM accounts.outbox WHERE event_id = @b) < (SELECT dispatched_at FROM accounts.outbox WHERE event_id = @a)",
            ("a", eventA), ("b", eventB))).Should().BeTrue("each row is marked with the time its handlers committed");
    }

    /// <summary>A CompanyRegistered in Accounts' outbox, written as <c>Outbox.AddAsync</c> writes it (the dispatcher's own entry).</summary>
    private async Task<Guid> PublishCompanyRegisteredAsync(Guid companyId)
    {
        var eventId = Guid.NewGuid();
        await factory.Database.ExecuteAsync($$"""
            INSERT INTO accounts.outbox (event_id, event_type, payload, occurred_at, next_attempt_at)
            VALUES ('{{eventId}}', 'Platform.Modules.Accounts.Contracts.CompanyRegistered, Platform.Modules.Accounts.Contracts',
                    '{"companyId":"{{companyId}}","companyName":"Held {{companyId:N}}","ownerUserId":"{{Guid.NewGuid()}}"}'::jsonb, now(), now());
            SELECT pg_notify('platform_module_events', 'accounts');
            """);
        return eventId;
    }

    internal static string Handset() => Infrastructure.TestHandsets.New();

    /// <summary>
    /// A company with a keyword, a handset that texts it (opt-in) and registers on the web with its code, then opts out of
    /// the company on the web. Returns the company id.
    /// </summary>
    internal static async Task<Guid> OptOutOnTheWebAsync(Func<FormClient> newClient, HttpClient plain, TestDatabase database, string company, string word, string handset)
    {
        var owner = newClient();
        await PlatformFactory.RegisterAsync(owner, database, PlatformFactory.RegistrationForm(company, $"{Guid.NewGuid():N}@owner.example"));
        await OptInsFactory.CreateKeywordAsync(owner, word);
        var companyId = await database.ScalarAsync<Guid>("SELECT id FROM accounts.companies WHERE name = @n", ("n", company));

        var text = await plain.PostAsJsonAsync("/simulator/inbound", new { from = handset, to = OptInsFactory.PlatformNumber, text = word });
        text.StatusCode.Should().Be(HttpStatusCode.Accepted, await text.Content.ReadAsStringAsync());
        var code = await database.ScalarAsync<string>("SELECT user_code FROM optins.subscribers WHERE phone = @p", ("p", handset));
        code.Should().NotBeNull();

        var subscriber = newClient();
        var signUp = await subscriber.PostFormAsync($"/OptIns/Me/Register?code={code}", new()
        {
            ["Input.UserCode"] = code!, ["Input.MobileNumber"] = handset, ["Input.FirstName"] = "Sam", ["Input.Surname"] = "Subscriber",
            ["Input.Email"] = $"{Guid.NewGuid():N}@sub.example", ["Input.PostalCode"] = "90210", ["Input.DateOfBirth"] = "1990-05-17",
            ["Input.Password"] = "Subscr1berPass", ["Input.ConfirmPassword"] = "Subscr1berPass", ["Input.Imei"] = string.Empty,
            ["Input.AgeBand"] = "31-40", ["Input.Country"] = "United States", ["Input.Gender"] = string.Empty,
        });
        signUp.StatusCode.Should().Be(HttpStatusCode.Redirect, WebUtility.HtmlDecode(await signUp.Content.ReadAsStringAsync()));
        var optOut = await subscriber.PostFormAsync("/OptIns/Me", new() { ["companyId"] = companyId.ToString() }, handler: "OptOut");
        optOut.StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await database.ScalarAsync<bool>("SELECT opted_in FROM optins.subscriptions WHERE company_id = @c AND phone = @p", ("c", companyId), ("p", handset)))
            .Should().BeFalse();
        return companyId;
    }
}
