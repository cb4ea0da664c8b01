using Platform.Modules.OptIns.Contracts;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Platform.Tests.Integration.Infrastructure;
using Platform.Tests.Integration.OptIns;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>
/// Issue #12, suppression lists per company and the platform block list, through the pages a user has: the STOP a list
/// contact texts (POST /simulator/inbound) shows on the list and survives a re-import, numbers added by hand and by CSV,
/// the export, lifting (audited; a STOP is refused), another company's view, and the admin's block list honoured by the
/// campaigns of every company and by the send API.
/// </summary>
public sealed class SuppressionPagesTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private const string PlatformNumber = PlatformFactory.PlatformNumber;
    private const string Page = "/Campaigns/Suppressions";

    [Fact]
    public async Task A_list_contact_who_texts_STOP_is_listed_cannot_be_lifted_by_the_company_and_a_reimport_keeps_it_suppressed()
    {
        var (owner, companyId, _) = await CompanyAsync("Suppress Stop Pizza");
        var listId = await factory.ListAsync(companyId, "Regulars", 3, first: 961_000);
        const string stopper = "+44770961001";
        await factory.WaitForAsync(await SendingFactory.CreateCampaignAsync(owner, SendingFactory.CampaignForm("First", listId)), "Completed", TimeSpan.FromMinutes(1));

        await TextAsync(stopper, "STOP");

        var html = await HtmlAsync(owner, Page);
        html.Should().Contain(stopper).And.Contain($"Texted STOP to {PlatformNumber}").And.Contain("Only the person can lift this");
        html.Should().Contain("<small class=\"text-muted\" id=\"suppression-total\">1 number</small>");

        // The company cannot lift a STOP, even by posting the form: the page says why and nothing changes.
        var lift = await owner.PostFormAsync(Page, new() { ["Lift.Phone"] = stopper, ["Lift.Reason"] = "The customer called us" }, handler: "Lift");
        lift.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await lift.Content.ReadAsStringAsync()).Should().Contain($"The suppression of {stopper} was not lifted")
            .And.Contain("Only they can undo it, by texting START");
        (await ReasonAsync(companyId, stopper)).Should().Be("stop-sms");
        (await AuditCountAsync(companyId)).Should().Be(0);

        // Importing the list again, with the number in it, does not lift the STOP; the next campaign skips the number.
        var (status, _) = await Contacts.ImportAsync(factory, owner, listId, $"phone,first_name\n{stopper},Again\n+44770961002,Bea\n");
        status.Should().Be("Completed");
        (await ReasonAsync(companyId, stopper)).Should().Be("stop-sms", "a re-imported contact stays suppressed until the person opts in again");
        var second = await SendingFactory.CreateCampaignAsync(owner, SendingFactory.CampaignForm("Second", listId));
        var counters = await factory.WaitForAsync(second, "Completed", TimeSpan.FromMinutes(1));
        counters["suppressed"].Should().Be(1);
        counters["targeted"].Should().Be(3);
        (await factory.Database.ScalarAsync<short>("SELECT state FROM campaigns.messages WHERE campaign_id = @c AND phone = @p", ("c", second), ("p", stopper)))
            .Should().Be(6, "the preparation marks the suppressed number Suppressed");
    }

    [Fact]
    public async Task A_number_added_by_hand_is_normalised_and_audited_adding_it_again_changes_nothing_and_lifting_it_needs_a_reason()
    {
        var (owner, companyId, email) = await CompanyAsync("Suppress By Hand");

        var added = await owner.PostFormAsync(Page, new() { ["Input.Phone"] = "+44 7700 900-201", ["Input.Note"] = "Asked in the shop not to text" }, handler: "Add");
        added.StatusCode.Should().Be(HttpStatusCode.Redirect, await added.Content.ReadAsStringAsync());
        var html = await HtmlAsync(owner, Page);
        html.Should().Contain("+447700900201 is suppressed").And.Contain("Added by hand: Asked in the shop not to text");
        html.Should().Contain(email, "the history says who added it");

        var again = await owner.PostFormAsync(Page, new() { ["Input.Phone"] = "00447700900201", ["Input.Note"] = "Again" }, handler: "Add");
        again.StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await HtmlAsync(owner, Page)).Should().Contain("+447700900201 is already on your suppression list (Added by hand: Asked in the shop not to text). Nothing changed.");
        (await factory.Database.ScalarAsync<string>("SELECT note FROM campaigns.suppressions WHERE company_id = @c AND phone = '+447700900201'", ("c", companyId)))
            .Should().Be("Asked in the shop not to text");
        (await AuditCountAsync(companyId)).Should().Be(1);

        var bad = await owner.PostFormAsync(Page, new() { ["Input.Phone"] = "12345", ["Input.Note"] = "" }, handler: "Add");
        bad.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await bad.Content.ReadAsStringAsync()).Should().Contain("too few digits for +44 (United Kingdom)").And.Contain("Say why, for example");
        var nonsense = await owner.PostFormAsync(Page, new() { ["Input.Phone"] = "call me maybe" + new string('9', 5000), ["Input.Note"] = "x" }, handler: "Add");
        nonsense.StatusCode.Should().Be(HttpStatusCode.OK);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.suppressions WHERE company_id = @c", ("c", companyId))).Should().Be(1);

        var noReason = await owner.PostFormAsync(Page, new() { ["Lift.Phone"] = "+447700900201", ["Lift.Reason"] = "" }, handler: "Lift");
        noReason.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await noReason.Content.ReadAsStringAsync()).Should().Contain("Say why you lift the suppression");
        (await ReasonAsync(companyId, "+447700900201")).Should().Be("manual");

        var lifted = await owner.PostFormAsync(Page, new() { ["Lift.Phone"] = "+447700900201", ["Lift.Reason"] = "Added by mistake" }, handler: "Lift");
        lifted.StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await ReasonAsync(companyId, "+447700900201")).Should().BeNull();
        html = await HtmlAsync(owner, Page);
        html.Should().Contain("The suppression of +447700900201 is lifted").And.Contain("data-action=\"lifted\"").And.Contain("Added by mistake");
        (await factory.Database.ScalarAsync<string>(
            "SELECT action || '|' || reason || '|' || note || '|' || source || '|' || actor_name FROM campaigns.suppression_audit WHERE company_id = @c ORDER BY id DESC LIMIT 1",
            ("c", companyId))).Should().Be($"lifted|manual|Added by mistake|page|{email}");

        var unknown = await owner.PostFormAsync(Page, new() { ["Lift.Phone"] = "+447700900299", ["Lift.Reason"] = "Not there" }, handler: "Lift");
        unknown.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_CSV_upload_adds_the_good_rows_reports_the_bad_ones_by_line_and_a_bad_file_changes_nothing()
    {
        var (owner, companyId, _) = await CompanyAsync("Suppress Csv");
        const string csv = "phone,note\n+447700900301,Old provider\n07700 900302,\nnot-a-number,x\n+447700900301,dup\n";

        var html = await UploadAsync(owner, csv);
        html.Should().Contain("<span id=\"added\">2</span>").And.Contain("<span id=\"rejected\">1</span>").And.Contain("<span id=\"repeated\">1</span>");
        html.Should().Contain("<td class=\"text-end\">4</td><td>Not a valid mobile number</td>", "the refused row is reported with its line");
        (await factory.Database.ScalarAsync<string>(
            "SELECT string_agg(phone || '=' || note, ';' ORDER BY phone) FROM campaigns.suppressions WHERE company_id = @c", ("c", companyId)))
            .Should().Be("+447700900301=Old provider;+447700900302=Customers who asked us to stop", "a row without a note gets the form's note");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.suppression_audit WHERE company_id = @c AND source = 'csv' AND action = 'added'", ("c", companyId)))
            .Should().Be(2);

        (await UploadAsync(owner, csv)).Should().Contain("<span id=\"added\">0</span>").And.Contain("<span id=\"already\">2</span>");

        var files = new (byte[] File, string Message)[]
        {
            (Encoding.UTF8.GetBytes("name,email\nAda,ada@example.com\n"), "The file has no \"phone\" column"),
            (Encoding.UTF8.GetBytes("phone\n"), "The file has no rows under its header line"),
            ([0xFF, 0xFE, .. Encoding.Unicode.GetBytes("phone\n+447700900303\n")], "saved as UTF-16"),
            ([.. Encoding.UTF8.GetBytes("phone\n+447700900304\n"), 0x00, 0x01, 0xC3, 0x28, 0x0A], "not UTF-8 text"),
            (Encoding.UTF8.GetBytes("phone\n" + string.Concat(Enumerable.Range(0, 100_001).Select(i => $"+4477009{i:D6}\n"))), "more than 100,000 rows"),
        };
        foreach (var (file, message) in files)
        {
            var response = await PostUploadAsync(owner, file);
            response.StatusCode.Should().Be(HttpStatusCode.OK, message);
            WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()).Should().Contain(message).And.Contain("Nothing was added.");
        }

        var empty = await PostUploadAsync(owner, []);
        WebUtility.HtmlDecode(await empty.Content.ReadAsStringAsync()).Should().Contain("Choose the CSV file to upload.");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.suppressions WHERE company_id = @c", ("c", companyId))).Should().Be(2);
        (await AuditCountAsync(companyId)).Should().Be(2);
    }

    [Fact]
    public async Task The_export_holds_every_suppressed_number_with_cells_a_spreadsheet_will_not_run()
    {
        var (owner, _, _) = await CompanyAsync("Suppress Export");
        await AddAsync(owner, "+447700900401", "=HYPERLINK(\"http://evil.example\",\"Click\")");
        await AddAsync(owner, "+447700900402", "Plain, with a comma");

        var response = await owner.Http.GetAsync($"{Page}/Export");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/csv");
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines[0].Should().Be("phone,why,reason,note,suppressed_at_utc");
        lines.Should().HaveCount(3);
        lines[1].Should().StartWith("+447700900401,").And.Contain(",manual,\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"Click\"\")\",");
        lines[2].Should().StartWith("+447700900402,\"Added by hand: Plain, with a comma\",manual,\"Plain, with a comma\",");
    }

    [Fact]
    public async Task Another_company_never_sees_searches_exports_or_lifts_the_first_ones_suppressions()
    {
        var (victim, victimId, _) = await CompanyAsync("Suppress Victim");
        await AddAsync(victim, "+447700900501", "Victim's secret note");
        var (attacker, attackerId, _) = await CompanyAsync("Suppress Attacker");

        var html = await HtmlAsync(attacker, Page);
        html.Should().NotContain("900501").And.NotContain("Victim's secret note").And.Contain("0 numbers");
        (await HtmlAsync(attacker, $"{Page}?q=%2B447700900501")).Should().NotContain("Victim");
        (await attacker.Http.GetStringAsync($"{Page}/Export")).Should().NotContain("900501");

        var lift = await attacker.PostFormAsync(Page, new() { ["Lift.Phone"] = "+447700900501", ["Lift.Reason"] = "Let me message them" }, handler: "Lift");
        lift.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await ReasonAsync(victimId, "+447700900501")).Should().Be("manual");

        // The attacker may suppress the same number for itself; the victim's entry and history do not change.
        await AddAsync(attacker, "+447700900501", "Mine");
        (await factory.Database.ScalarAsync<string>("SELECT note FROM campaigns.suppressions WHERE company_id = @c AND phone = '+447700900501'", ("c", victimId)))
            .Should().Be("Victim's secret note");
        (await AuditCountAsync(victimId)).Should().Be(1);
        (await AuditCountAsync(attackerId)).Should().Be(1);
        (await HtmlAsync(victim, Page)).Should().NotContain(">Mine<");
    }

    [Fact]
    public async Task A_keyword_subscribers_opt_out_is_listed_by_user_code_and_an_erased_persons_as_erased_never_by_number_or_hash()
    {
        var (owner, companyId, _) = await CompanyAsync("Suppress Keyword");
        await OptInsFactory.CreateKeywordAsync(owner, "HUSHDEALS");
        const string subscriber = "+447700962001";
        await TextAsync(subscriber, "HUSHDEALS");
        await TextAsync(subscriber, "STOP HUSHDEALS");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.suppressions WHERE company_id = @c AND phone = @p", ("c", companyId), ("p", subscriber)))
            .Should().Be(1);

        // What an erasure leaves of a suppressed number: its keyed hash, which is no number to show.
        await factory.Database.ExecuteAsync($"INSERT INTO campaigns.suppressions (company_id, phone, reason, platform_number, created_at) VALUES ('{companyId}', 'h:5eed0fcafe', 'stop-sms', '{PlatformNumber}', now())");

        var html = await HtmlAsync(owner, Page);
        html.Should().Contain("(number hidden)").And.NotContain("962001");
        html.Should().Contain("erased number").And.NotContain("5eed0fcafe");
        (await HtmlAsync(owner, $"{Page}?q=%2B4477009620")).Should().NotContain("962001").And.Contain("No suppressed number starts with that");
        var export = await owner.Http.GetStringAsync($"{Page}/Export");
        export.Should().NotContain("962001").And.Contain("number hidden").And.Contain("erased number").And.NotContain("5eed0fcafe");
    }

    [Fact]
    public async Task An_opt_in_event_delivered_after_a_later_STOP_does_not_lift_its_suppression()
    {
        var (owner, companyId, _) = await CompanyAsync("Suppress Late");
        await OptInsFactory.CreateKeywordAsync(owner, "LATEDEALS");
        const string subscriber = "+447700962002";
        await TextAsync(subscriber, "LATEDEALS");
        await TextAsync(subscriber, "STOP LATEDEALS");
        var subscriberId = await factory.Database.ScalarAsync<Guid>("SELECT id FROM optins.subscribers WHERE phone = @p", ("p", subscriber));
        var stoppedAt = await factory.Database.ScalarAsync<DateTime>("SELECT created_at FROM campaigns.suppressions WHERE company_id = @c AND phone = @p", ("c", companyId), ("p", subscriber));

        // The keyword's opt-in event, delivered late (as the dispatcher may): older than the STOP, it lifts nothing.
        await factory.PublishAsync(new SubscriberOptedIn(companyId, subscriberId, subscriber, "sms") { OccurredAt = new DateTimeOffset(stoppedAt, TimeSpan.Zero).AddSeconds(-1) });
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.suppressions WHERE company_id = @c AND phone = @p", ("c", companyId), ("p", subscriber)))
            .Should().Be(1, "the STOP came after that opt-in");

        // A newer opt-in (texting the keyword again) lifts it.
        await factory.PublishAsync(new SubscriberOptedIn(companyId, subscriberId, subscriber, "sms") { OccurredAt = DateTimeOffset.UtcNow.AddSeconds(1) });
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.suppressions WHERE company_id = @c AND phone = @p", ("c", companyId), ("p", subscriber)))
            .Should().Be(0);
    }

    [Fact]
    public async Task The_list_is_paged_50_at_a_time_newest_first_and_searched_by_the_start_of_a_number()
    {
        var (owner, companyId, _) = await CompanyAsync("Suppress Paged");
        await factory.Database.ExecuteAsync($"""
            INSERT INTO campaigns.suppressions (company_id, phone, reason, note, created_at)
            SELECT '{companyId}', '+447700963' || lpad(i::text, 3, '0'), 'manual', 'n' || i, now() - make_interval(mins => i)
            FROM generate_series(0, 119) AS i
            """);

        var seen = new List<string>();
        var url = Page;
        for (var page = 0; page < 3; page++)
        {
            var html = await HtmlAsync(owner, url);
            html.Should().Contain("120 numbers");
            var numbers = System.Text.RegularExpressions.Regex.Matches(html, @"data-phone=""(\+447700963\d{3})"">\s*<td class=""font-monospace"">07700 963\d{3}</td>").Select(m => m.Groups[1].Value).ToList();
            numbers.Should().HaveCount(page < 2 ? 50 : 20);
            seen.AddRange(numbers);
            var next = System.Text.RegularExpressions.Regex.Match(html, "<a [^>]*?(?:href=\"([^\"]+)\"[^>]*id=\"next-page\"|id=\"next-page\"[^>]*href=\"([^\"]+)\")");
            next.Success.Should().Be(page < 2);
            url = next.Groups[1].Success ? next.Groups[1].Value : next.Groups[2].Value;
        }

        seen.Should().Equal(Enumerable.Range(0, 120).Select(i => $"+447700963{i:D3}"), "newest first, each number once");
        var found = await HtmlAsync(owner, $"{Page}?q=%2B44+7700+96311");
        found.Should().Contain("+447700963110").And.Contain("+447700963119").And.NotContain("+447700963109");
        (await owner.GetAsync($"{Page}?after=not-a-cursor")).Status.Should().Be(HttpStatusCode.OK, "a tampered link shows the first page");
        (await HtmlAsync(owner, $"{Page}?q=hello")).Should().Contain("Search by the start of a number");
    }

    [Fact]
    public async Task A_blocked_number_is_skipped_by_every_companys_campaign_and_answered_suppressed_by_the_api_until_an_admin_unblocks_it()
    {
        var admin = await factory.LoginAsync(PlatformFactory.AdminEmail, PlatformFactory.AdminPassword);
        const string blocked = "+44770964001";
        var block = await admin.PostFormAsync("/Admin/BlockedNumbers", new() { ["Input.Phone"] = "+44 7709 64001", ["Input.Reason"] = "Carrier complaint 4711" }, handler: "Block");
        block.StatusCode.Should().Be(HttpStatusCode.Redirect, await block.Content.ReadAsStringAsync());
        var adminHtml = await HtmlAsync(admin, "/Admin/BlockedNumbers");
        adminHtml.Should().Contain($"{blocked} is blocked").And.Contain("Carrier complaint 4711").And.Contain(PlatformFactory.AdminEmail);
        (await HtmlAsync(admin, "/Admin")).Should().Contain("/Admin/BlockedNumbers");

        var (ownerA, companyA, _) = await CompanyAsync("Blocked Alpha");
        var (ownerB, companyB, _) = await CompanyAsync("Blocked Beta");
        foreach (var (owner, companyId) in new[] { (ownerA, companyA), (ownerB, companyB) })
        {
            var listId = await factory.ListAsync(companyId, "All", 2, first: 964_000);
            var campaign = await SendingFactory.CreateCampaignAsync(owner, SendingFactory.CampaignForm("Offer", listId));
            (await factory.WaitForAsync(campaign, "Completed", TimeSpan.FromMinutes(1)))["suppressed"].Should().Be(1);
            (await factory.Database.ScalarAsync<short>("SELECT state FROM campaigns.messages WHERE campaign_id = @c AND phone = @p", ("c", campaign), ("p", blocked))).Should().Be(6);
        }

        using var api = factory.ApiClient(await ApiFactory.CreateKeyAsync(ownerA));
        (await SendApiAsync(api, blocked)).Should().Be("suppressed");

        var noReason = await admin.PostFormAsync("/Admin/BlockedNumbers", new() { ["Unblock.Phone"] = blocked, ["Unblock.Reason"] = "" }, handler: "Unblock");
        WebUtility.HtmlDecode(await noReason.Content.ReadAsStringAsync()).Should().Contain("Say why the block is lifted");
        var unblock = await admin.PostFormAsync("/Admin/BlockedNumbers", new() { ["Unblock.Phone"] = blocked, ["Unblock.Reason"] = "Complaint withdrawn" }, handler: "Unblock");
        unblock.StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await factory.Database.ScalarAsync<string>(
            "SELECT string_agg(action || ':' || note, ';' ORDER BY id) FROM campaigns.suppression_audit WHERE company_id IS NULL AND phone = @p", ("p", blocked)))
            .Should().Be("blocked:Carrier complaint 4711;unblocked:Complaint withdrawn");
        (await HtmlAsync(admin, "/Admin/BlockedNumbers")).Should().Contain("data-action=\"unblocked\"").And.Contain("Complaint withdrawn");
        (await SendApiAsync(api, blocked)).Should().Be("queued");
    }

    [Fact]
    public async Task The_block_list_page_refuses_company_users_and_sends_visitors_to_log_in()
    {
        var (owner, _, _) = await CompanyAsync("Blocked Outsider");
        var response = await owner.Http.GetAsync("/Admin/BlockedNumbers");
        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        var denied = response.Headers.Location!.ToString();
        denied.Should().Contain("/Accounts/AccessDenied");
        (await owner.Http.GetAsync(denied)).StatusCode.Should().Be(HttpStatusCode.Forbidden);

        var post = await owner.PostFormAsync("/Admin/BlockedNumbers", new() { ["Input.Phone"] = "+447700965001", ["Input.Reason"] = "I do not like them" }, handler: "Block", tokenFrom: Page);
        post.StatusCode.Should().Be(HttpStatusCode.Redirect);
        post.Headers.Location!.ToString().Should().Contain("/Accounts/AccessDenied");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.blocked_numbers WHERE phone = '+447700965001'")).Should().Be(0);

        var visitor = await factory.CreateFormClient().Http.GetAsync("/Admin/BlockedNumbers");
        visitor.StatusCode.Should().Be(HttpStatusCode.Redirect);
        visitor.Headers.Location!.ToString().Should().Contain("/Accounts/Login");
    }

    private async Task<(FormClient Owner, Guid CompanyId, string Email)> CompanyAsync(string name)
    {
        var email = $"{Guid.NewGuid():N}@suppress.example";
        var owner = await factory.RegisterCompanyAsync(name, email);
        return (owner, await factory.Database.ScalarAsync<Guid>("SELECT id FROM accounts.companies WHERE name = @n", ("n", name)), email);
    }

    private static async Task<string> HtmlAsync(FormClient client, string url)
    {
        var (status, body) = await client.GetAsync(url);
        status.Should().Be(HttpStatusCode.OK, url);
        return WebUtility.HtmlDecode(body);
    }

    private static async Task AddAsync(FormClient owner, string phone, string note)
    {
        var response = await owner.PostFormAsync(Page, new() { ["Input.Phone"] = phone, ["Input.Note"] = note }, handler: "Add");
        response.StatusCode.Should().Be(HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());
    }

    private static Task<HttpResponseMessage> PostUploadAsync(FormClient owner, byte[] file) =>
        owner.PostMultipartAsync($"{Page}/Import", new()
        {
            ["Input.DefaultCountry"] = "GB",
            ["Input.Note"] = "Customers who asked us to stop",
        }, "Input.File", "suppress.csv", file);

    private static async Task<string> UploadAsync(FormClient owner, string csv)
    {
        var response = await PostUploadAsync(owner, Encoding.UTF8.GetBytes(csv));
        var html = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, html);
        return WebUtility.HtmlDecode(html);
    }

    private async Task<string?> ReasonAsync(Guid companyId, string phone) =>
        await factory.Database.ScalarAsync<string>("SELECT reason FROM campaigns.suppressions WHERE company_id = @c AND phone = @p", ("c", companyId), ("p", phone));

    private async Task<long> AuditCountAsync(Guid companyId) =>
        await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.suppression_audit WHERE company_id = @c", ("c", companyId));

    private Task TextAsync(string from, string text) => factory.TextPlatformAsync(from, text);

    private static async Task<string> SendApiAsync(HttpClient api, string to)
    {
        var response = await api.PostAsync("/api/v1/messages", ApiFactory.Json(new { from = "PLATFORM", to, text = "Your table is ready" }));
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.Accepted, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("messages")[0].GetProperty("status").GetString()!;
    }
}
