using System.Net;
using System.Text.RegularExpressions;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>
/// Issue 14's phone numbers in Campaigns (ADR 17): a company types numbers as they are dialled in its country (Accounts
/// owns it), they are stored in E.164 and shown back in national format; a CSV file's numbers are read in the country
/// chosen for it; a new campaign's time zone is the company's country's.
/// </summary>
public sealed partial class CompanyCountryNumbersTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    private async Task<FormClient> CompanyInAsync(string country)
    {
        var form = PlatformFactory.RegistrationForm($"{country} Numbers {Guid.NewGuid():N}", $"{Guid.NewGuid():N}@numbers.example");
        form["Input.Country"] = country;
        return await factory.RegisterAsync(form);
    }

    [Fact]
    public async Task A_US_company_adds_a_contact_in_national_format_stored_in_E164_and_listed_as_typed()
    {
        var owner = await CompanyInAsync("US");
        var listId = await Contacts.CreateListAsync(owner, "Diner regulars");

        var (_, form) = await owner.GetAsync($"/Campaigns/Lists/Contact/{listId}");
        WebUtility.HtmlDecode(form).Should().Contain("Write it as it is dialled in United States", "the hint names the company's country");
        var added = await owner.PostFormAsync($"/Campaigns/Lists/Contact/{listId}", new()
        {
            ["Input.Phone"] = "(555) 777-0199",
            ["Input.FirstName"] = "Sam",
            ["Input.ConsentSource"] = "Signed up at the counter",
        });

        added.StatusCode.Should().Be(HttpStatusCode.Redirect, WebUtility.HtmlDecode(await added.Content.ReadAsStringAsync()));
        var contactId = await factory.Database.ScalarAsync<long>("SELECT id FROM campaigns.contacts WHERE list_id = @l AND phone = '+15557770199'", ("l", listId));
        var (_, details) = await owner.GetAsync($"/Campaigns/Lists/Details/{listId}");
        ShownNumbers().Matches(WebUtility.HtmlDecode(details)).Select(m => m.Groups[1].Value).Should().Equal("(555) 777-0199");
        var (_, edit) = await owner.GetAsync($"/Campaigns/Lists/Contact/{listId}/{contactId}");
        WebUtility.HtmlDecode(PhoneValue().Match(edit).Groups[1].Value).Should().Be("(555) 777-0199");

        var saved = await owner.PostFormAsync($"/Campaigns/Lists/Contact/{listId}/{contactId}", new()
        {
            ["Input.Phone"] = "(555) 777-0199",
            ["Input.FirstName"] = "Samuel",
            ["Input.ConsentSource"] = "Signed up at the counter",
        });
        saved.StatusCode.Should().Be(HttpStatusCode.Redirect, "the number as the edit form shows it reads back to the same number");
        (await factory.Database.ScalarAsync<string>("SELECT phone || ' ' || first_name FROM campaigns.contacts WHERE id = @id", ("id", contactId)))
            .Should().Be("+15557770199 Samuel");
    }

    [Fact]
    public async Task An_impossible_number_is_refused_with_a_clear_message_and_nothing_is_stored()
    {
        var owner = await CompanyInAsync("US");
        var listId = await Contacts.CreateListAsync(owner, "Impossible");

        var contact = await owner.PostFormAsync($"/Campaigns/Lists/Contact/{listId}", new() { ["Input.Phone"] = "555 0199", ["Input.ConsentSource"] = "x" });
        var suppression = await owner.PostFormAsync("/Campaigns/Suppressions", new() { ["Input.Phone"] = "555 0199", ["Input.Note"] = "x" }, handler: "Add");

        foreach (var response in new[] { contact, suppression })
        {
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync())
                .Should().Contain("This number has too few digits for +1 (United States).").And.Contain("Write it as it is dialled in United States");
        }

        (await Contacts.RowsAsync(factory, listId)).Should().Be(0);
        (await Contacts.CounterAsync(factory, listId)).Should().Be(0);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.suppressions WHERE phone LIKE '+1555%0199'")).Should().Be(0);
    }

    [Fact]
    public async Task A_US_company_suppresses_a_national_number_and_sees_it_in_national_format()
    {
        var owner = await CompanyInAsync("US");

        var added = await owner.PostFormAsync("/Campaigns/Suppressions", new() { ["Input.Phone"] = "555-777-0198", ["Input.Note"] = "Asked at the till" }, handler: "Add");

        added.StatusCode.Should().Be(HttpStatusCode.Redirect, WebUtility.HtmlDecode(await added.Content.ReadAsStringAsync()));
        var (_, page) = await owner.GetAsync("/Campaigns/Suppressions");
        var html = WebUtility.HtmlDecode(page);
        html.Should().Contain("<td class=\"font-monospace\">(555) 777-0198</td>", "listed and in the history in national format");
        html.Should().Contain("value=\"+15557770198\"", "the lift form still names the stored number");
    }

    [Fact]
    public async Task A_CSV_file_of_national_GB_numbers_with_default_country_GB_is_stored_in_E164_and_listed_in_national_format()
    {
        var owner = await CompanyInAsync("GB");
        var listId = await Contacts.CreateListAsync(owner, "British customers");

        var (status, importId) = await Contacts.ImportAsync(factory, owner, listId,
            "phone,first_name\n07700 900123,Ann\n(07700) 900-124,Bob\n+44 7700 900125,Cy\n12345,Short\n", country: "GB");

        status.Should().Be("Completed", await factory.Database.ScalarAsync<string>("SELECT error FROM campaigns.imports WHERE id = @id", ("id", importId)));
        (await factory.Database.ScalarAsync<string>("SELECT string_agg(phone, ',' ORDER BY phone) FROM campaigns.contacts WHERE list_id = @l", ("l", listId)))
            .Should().Be("+447700900123,+447700900124,+447700900125");
        (await factory.Database.ScalarAsync<string>("SELECT line || ': ' || reason FROM campaigns.import_errors WHERE import_id = @id", ("id", importId)))
            .Should().Be("5: Not a valid mobile number", "the per-row reason is unchanged");
        var (_, details) = await owner.GetAsync($"/Campaigns/Lists/Details/{listId}");
        ShownNumbers().Matches(WebUtility.HtmlDecode(details)).Select(m => m.Groups[1].Value)
            .Should().Equal("07700 900123", "07700 900124", "07700 900125");
    }

    [Theory]
    [InlineData("US", "America/New_York")]
    [InlineData("GB", "Europe/London")]
    [InlineData("DE", "Europe/Berlin")]
    public async Task A_new_campaigns_time_zone_is_the_companys_countrys(string country, string zone)
    {
        var owner = await CompanyInAsync(country);

        var (status, page) = await owner.GetAsync("/Campaigns/Create");

        status.Should().Be(HttpStatusCode.OK);
        SelectedZone().Match(page).Groups[1].Value.Should().Be(zone);
    }

    [Theory]
    [InlineData("GB")]
    [InlineData("DE")]
    public async Task The_import_pages_default_country_is_the_companys(string country)
    {
        var owner = await CompanyInAsync(country);
        var listId = await Contacts.CreateListAsync(owner, "Default country");

        var (status, page) = await owner.GetAsync($"/Campaigns/Lists/Import/{listId}");

        status.Should().Be(HttpStatusCode.OK);
        SelectedCountryOption().Match(page).Groups[1].Value.Should().Be(country);
    }

    [GeneratedRegex("""<option selected="selected">([A-Z]{2})</option>""")]
    private static partial Regex SelectedCountryOption();

    [GeneratedRegex("""<td class="font-monospace" data-phone="[^"]*">([^<]*)</td>""")]
    private static partial Regex ShownNumbers();

    [GeneratedRegex("""id="Input_Phone"[^>]*value="([^"]*)""")]
    private static partial Regex PhoneValue();

    [GeneratedRegex("""<option value="([A-Za-z_]+/[^"]+)" selected="selected">""")]
    private static partial Regex SelectedZone();
}
