using System.Net;
using System.Text;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>CSV imports through the real upload form and the real Hangfire job, on a real PostgreSQL.</summary>
public sealed class ContactImportTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    private async Task<(FormClient Owner, Guid ListId)> ListAsync(string name = "Newsletter")
    {
        var owner = await factory.RegisterCompanyAsync($"Import {Guid.NewGuid():N}", $"{Guid.NewGuid():N}@import.example");
        return (owner, await Contacts.CreateListAsync(owner, name));
    }

    [Fact]
    public async Task A_bom_crlf_inside_quotes_and_formula_prefixes_are_stored_as_text_and_escaped_on_export()
    {
        var (owner, listId) = await ListAsync();
        var csv = "\uFEFFphone,first_name,last_name,time_zone\r\n" +
                  "+447700900001,=HYPERLINK(\"http://evil\"),\"Smith\r\nJones\",Europe/London\r\n" +
                  "+447700900002,+SUM(A1),-2+3,\r\n" +
                  "+447700900003,@cmd,\"Quote \"\"Q\"\" Name\",America/New_York\r\n";

        var (status, importId) = await Contacts.ImportAsync(factory, owner, listId, csv);

        status.Should().Be("Completed", await factory.Database.ScalarAsync<string>("SELECT error FROM campaigns.imports WHERE id = @id", ("id", importId)));
        (await Contacts.CounterAsync(factory, listId)).Should().Be(3);
        (await factory.Database.ScalarAsync<string>("SELECT first_name FROM campaigns.contacts WHERE phone = '+447700900001' AND list_id = @l", ("l", listId)))
            .Should().Be("=HYPERLINK(\"http://evil\")");
        (await factory.Database.ScalarAsync<string>("SELECT last_name FROM campaigns.contacts WHERE phone = '+447700900001' AND list_id = @l", ("l", listId)))
            .Should().Be("Smith\r\nJones");
        (await factory.Database.ScalarAsync<string>("SELECT last_name FROM campaigns.contacts WHERE phone = '+447700900003' AND list_id = @l", ("l", listId)))
            .Should().Be("Quote \"Q\" Name");
        (await factory.Database.ScalarAsync<string>("SELECT consent_source FROM campaigns.contacts WHERE phone = '+447700900002' AND list_id = @l", ("l", listId)))
            .Should().Be(Contacts.Attestation);
        (await factory.Database.ScalarAsync<string>("SELECT consent_attestation FROM campaigns.imports WHERE id = @id", ("id", importId)))
            .Should().Be(Contacts.Attestation);

        var export = await owner.Http.GetAsync($"/Campaigns/Lists/Export/{listId}");
        export.StatusCode.Should().Be(HttpStatusCode.OK);
        export.Content.Headers.ContentType!.MediaType.Should().Be("text/csv");
        var text = await export.Content.ReadAsStringAsync();
        text.Should().StartWith("phone,first_name,last_name,time_zone,consent,updated_at_utc\r\n");
        text.Should().Contain("+447700900001,\"'=HYPERLINK(\"\"http://evil\"\")\",\"Smith\r\nJones\",Europe/London,");
        text.Should().Contain("+447700900002,'+SUM(A1),'-2+3,,");
        text.Should().Contain("+447700900003,'@cmd,\"Quote \"\"Q\"\" Name\",America/New_York,");
        text.Should().NotContain(",=").And.NotContain(",@").And.NotContain(",-2");
    }

    public static TheoryData<string, byte[], bool, string> UnusableFiles() => new()
    {
        { "wrong columns", Encoding.UTF8.GetBytes("mobile,name\r\n+447700900001,Ann\r\n"), false, "The file has no \"phone\" column" },
        { "header only", Encoding.UTF8.GetBytes("phone,first_name\r\n"), false, "no rows under its header" },
        { "blank lines only", Encoding.UTF8.GetBytes("\r\n\r\n"), false, "The file is empty" },
        { "binary junk", Junk(), false, "The file is not CSV text" },
        { "a zip file", [0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00, 0xC3, 0x28, 0xFF, 0xFE, 0x00, 0x01], false, "The file is not CSV text" },
        { "NUL bytes", Encoding.UTF8.GetBytes("phone,first_name\n+447700900001,A\0B\n"), false, "The file is not CSV text" },
        { "Latin-1, not UTF-8", Encoding.Latin1.GetBytes("phone,first_name\n+447700900001,M\u00fcller\n"), false, "Line 2 is not UTF-8 text" },
        { "UTF-16", Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("phone\n+447700900001\n")).ToArray(), false, "UTF-16" },
        { "consent column missing", Encoding.UTF8.GetBytes("phone,first_name\n+447700900001,Ann\n"), true, "no \"consent\" column" },
    };

    [Theory]
    [MemberData(nameof(UnusableFiles))]
    public async Task An_unusable_file_fails_with_a_clear_message_and_leaves_the_list_unchanged(string what, byte[] file, bool perRowConsent, string message)
    {
        var (owner, listId) = await ListAsync(what);
        await Contacts.ImportAsync(factory, owner, listId, "phone,first_name\n+447700900999,Kept\n");

        var (status, importId) = await Contacts.ImportAsync(factory, owner, listId, file, perRowConsent: perRowConsent);

        status.Should().Be("Failed");
        var (_, page) = await owner.GetAsync($"/Campaigns/Lists/ImportStatus/{importId}");
        WebUtility.HtmlDecode(page).Should().Contain("The import failed, and the list was not changed.").And.Contain(message);
        (await Contacts.CounterAsync(factory, listId)).Should().Be(1);
        (await Contacts.RowsAsync(factory, listId)).Should().Be(1);
        (await factory.Database.ScalarAsync<string>("SELECT first_name FROM campaigns.contacts WHERE list_id = @l", ("l", listId))).Should().Be("Kept");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.import_errors WHERE import_id = @id", ("id", importId))).Should().Be(0);
    }

    [Fact]
    public async Task A_file_that_turns_bad_after_many_good_rows_imports_nothing_at_all()
    {
        var (owner, listId) = await ListAsync();
        var csv = new StringBuilder("phone,first_name\n");
        for (var i = 0; i < 25_000; i++)
        {
            csv.Append("+4477009").Append(i.ToString("00000")).Append(",Good\n");
        }

        var bytes = Encoding.UTF8.GetBytes(csv.ToString()).Concat(new byte[] { 0x2B, 0x34, 0x34, 0x2C, 0xC3, 0x28, 0x0A }).ToArray();

        var (status, importId) = await Contacts.ImportAsync(factory, owner, listId, bytes);

        status.Should().Be("Failed");
        (await factory.Database.ScalarAsync<string>("SELECT error FROM campaigns.imports WHERE id = @id", ("id", importId))).Should().Contain("Line 25,002 is not UTF-8");
        (await Contacts.RowsAsync(factory, listId)).Should().Be(0);
        (await Contacts.CounterAsync(factory, listId)).Should().Be(0);
    }

    [Fact]
    public async Task Duplicates_are_merged_bad_rows_reported_and_the_counters_add_up()
    {
        var (owner, listId) = await ListAsync();
        await Contacts.ImportAsync(factory, owner, listId, "phone,first_name,last_name,consent\n+447700900001,Old,Name,signed up in store\n", perRowConsent: true);
        var csv = "phone,first_name,consent,time_zone\n" +
                  "07700 900001,Updated,web form,\n" +      // line 2: the existing contact, national format: merged, last name kept
                  "+447700900002,New,web form,\n" +          // line 3: new
                  "00447700900002,Again,web form,\n" +       // line 4: duplicate of line 3 in the file
                  "12345,Bad,web form,\n" +                  // line 5: not a number
                  "+447700900003,NoConsent,,\n" +            // line 6: consent missing
                  "+447700900004,Zone,web form,Mars/Olympus\n" + // line 7: unknown time zone
                  "\"+447700900005\",\"Multi\nLine\",web form,\n"; // line 8-9: new

        var (status, importId) = await Contacts.ImportAsync(factory, owner, listId, csv, perRowConsent: true);

        status.Should().Be("Completed");
        (await factory.Database.ScalarAsync<int>("SELECT rows_read FROM campaigns.imports WHERE id = @id", ("id", importId))).Should().Be(7);
        (await factory.Database.ScalarAsync<int>("SELECT imported FROM campaigns.imports WHERE id = @id", ("id", importId))).Should().Be(2);
        (await factory.Database.ScalarAsync<int>("SELECT merged FROM campaigns.imports WHERE id = @id", ("id", importId))).Should().Be(2);
        (await factory.Database.ScalarAsync<int>("SELECT rejected FROM campaigns.imports WHERE id = @id", ("id", importId))).Should().Be(3);
        (await Contacts.CounterAsync(factory, listId)).Should().Be(3);
        (await Contacts.RowsAsync(factory, listId)).Should().Be(3);
        (await factory.Database.ScalarAsync<string>("SELECT first_name || ' ' || last_name || ' / ' || consent_source FROM campaigns.contacts WHERE phone = '+447700900001' AND list_id = @l", ("l", listId)))
            .Should().Be("Updated Name / web form");
        (await factory.Database.ScalarAsync<string>("SELECT first_name FROM campaigns.contacts WHERE phone = '+447700900002' AND list_id = @l", ("l", listId)))
            .Should().Be("New", "the first row of a number wins; later ones are reported as duplicates");

        var (_, page) = await owner.GetAsync($"/Campaigns/Lists/ImportStatus/{importId}");
        page.Should().Contain("<span id=\"imported\">2</span>").And.Contain("<span id=\"merged\">2</span>").And.Contain("<span id=\"rejected\">3</span>");
        var report = await owner.Http.GetAsync($"/Campaigns/Lists/ImportStatus/{importId}?handler=Errors");
        report.StatusCode.Should().Be(HttpStatusCode.OK);
        report.Content.Headers.ContentType!.MediaType.Should().Be("text/csv");
        var lines = (await report.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines.Should().Equal(
            "line,reason,value",
            "4,Duplicate of line 3 (same number): merged into it,'+447700900002",
            "5,Not a valid mobile number,12345",
            "6,Missing consent: the consent column is empty,'+447700900003",
            "7,\"Unknown time zone \"\"Mars/Olympus\"\": use an IANA name such as Europe/London\",'+447700900004");
        var progress = await owner.Http.GetStringAsync($"/Campaigns/Lists/ImportStatus/{importId}?handler=Progress");
        progress.Should().Contain("\"percent\":100").And.Contain("\"finished\":true");
    }

    [Fact]
    public async Task A_quote_never_closed_refuses_its_row_and_a_stray_quote_is_kept_as_text()
    {
        var (owner, listId) = await ListAsync();
        var csv = "phone,first_name\n+447700900010,Ann \"Nan\" Lee\n+447700900011,\"Open\n+447700900012,Bob\n";

        var (status, importId) = await Contacts.ImportAsync(factory, owner, listId, csv);

        status.Should().Be("Completed");
        (await factory.Database.ScalarAsync<string>("SELECT first_name FROM campaigns.contacts WHERE list_id = @l", ("l", listId))).Should().Be("Ann \"Nan\" Lee");
        (await Contacts.CounterAsync(factory, listId)).Should().Be(1);
        (await factory.Database.ScalarAsync<string>("SELECT line || ': ' || reason FROM campaigns.import_errors WHERE import_id = @id", ("id", importId)))
            .Should().StartWith("3: A quoted cell is never closed");
    }

    [Theory]
    [InlineData("GB", "07700 900123", "+447700900123")]
    [InlineData("GB", "7700900123", "+447700900123")]
    [InlineData("US", "(202) 555-0123", "+12025550123")]
    [InlineData("DE", "0151 23456789", "+4915123456789")]
    [InlineData("US", "+44 7700 900123", "+447700900123")]
    [InlineData("US", "0033 6 12 34 56 78", "+33612345678")]
    public async Task The_default_country_gives_numbers_without_a_country_code_theirs(string country, string written, string stored)
    {
        var (owner, listId) = await ListAsync();

        var (status, _) = await Contacts.ImportAsync(factory, owner, listId, $"phone\n\"{written}\"\n", country);

        status.Should().Be("Completed");
        (await factory.Database.ScalarAsync<string>("SELECT phone FROM campaigns.contacts WHERE list_id = @l", ("l", listId))).Should().Be(stored);
    }

    [Fact]
    public async Task The_upload_form_refuses_a_missing_file_attestation_or_country_with_clear_messages()
    {
        var (owner, listId) = await ListAsync();

        var noConfirm = await owner.PostMultipartAsync($"/Campaigns/Lists/Import/{listId}", new()
        {
            ["Input.DefaultCountry"] = "XX",
            ["Input.ConsentAttestation"] = "",
            ["Input.Confirmed"] = "false",
        }, "Input.File", "empty.csv", []);

        noConfirm.StatusCode.Should().Be(HttpStatusCode.OK);
        var html = WebUtility.HtmlDecode(await noConfirm.Content.ReadAsStringAsync());
        html.Should().Contain("Say how the people in this file gave consent").And.Contain("Confirm that everyone in the file agreed");
        var badCountry = await Contacts.PostImportAsync(owner, listId, Encoding.UTF8.GetBytes("phone\n+447700900001\n"), "XX");
        WebUtility.HtmlDecode(await badCountry.Content.ReadAsStringAsync()).Should().Contain("Choose one of the countries in the list.");
        var empty = await Contacts.PostImportAsync(owner, listId, []);
        WebUtility.HtmlDecode(await empty.Content.ReadAsStringAsync()).Should().Contain("Choose the CSV file to import.");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.imports WHERE list_id = @l", ("l", listId))).Should().Be(0);
    }

    private static byte[] Junk()
    {
        var bytes = new byte[4096];
        new Random(42).NextBytes(bytes);
        return bytes;
    }
}
