using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Platform.Modules.Campaigns.Jobs;
using Platform.Modules.Shared;
using Platform.Tests.Integration.Campaigns;
using Platform.Tests.Integration.Infrastructure;
using Xunit.Abstractions;

namespace Platform.Tests.Integration.BadInput;

/// <summary>
/// Issue #15: a bad request is a 400/413/422 with a clear message, never a 500, and changes nothing. The sweep
/// discovers every page handler and endpoint from the host's endpoint data source and sends each one generated bad
/// input as the role that can open it; the probe's own findings are the named cases below it.
/// </summary>
public sealed class BadInputTests(BadInputFactory factory, ITestOutputHelper output) : IClassFixture<BadInputFactory>
{
    [Fact]
    public async Task Every_page_handler_and_endpoint_answers_generated_bad_input_without_a_500_and_refused_input_changes_nothing()
    {
        var clock = Stopwatch.StartNew();
        var sweep = await BadInputSweep.PrepareAsync(factory);
        var cases = await sweep.CasesAsync();
        output.WriteLine($"{sweep.Targets.Count} targets ({sweep.Targets.Count(t => t.IsPage)} page handlers), {cases.Count} cases, prepared in {clock.Elapsed.TotalSeconds:0}s");
        sweep.Targets.Select(t => t.Name).Should().Contain(["POST /Accounts/Register", "POST /api/v1/messages", "GET /Admin/SenderIds", "GET /Campaigns/Create/{handler?} handler=Preview"],
            "discovery finds the pages and endpoints of every module");
        cases.Count.Should().BeGreaterThanOrEqualTo(1500);

        var before = await SnapshotAsync();
        var logged = factory.Logs.Entries.Count;
        var refused = await sweep.RunAsync(cases.Where(c => c.RefusedAtEdge));
        var after = await SnapshotAsync();
        output.WriteLine($"{refused.Count} cases refused at the edge in {clock.Elapsed.TotalSeconds:0}s");
        var rest = await sweep.RunAsync(cases.Where(c => !c.RefusedAtEdge));
        output.WriteLine($"{rest.Count} other cases in {clock.Elapsed.TotalSeconds:0}s; statuses: " +
            string.Join(", ", refused.Concat(rest).GroupBy(o => (int)o.Status).OrderBy(g => g.Key).Select(g => $"{g.Key}×{g.Count()}")));

        var failures = refused.Where(o => (int)o.Status is < 400 or >= 500).Select(o => $"{o.Case.Name} [{o.Case.Role}]: {(int)o.Status} {o.ContentType} (must be refused with 4xx)")
            .Concat(rest.Where(o => (int)o.Status is 0 or >= 500).Select(o => $"{o.Case.Name} [{o.Case.Role}]: {(int)o.Status} {o.ContentType}"))
            .Concat(refused.Where(o => o.Case.Name.Contains(" /api/", StringComparison.Ordinal) && o.ContentType != "application/problem+json")
                .Select(o => $"{o.Case.Name}: the API answered {o.ContentType}, not problem+json"))
            .Order().ToList();
        failures.Should().BeEmpty($"{failures.Count} of {cases.Count} bad requests were not answered as such:\n{string.Join('\n', failures.Take(60))}");

        before.Except(after).Should().BeEmpty("requests refused at the edge change no module's tables (before → after: {0})",
            string.Join("; ", after.Except(before)));

        var entries = factory.Logs.Entries.Skip(logged).ToList();
        entries.Where(e => e.Text.Contains(BadInputSweep.LongMarker, StringComparison.Ordinal)).Select(e => $"{e.Category}: {e.Text[..Math.Min(200, e.Text.Length)]}")
            .Should().BeEmpty("what was sent is not copied into the log");
        entries.Where(e => e.Level >= LogLevel.Error && (e.Category.Contains("ExceptionHandler", StringComparison.Ordinal) || e.Category.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal)))
            .Select(e => $"{e.Category}: {e.Text[..Math.Min(300, e.Text.Length)]}")
            .Should().BeEmpty("bad input is not an unhandled exception");
        output.WriteLine($"done in {clock.Elapsed.TotalSeconds:0}s");
    }

    public static TheoryData<string> ProbeCases() =>
    [
        "Register: Input.IsAdult=x",
        "Login: Input.RememberMe=maybe",
        "Campaigns Create: Input.RespectQuietHours=x",
        "Lists Import: Input.PerRowConsent=x",
        "Data erasure: Erase.Confirm=maybe",
        "Send API: text with a NUL is problem+json",
        "Campaigns Create Preview: country=%00",
        "Sender ID Apply: SampleMessages with a NUL (multipart)",
        "Lists Import: DefaultCountry with a NUL (multipart)",
        "Admin SenderIds: status=%00",
        "AcceptInvitation: an empty token",
        "Simulator: an empty sender",
        "Admin Carriers: a long value echoed into TempData stays small",
        "Sender ID Apply: a document over the 12 MB limit is 413",
    ];

    [Theory]
    [MemberData(nameof(ProbeCases))]
    public async Task The_probes_bad_inputs_get_a_clear_answer(string probe)
    {
        var (owner, admin) = (factory.Roles.Single(r => r.Role == "owner").Client, factory.Roles.Single(r => r.Role == "admin").Client);
        var listId = await factory.Database.ScalarAsync<Guid>("SELECT id FROM campaigns.contact_lists LIMIT 1");
        var before = await SnapshotAsync();
        var (status, body, expectChange) = probe switch
        {
            "Register: Input.IsAdult=x" => await PostAsync(factory.CreateFormClient(), "/Accounts/Register",
                new(PlatformFactory.RegistrationForm("Probe Co", "probe@probe.example")) { ["Input.IsAdult"] = "x" }),
            "Login: Input.RememberMe=maybe" => await PostAsync(factory.CreateFormClient(), "/Accounts/Login",
                new() { ["Input.Email"] = "nobody@probe.example", ["Input.Password"] = "x", ["Input.RememberMe"] = "maybe" }),
            "Campaigns Create: Input.RespectQuietHours=x" => await PostAsync(owner, "/Campaigns/Create",
                new(SendingFactory.CampaignForm("Probe campaign", listId)) { ["Input.RespectQuietHours"] = "x" }),
            "Lists Import: Input.PerRowConsent=x" => await MultipartAsync(owner, $"/Campaigns/Lists/Import/{listId}",
                new() { ["Input.DefaultCountry"] = "GB", ["Input.ConsentAttestation"] = "They asked", ["Input.PerRowConsent"] = "x" }, "Input.File"),
            "Data erasure: Erase.Confirm=maybe" => await PostAsync(owner, "/Privacy/Account",
                new() { ["Erase.Password"] = "wrong", ["Erase.Confirm"] = "maybe" }, "Erase"),
            "Send API: text with a NUL is problem+json" => await ApiAsync("{\"from\":\"PLATFORM\",\"to\":\"+447700900123\",\"text\":\"Hi\\u0000there\"}"),
            "Campaigns Create Preview: country=%00" => await GetAsync(owner, "/Campaigns/Create/Preview?text=Hi&country=%00&sender=PLATFORM"),
            "Sender ID Apply: SampleMessages with a NUL (multipart)" => await MultipartAsync(owner, "/SenderIds/Apply",
                new(SenderIds.SenderIdsFactory.ValidFields("PROBE", "GB")) { ["Input.SampleMessages"] = "Hi\0there" }, "Input.AuthorisationLetter"),
            "Lists Import: DefaultCountry with a NUL (multipart)" => await MultipartAsync(owner, $"/Campaigns/Lists/Import/{listId}",
                new() { ["Input.DefaultCountry"] = "G\0B", ["Input.ConsentAttestation"] = "They asked" }, "Input.File"),
            "Admin SenderIds: status=%00" => await GetAsync(admin, "/Admin/SenderIds?status=%00"),
            "AcceptInvitation: an empty token" => await PostAsync(factory.CreateFormClient(), "/Accounts/AcceptInvitation",
                new(PlatformFactory.InvitationAcceptanceForm(string.Empty)) { ["Input.AcceptTerms"] = "true" }, tokenFrom: "/Accounts/Login"),
            "Simulator: an empty sender" => await PostAsync(factory.CreateFormClient(), "/Simulator",
                new() { ["Input.From"] = string.Empty, ["Input.To"] = string.Empty, ["Input.Text"] = "hello" }),
            "Admin Carriers: a long value echoed into TempData stays small" => await TempDataAsync(admin),
            "Sender ID Apply: a document over the 12 MB limit is 413" => await MultipartAsync(owner, "/SenderIds/Apply",
                SenderIds.SenderIdsFactory.ValidFields("PROBEBIG", "GB"), "Input.AuthorisationLetter", new byte[(12 * 1024 * 1024) + 1]),
            _ => throw new ArgumentOutOfRangeException(nameof(probe)),
        };

        ((int)status).Should().BeLessThan(500, body);
        var text = WebUtility.HtmlDecode(body);
        switch (probe)
        {
            case var p when p.Contains("=x", StringComparison.Ordinal) || p.Contains("=maybe", StringComparison.Ordinal):
                status.Should().Be(HttpStatusCode.OK, "the form is shown again with the field's message");
                text.Should().Contain("is either ticked or not: send true or false.").And.NotContain("The value 'x'").And.NotContain("'maybe'");
                break;
            case var p when p.Contains("NUL", StringComparison.Ordinal) || p.Contains("%00", StringComparison.Ordinal):
                status.Should().Be(HttpStatusCode.BadRequest);
                text.Should().Contain(StorableText.Refusal);
                break;
            case "AcceptInvitation: an empty token":
                status.Should().Be(HttpStatusCode.OK);
                text.Should().Contain("This invitation link is not valid");
                break;
            case "Simulator: an empty sender":
                status.Should().Be(HttpStatusCode.OK);
                text.Should().Contain("Enter the handset's number.");
                break;
            case "Sender ID Apply: a document over the 12 MB limit is 413":
                status.Should().Be(HttpStatusCode.RequestEntityTooLarge);
                text.Should().Contain("larger than this page accepts");
                break;
        }

        if (!expectChange)
        {
            var after = await SnapshotAsync();
            after.Except(before).Should().BeEmpty("a refused request changes nothing (before: {0})", string.Join("; ", before.Except(after)));
        }
    }

    private async Task<(HttpStatusCode, string, bool)> TempDataAsync(FormClient admin)
    {
        var name = new string('n', 100_000);
        using var deleted = await admin.PostFormAsync("/Admin/Carriers", new() { ["name"] = name }, "DeleteInstance");
        var cookies = deleted.Headers.TryGetValues("Set-Cookie", out var values) ? values.ToList() : [];
        cookies.Sum(c => c.Length).Should().BeLessThan(4096, "the TempData cookie holds a bounded message, so the browser is not locked out with 431");
        var (status, body) = await admin.GetAsync("/Admin/Carriers");
        status.Should().Be(HttpStatusCode.OK);
        body.Should().Contain("There is no carrier nnn").And.NotContain(name);
        return (status, body, false);
    }

    private static async Task<(HttpStatusCode, string, bool)> PostAsync(FormClient client, string url, Dictionary<string, string> fields, string? handler = null, string? tokenFrom = null)
    {
        using var response = await client.PostFormAsync(url, fields, handler, tokenFrom);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.StatusCode == HttpStatusCode.Redirect);
    }

    private static async Task<(HttpStatusCode, string, bool)> GetAsync(FormClient client, string url)
    {
        var (status, body) = await client.GetAsync(url);
        return (status, body, false);
    }

    private static async Task<(HttpStatusCode, string, bool)> MultipartAsync(FormClient client, string url, Dictionary<string, string> fields, string fileField, byte[]? file = null)
    {
        using var response = await client.PostMultipartAsync(url, fields, fileField, "upload.pdf", file ?? SenderIds.SenderIdsFactory.Pdf, "application/pdf");
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), false);
    }

    private async Task<(HttpStatusCode, string, bool)> ApiAsync(string json)
    {
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", factory.ApiKey);
        using var response = await client.PostAsync("/api/v1/messages", new StringContent(json, Encoding.UTF8, "application/json"));
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json", "the API answers problem+json, never an HTML page");
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), false);
    }

    /// <summary>
    /// Every module table's row count and a hash of its rows, as "schema.table count hash", once the module events of
    /// earlier steps are delivered (delivery marks outbox rows) and the texts of earlier steps handled. Not the page-view counts: each page a test opens (for
    /// its antiforgery token) is counted there, refused requests are not.
    /// </summary>
    private async Task<List<string>> SnapshotAsync()
    {
        foreach (var outbox in new[] { "accounts", "campaigns", "optins", "senderids" })
        {
            await factory.Database.WaitForAsync($"{outbox} events delivered", TimeSpan.FromSeconds(30), $"SELECT NOT EXISTS (SELECT 1 FROM {outbox}.outbox WHERE dispatched_at IS NULL)");
        }

        await factory.Database.WaitForAsync("inbound texts handled", TimeSpan.FromSeconds(30), "SELECT NOT EXISTS (SELECT 1 FROM campaigns.inbound_queue)");

        // The partitions job's first run (on the minute, up to a minute after the host starts) makes the messages
        // partition ahead: run it now, so it cannot land between two snapshots (a CI run caught it there). Later runs
        // change nothing while nothing is sent.
        if (await factory.Database.ScalarAsync<bool>("SELECT count(*) < 2 FROM campaigns.message_partitions"))
        {
            await factory.RunRecurringJobAsync(MessagePartitionsJob.Id);
        }

        var schemas = factory.Services.GetServices<IModule>().Select(m => m.Schema).ToArray();
        await using var connection = new NpgsqlConnection(factory.Database.ConnectionString);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT format('%I.%I', table_schema, table_name) FROM information_schema.tables WHERE table_schema = ANY (@s) AND table_type = 'BASE TABLE' AND table_name <> 'page_view_counts' ORDER BY 1", connection))
        {
            list.Parameters.AddWithValue("s", schemas);
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var snapshot = new List<string>();
        foreach (var table in tables)
        {
            // A session's last_seen_at is the one write a refused request may cause: the sign-in cookie is read before the input
            // guard, and reading it records when the session was last seen (at most once a minute, so only a slow sweep sees it).
            var row = table == "platform.sessions" ? "(t.id, t.key_hash, t.scheme, t.subject, t.ticket, t.persistent, t.created_at, t.expires_at)" : "t";
            await using var command = new NpgsqlCommand($"SELECT count(*)::text || ' ' || coalesce(md5(string_agg({row}::text, '|' ORDER BY {row}::text)), '') FROM {table} t", connection);
            snapshot.Add($"{table} {await command.ExecuteScalarAsync()}");
        }

        return snapshot;
    }
}
