using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>
/// A company's own contact fields (ADR 31) through the real pages, the real campaign jobs and the simulator carrier on a
/// real PostgreSQL: defined, filled on a contact, used in a message as {city} / {city|fallback}, sent as rendered, and
/// credits reserved at the longest rendering.
/// </summary>
public sealed class ContactFieldsTests(SendingFactory factory) : IClassFixture<SendingFactory>
{
    private sealed record Received(string From, string To, string Text);

    private const string Body = "Hi {first_name|there}, 20% off pizza in {city|your town} tonight. Reply STOP to opt out";

    private static Task<HttpResponseMessage> AddFieldAsync(FormClient owner, string key, string label, string kind = "text", string choices = "") =>
        owner.PostFormAsync("/Campaigns/Fields", new() { ["Input.Key"] = key, ["Input.Label"] = label, ["Input.Kind"] = kind, ["Input.Choices"] = choices });

    [Fact]
    public async Task Keys_that_are_reserved_malformed_or_taken_are_refused_clearly_and_nothing_is_stored()
    {
        var (owner, companyId) = await factory.CompanyAsync("Field Rules Pizza");
        (await AddFieldAsync(owner, "city", "City")).StatusCode.Should().Be(HttpStatusCode.Redirect);

        var reserved = WebUtility.HtmlDecode(await (await AddFieldAsync(owner, "first_name", "First")).Content.ReadAsStringAsync());
        reserved.Should().Contain("\"first_name\" is one of the platform's own names");
        var malformed = WebUtility.HtmlDecode(await (await AddFieldAsync(owner, "City Name", "City")).Content.ReadAsStringAsync());
        malformed.Should().Contain("\"City Name\" cannot be a key: use lower-case letters a–z");
        var taken = WebUtility.HtmlDecode(await (await AddFieldAsync(owner, "city", "Town")).Content.ReadAsStringAsync());
        taken.Should().Contain("You already have a field {city}.");
        var choice = WebUtility.HtmlDecode(await (await AddFieldAsync(owner, "tier", "Tier", "choice", "gold")).Content.ReadAsStringAsync());
        choice.Should().Contain("A choice field needs at least two choices");

        (await factory.Database.ScalarAsync<string>("SELECT string_agg(key, ',') FROM campaigns.contact_fields WHERE company_id = @c", ("c", companyId)))
            .Should().Be("city");
        var (_, page) = await owner.GetAsync("/Campaigns/Fields");
        page.Should().Contain("{city}");
    }

    [Fact]
    public async Task A_contact_s_fields_are_edited_by_kind_and_a_bad_value_changes_nothing()
    {
        var (owner, companyId) = await factory.CompanyAsync("Field Edit Pizza");
        (await AddFieldAsync(owner, "visits", "Visits", "number")).StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await AddFieldAsync(owner, "renews", "Renews on", "date")).StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await AddFieldAsync(owner, "tier", "Tier", "choice", "Gold, Silver")).StatusCode.Should().Be(HttpStatusCode.Redirect);
        var listId = await factory.ListAsync(companyId, "Edits", 1, first: 600_000);
        var contactId = await factory.Database.ScalarAsync<long>("SELECT id FROM campaigns.contacts WHERE list_id = @l", ("l", listId));
        var url = $"/Campaigns/Lists/Contact/{listId}/{contactId}";
        Dictionary<string, string> Form(string visits, string renews, string tier) => new()
        {
            ["Input.Phone"] = "+44770600000", ["Input.FirstName"] = "Ann0", ["Input.ConsentSource"] = "test",
            ["Input.Fields[visits]"] = visits, ["Input.Fields[renews]"] = renews, ["Input.Fields[tier]"] = tier,
        };

        var saved = await owner.PostFormAsync(url, Form(" 12.50 ", "2026-05-31", "gold"));
        saved.StatusCode.Should().Be(HttpStatusCode.Redirect, await saved.Content.ReadAsStringAsync());
        // jsonb orders keys its own way: compared as jsonb.
        const string stored = "SELECT fields = @expected::jsonb FROM campaigns.contacts WHERE id = @id";
        const string gold = """{"tier": "Gold", "visits": "12.50", "renews": "2026-05-31"}""";
        (await factory.Database.ScalarAsync<bool>(stored, ("id", contactId), ("expected", gold))).Should().BeTrue();

        var bad = await owner.PostFormAsync(url, Form("twelve", "31/05/2026", "Platinum"));
        bad.StatusCode.Should().Be(HttpStatusCode.OK);
        var html = WebUtility.HtmlDecode(await bad.Content.ReadAsStringAsync());
        html.Should().Contain("Visits: \"twelve\" is not a number.")
            .And.Contain("Renews on: \"31/05/2026\" is not a date. Write it as YYYY-MM-DD")
            .And.Contain("Tier: \"Platinum\" is not one of its choices (Gold, Silver).");
        (await factory.Database.ScalarAsync<bool>(stored, ("id", contactId), ("expected", gold))).Should().BeTrue("a refused value changes nothing");
        var (_, edit) = await owner.GetAsync(url);
        edit.Should().Contain("value=\"12.50\"").And.Contain("value=\"2026-05-31\"");
        // The list shows each field as a column of its own.
        var (_, list) = await owner.GetAsync($"/Campaigns/Lists/Details/{listId}");
        list.Should().Contain("<th data-field=\"visits\">Visits</th>").And.Contain("<td data-field=\"visits\">12.50</td>").And.Contain("<td data-field=\"tier\">Gold</td>");

        (await owner.PostFormAsync(url, Form("", "2026-06-01", "Silver"))).StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await factory.Database.ScalarAsync<bool>(stored, ("id", contactId), ("expected", """{"tier": "Silver", "renews": "2026-06-01"}""")))
            .Should().BeTrue("an emptied value goes");
    }

    [Fact]
    public async Task A_campaign_renders_each_recipient_s_field_or_its_fallback_and_reserves_credits_at_the_longest_value()
    {
        var (owner, companyId) = await factory.CompanyAsync("Field Send Pizza");
        (await AddFieldAsync(owner, "city", "City")).StatusCode.Should().Be(HttpStatusCode.Redirect);
        var shortCities = await factory.ListAsync(companyId, "Short cities", 10, first: 610_000);
        var longCity = await factory.ListAsync(companyId, "One long city", 10, first: 620_000);
        await factory.Database.ExecuteAsync($"""
            UPDATE campaigns.contacts SET fields = jsonb_build_object('city', 'Leeds') WHERE list_id IN ('{shortCities}', '{longCity}') AND first_name IN ('Ann1', 'Ann2');
            UPDATE campaigns.contacts SET fields = jsonb_build_object('city', repeat('Llanfairpwll', 8)) WHERE list_id = '{longCity}' AND first_name = 'Ann7';
            """);

        var oneSegment = await SendingFactory.CreateCampaignAsync(owner, Form("Short", shortCities));
        var twoSegments = await SendingFactory.CreateCampaignAsync(owner, Form("Long", longCity));
        await factory.WaitForAsync(oneSegment, "Completed", TimeSpan.FromMinutes(2));
        await factory.WaitForAsync(twoSegments, "Completed", TimeSpan.FromMinutes(2));

        // Sent as rendered: the value where the contact has one, the fallback where not.
        (await TextsToAsync("+44770610001")).Should().ContainSingle().Which.Should().StartWith("Hi Ann1, 20% off pizza in Leeds tonight.");
        (await TextsToAsync("+44770610003")).Should().ContainSingle().Which.Should().StartWith("Hi Ann3, 20% off pizza in your town tonight.");
        (await TextsToAsync("+44770620007")).Should().ContainSingle().Which.Should().Contain("in " + string.Concat(Enumerable.Repeat("Llanfairpwll", 8)) + " tonight");
        // Only the fields the text uses travel with the messages.
        (await factory.Database.ScalarAsync<string>("SELECT fields::text FROM campaigns.messages WHERE campaign_id = @id AND phone = '+44770610001'", ("id", oneSegment)))
            .Should().Be("{\"city\": \"Leeds\"}");

        const string reserved = "SELECT reserved_credits FROM campaigns.campaigns WHERE id = @id";
        var perMessage = await factory.Database.ScalarAsync<long>(reserved, ("id", oneSegment));
        perMessage.Should().BePositive();
        (await factory.Database.ScalarAsync<long>(reserved, ("id", twoSegments))).Should().Be(2 * perMessage,
            "every message is estimated at the longest city's two segments (the same 10 recipients' country and price)");
    }

    [Fact]
    public async Task A_text_with_a_placeholder_that_is_no_field_of_the_company_is_refused_with_the_fields_there_are()
    {
        var (owner, companyId) = await factory.CompanyAsync("Field Unknown Pizza");
        (await AddFieldAsync(owner, "city", "City")).StatusCode.Should().Be(HttpStatusCode.Redirect);
        var listId = await factory.ListAsync(companyId, "Unknown", 2, first: 630_000);
        var form = Form("Unknown", listId);
        form["Input.Body"] = "Hi {first_name}, your {coupon|code} in {city}";

        var response = await owner.PostFormAsync("/Campaigns/Create", form);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync())
            .Should().Contain("{coupon} is not a placeholder we know. Use {first_name} or one of your contact fields ({city}), with |fallback if you like.");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.campaigns WHERE company_id = @c", ("c", companyId))).Should().Be(0);
    }

    [Fact]
    public async Task An_import_shows_its_columns_and_first_rows_and_applies_the_mapping_to_new_and_existing_fields()
    {
        var (owner, companyId) = await factory.CompanyAsync("Field Import Pizza");
        (await AddFieldAsync(owner, "tier", "Tier", "choice", "Gold, Silver")).StatusCode.Should().Be(HttpStatusCode.Redirect);
        var listId = await Contacts.CreateListAsync(owner, "Mapped");
        var csv = "phone,first_name,Home City,Visits,Tier,notes\n" +
                  "+447700700001,Ann,Leeds,12,gold,ignore me\n" +
                  "+447700700002,Bob,,3.5,,\n" +
                  "+447700700003,Cy,York,many,Silver,\n" +
                  "+447700700004,Di,Bath,1,Bronze,\n";

        var upload = await Contacts.PostImportAsync(owner, listId, Encoding.UTF8.GetBytes(csv));
        upload.StatusCode.Should().Be(HttpStatusCode.Redirect);
        upload.Headers.Location!.ToString().Should().Contain("/Campaigns/Lists/ImportMapping/");
        var importId = Guid.Parse(upload.Headers.Location!.ToString().Split('/')[^1]);
        (await factory.Database.ScalarAsync<string>("SELECT status FROM campaigns.imports WHERE id = @id", ("id", importId))).Should().Be("Mapping", "nothing runs before the mapping");

        var (status, page) = await owner.GetAsync($"/Campaigns/Lists/ImportMapping/{importId}");
        status.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(page).Should().Contain(">Home City</th>").And.Contain(">+447700700003</td>").And.Contain(">many</td>")
            .And.Contain("New number field {visits}").And.Contain("Field: Tier {tier}");
        var other = await factory.RegisterCompanyAsync($"Other {Guid.NewGuid():N}", $"{Guid.NewGuid():N}@fields.example");
        (await other.GetAsync($"/Campaigns/Lists/ImportMapping/{importId}")).Status.Should().Be(HttpStatusCode.NotFound, "another company's import");

        Dictionary<string, string> Mapping(string first, string second) => new()
        {
            ["Targets[0]"] = first, ["Targets[1]"] = second, ["Targets[2]"] = "new:text", ["Targets[3]"] = "new:number", ["Targets[4]"] = "field:tier", ["Targets[5]"] = "",
        };
        var twice = await owner.PostFormAsync($"/Campaigns/Lists/ImportMapping/{importId}", Mapping("phone", "phone"));
        twice.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await twice.Content.ReadAsStringAsync()).Should().Contain("Only one column can fill phone (required); set the others to Ignore.");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.contact_fields WHERE company_id = @c", ("c", companyId))).Should().Be(1, "a refused mapping makes no field");

        var mapped = await owner.PostFormAsync($"/Campaigns/Lists/ImportMapping/{importId}", Mapping("phone", "first_name"));
        mapped.StatusCode.Should().Be(HttpStatusCode.Redirect, await mapped.Content.ReadAsStringAsync());
        (await Contacts.WaitAsync(factory, importId)).Should().Be("Completed");

        (await factory.Database.ScalarAsync<string>("SELECT string_agg(key || ':' || kind, ',' ORDER BY key) FROM campaigns.contact_fields WHERE company_id = @c", ("c", companyId)))
            .Should().Be("home_city:text,tier:choice,visits:number");
        const string fields = "SELECT fields = @expected::jsonb FROM campaigns.contacts WHERE list_id = @l AND phone = @p";
        (await factory.Database.ScalarAsync<bool>(fields, ("l", listId), ("p", "+447700700001"), ("expected", """{"home_city": "Leeds", "visits": "12", "tier": "Gold"}""")))
            .Should().BeTrue();
        (await factory.Database.ScalarAsync<bool>(fields, ("l", listId), ("p", "+447700700002"), ("expected", """{"visits": "3.5"}"""))).Should().BeTrue();
        (await factory.Database.ScalarAsync<string>("SELECT string_agg(line || ' ' || reason, ' | ' ORDER BY line) FROM campaigns.import_errors WHERE import_id = @id", ("id", importId)))
            .Should().Be("4 Visits: \"many\" is not a number. Write digits with a point for decimals, for example 12.50. | 5 Tier: \"Bronze\" is not one of its choices (Gold, Silver).");
        (await Contacts.CounterAsync(factory, listId)).Should().Be(2);

        // The export carries the fields, one column each by key, so the file maps back to them when imported again.
        var export = await owner.Http.GetStringAsync($"/Campaigns/Lists/Export/{listId}");
        export.Should().StartWith("phone,first_name,last_name,time_zone,consent,updated_at_utc,home_city,tier,visits\r\n");
        export.Should().Contain("+447700700001,Ann,,,").And.Contain(",Leeds,Gold,12\r\n").And.Contain(",,,3.5\r\n");
    }

    [Fact]
    public async Task Another_company_s_fields_mapping_and_values_are_out_of_reach()
    {
        var (victim, victimId) = await factory.CompanyAsync("Field Victim Pizza");
        (await AddFieldAsync(victim, "city", "City")).StatusCode.Should().Be(HttpStatusCode.Redirect);
        var fieldId = await factory.Database.ScalarAsync<Guid>("SELECT id FROM campaigns.contact_fields WHERE company_id = @c", ("c", victimId));
        var victimList = await factory.ListAsync(victimId, "Secret cities", 1, first: 640_000);
        await factory.Database.ExecuteAsync($"UPDATE campaigns.contacts SET fields = '{{\"city\": \"Secretville on Sea\"}}' WHERE list_id = '{victimList}'");
        var upload = await Contacts.PostImportAsync(victim, await Contacts.CreateListAsync(victim, "Waiting"), Encoding.UTF8.GetBytes("phone,city\n+447700700101,Secretville\n"));
        var importId = Guid.Parse(upload.Headers.Location!.ToString().Split('/')[^1]);

        var (attacker, _) = await factory.CompanyAsync("Field Attacker Pizza");
        (await AddFieldAsync(attacker, "city", "City")).StatusCode.Should().Be(HttpStatusCode.Redirect, "keys are per company");
        const string own = "/Campaigns/Fields";
        (await attacker.PostFormAsync($"/Campaigns/Fields?id={fieldId}", [], handler: "Delete", tokenFrom: own)).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await attacker.PostFormAsync($"/Campaigns/Lists/ImportMapping/{importId}", new() { ["Targets[0]"] = "phone", ["Targets[1]"] = "field:city" }, tokenFrom: own))
            .StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await attacker.PostFormAsync($"/Campaigns/Lists/ImportMapping/{importId}", [], handler: "Cancel", tokenFrom: own)).StatusCode.Should().Be(HttpStatusCode.NotFound);
        var (_, preview) = await attacker.GetAsync($"/Campaigns/Create/Preview?text={Uri.EscapeDataString("In {city|town}")}&lists={victimList}");
        preview.Should().Contain("In town").And.NotContain("Secretville", "the victim's list is not the attacker's audience");

        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.contact_fields WHERE id = @id", ("id", fieldId))).Should().Be(1);
        (await factory.Database.ScalarAsync<string>("SELECT status FROM campaigns.imports WHERE id = @id", ("id", importId))).Should().Be("Mapping");
    }

    [Fact]
    public async Task An_upload_left_at_its_mapping_for_a_day_is_dropped_with_its_file()
    {
        var (owner, _) = await factory.CompanyAsync("Field Abandon Pizza");
        var upload = await Contacts.PostImportAsync(owner, await Contacts.CreateListAsync(owner, "Abandoned"), Encoding.UTF8.GetBytes("phone,shoe_size\n+447700700201,42\n"));
        var importId = Guid.Parse(upload.Headers.Location!.ToString().Split('/')[^1]);
        var file = Path.Combine(Path.GetTempPath(), "platform-tests", "contact-imports", importId.ToString("N") + ".csv");
        File.Exists(file).Should().BeTrue();

        await factory.Database.ExecuteAsync($"UPDATE campaigns.imports SET created_at = now() - interval '25 hours' WHERE id = '{importId}'");

        // The maintenance job (every second here) drops it.
        await factory.Database.WaitForAsync("the unmapped upload dropped", TimeSpan.FromSeconds(30),
            "SELECT status = 'Failed' AND error LIKE 'The columns were not mapped within a day%' FROM campaigns.imports WHERE id = @id", ("id", importId));
        File.Exists(file).Should().BeFalse();
    }

    private static Dictionary<string, string> Form(string name, Guid listId)
    {
        var form = SendingFactory.CampaignForm(name, listId);
        form["Input.Body"] = Body;
        return form;
    }

    private async Task<IReadOnlyList<string>> TextsToAsync(string phone)
    {
        var received = await factory.CreateClient().GetFromJsonAsync<List<Received>>($"/simulator/outbox?to={Uri.EscapeDataString(phone)}", JsonSerializerOptions.Web) ?? [];
        return received.Select(r => r.Text).ToList();
    }
}
