using System.Net;
using System.Text;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>Lists and contacts by hand, and tenant isolation on every contact page and handler.</summary>
public sealed class ContactPagesTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    private Task<FormClient> OwnerAsync() =>
        factory.RegisterCompanyAsync($"Lists {Guid.NewGuid():N}", $"{Guid.NewGuid():N}@lists.example");

    [Fact]
    public async Task The_owner_creates_renames_and_deletes_a_list_and_names_are_unique_per_company()
    {
        var owner = await OwnerAsync();
        var id = await Contacts.CreateListAsync(owner, "Newsletter");

        var duplicate = await owner.PostFormAsync("/Campaigns/Lists", new() { ["Input.Name"] = "Newsletter" });
        WebUtility.HtmlDecode(await duplicate.Content.ReadAsStringAsync()).Should().Contain("You already have a list named \"Newsletter\"");
        var renamed = await owner.PostFormAsync($"/Campaigns/Lists/Details/{id}", new() { ["Input.Name"] = "VIP customers" }, handler: "Rename");
        renamed.StatusCode.Should().Be(HttpStatusCode.Redirect);
        var (_, lists) = await owner.GetAsync("/Campaigns/Lists");
        lists.Should().Contain("VIP customers").And.NotContain(">Newsletter<");
        var other = await OwnerAsync();
        await Contacts.CreateListAsync(other, "VIP customers"); // another company may use the same name

        var deleted = await owner.PostFormAsync($"/Campaigns/Lists/Details/{id}", [], handler: "Delete");
        deleted.StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await owner.GetAsync($"/Campaigns/Lists/Details/{id}")).Status.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Contacts_are_added_edited_and_deleted_by_hand_and_the_counter_follows()
    {
        var owner = await OwnerAsync();
        var listId = await Contacts.CreateListAsync(owner, "By hand");

        var added = await owner.PostFormAsync($"/Campaigns/Lists/Contact/{listId}", new()
        {
            ["Input.Phone"] = "+44 7700 900-123",
            ["Input.FirstName"] = "=Ada",
            ["Input.LastName"] = "Lovelace",
            ["Input.TimeZone"] = "Europe/London",
            ["Input.ConsentSource"] = "Signed the form at the till",
        });
        added.StatusCode.Should().Be(HttpStatusCode.Redirect, await added.Content.ReadAsStringAsync());
        (await Contacts.CounterAsync(factory, listId)).Should().Be(1);
        var contactId = await factory.Database.ScalarAsync<long>("SELECT id FROM campaigns.contacts WHERE list_id = @l AND phone = '+447700900123'", ("l", listId));

        var again = await owner.PostFormAsync($"/Campaigns/Lists/Contact/{listId}", new() { ["Input.Phone"] = "00447700900123", ["Input.ConsentSource"] = "x" });
        WebUtility.HtmlDecode(await again.Content.ReadAsStringAsync()).Should().Contain("+447700900123 is already on this list.");
        var bad = await owner.PostFormAsync($"/Campaigns/Lists/Contact/{listId}", new() { ["Input.Phone"] = "12345", ["Input.TimeZone"] = "Mars/Olympus", ["Input.ConsentSource"] = "" });
        var badHtml = WebUtility.HtmlDecode(await bad.Content.ReadAsStringAsync());
        badHtml.Should().Contain("too few digits for +44 (United Kingdom)").And.Contain("international format").And.Contain("\"Mars/Olympus\" is not a time zone").And.Contain("Say how this person gave consent");

        var edited = await owner.PostFormAsync($"/Campaigns/Lists/Contact/{listId}/{contactId}", new()
        {
            ["Input.Phone"] = "+447700900125",
            ["Input.FirstName"] = "Ada",
            ["Input.ConsentSource"] = "Signed the form at the till",
        });
        edited.StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await factory.Database.ScalarAsync<string>("SELECT phone || ' ' || first_name FROM campaigns.contacts WHERE id = @id", ("id", contactId))).Should().Be("+447700900125 Ada");
        (await Contacts.CounterAsync(factory, listId)).Should().Be(1);
        var (_, details) = await owner.GetAsync($"/Campaigns/Lists/Details/{listId}");
        WebUtility.HtmlDecode(details).Should().Contain("+447700900125").And.Contain("<span id=\"contact-count\">1</span>");

        var deleted = await owner.PostFormAsync($"/Campaigns/Lists/Contact/{listId}/{contactId}", [], handler: "Delete");
        deleted.StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await Contacts.CounterAsync(factory, listId)).Should().Be(0);
        (await Contacts.RowsAsync(factory, listId)).Should().Be(0);
    }

    [Fact]
    public async Task Another_companys_list_contact_and_import_ids_answer_404_everywhere()
    {
        var victim = await OwnerAsync();
        var listId = await Contacts.CreateListAsync(victim, "Secret list");
        var (status, importId) = await Contacts.ImportAsync(factory, victim, listId, "phone,first_name\n+447700900555,Secret\n12,Bad\n");
        status.Should().Be("Completed");
        var contactId = await factory.Database.ScalarAsync<long>("SELECT id FROM campaigns.contacts WHERE list_id = @l", ("l", listId));
        var attacker = await OwnerAsync();
        var attackerList = await Contacts.CreateListAsync(attacker, "Mine");

        foreach (var url in new[]
                 {
                     $"/Campaigns/Lists/Details/{listId}", $"/Campaigns/Lists/Contact/{listId}", $"/Campaigns/Lists/Contact/{listId}/{contactId}",
                     $"/Campaigns/Lists/Contact/{attackerList}/{contactId}", $"/Campaigns/Lists/Import/{listId}", $"/Campaigns/Lists/Export/{listId}",
                     $"/Campaigns/Lists/ImportStatus/{importId}", $"/Campaigns/Lists/ImportStatus/{importId}?handler=Progress",
                     $"/Campaigns/Lists/ImportStatus/{importId}?handler=Errors",
                 })
        {
            var (code, body) = await attacker.GetAsync(url);
            code.Should().Be(HttpStatusCode.NotFound, url);
            body.Should().NotContain("Secret").And.NotContain("900555");
        }

        // Posts with the attacker's own antiforgery token (from a page of their own) against the victim's ids.
        var own = $"/Campaigns/Lists/Contact/{attackerList}";
        var posts = new (string Url, Dictionary<string, string> Fields)[]
        {
            ($"/Campaigns/Lists/Details/{listId}?handler=Rename", new() { ["Input.Name"] = "Pwned" }),
            ($"/Campaigns/Lists/Details/{listId}?handler=Delete", []),
            ($"/Campaigns/Lists/Contact/{listId}", new() { ["Input.Phone"] = "+447700900556", ["Input.ConsentSource"] = "x" }),
            ($"/Campaigns/Lists/Contact/{attackerList}/{contactId}", new() { ["Input.Phone"] = "+447700900557", ["Input.ConsentSource"] = "x" }),
            ($"/Campaigns/Lists/Contact/{listId}/{contactId}?handler=Delete", []),
            ($"/Campaigns/Lists/Contact/{attackerList}/{contactId}?handler=Delete", []),
        };
        foreach (var (url, fields) in posts)
        {
            var response = await attacker.PostFormAsync(url, fields, tokenFrom: own);
            response.StatusCode.Should().Be(HttpStatusCode.NotFound, url);
        }

        var upload = await attacker.PostMultipartAsync($"/Campaigns/Lists/Import/{listId}", new()
        {
            ["Input.DefaultCountry"] = "GB",
            ["Input.ConsentAttestation"] = Contacts.Attestation,
            ["Input.Confirmed"] = "true",
        }, "Input.File", "x.csv", Encoding.UTF8.GetBytes("phone\n+447700900558\n"), tokenFrom: $"/Campaigns/Lists/Import/{attackerList}");
        upload.StatusCode.Should().Be(HttpStatusCode.NotFound);

        (await factory.Database.ScalarAsync<string>("SELECT name FROM campaigns.contact_lists WHERE id = @l", ("l", listId))).Should().Be("Secret list");
        (await Contacts.RowsAsync(factory, listId)).Should().Be(1);
        (await Contacts.CounterAsync(factory, listId)).Should().Be(1);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.imports WHERE list_id = @l", ("l", listId))).Should().Be(1);
    }
}
