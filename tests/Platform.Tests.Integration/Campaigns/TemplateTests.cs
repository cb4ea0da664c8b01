using System.Net;
using System.Text.RegularExpressions;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>
/// Saved templates (issue #20 item 2): a company's library with names, tags and an edit history; a campaign starts from one
/// with its text copied; bad input explained and nothing saved; another company sees none of it.
/// </summary>
public sealed partial class TemplateTests(SendingFactory factory) : IClassFixture<SendingFactory>
{
    private const string Edit = "/Campaigns/Templates/Edit";

    [Fact]
    public async Task A_company_saves_edits_finds_and_starts_a_campaign_from_a_template_whose_later_edits_leave_the_campaign_alone()
    {
        var (owner, companyId) = await factory.CompanyAsync("Template Pizza");
        var saved = await owner.PostFormAsync(Edit, Form("Weekend deal", "Hi {first_name|there}, 2 for 1 this weekend. Reply STOP to opt out", "promo , Weekend,,promo"));
        saved.StatusCode.Should().Be(HttpStatusCode.Redirect, await saved.Content.ReadAsStringAsync());
        var id = Guid.Parse(IdIn().Match(saved.Headers.Location!.OriginalString).Groups[1].Value);
        (await factory.Database.ScalarAsync<string>("SELECT tags FROM campaigns.templates WHERE id = @id", ("id", id))).Should().Be("promo, Weekend", "tags are trimmed, empty and repeated ones dropped");
        var edited = await owner.PostFormAsync($"{Edit}?id={id}", Form("Weekend deal", "Hi {first_name|there}, 3 for 2 this weekend. Reply STOP to opt out", "promo, weekend", id));
        edited.StatusCode.Should().Be(HttpStatusCode.Redirect, await edited.Content.ReadAsStringAsync());

        // Both saves in the history, newest first.
        var (_, page) = await owner.GetAsync($"{Edit}?id={id}");
        var history = HistoryBody().Matches(WebUtility.HtmlDecode(page)).Select(m => m.Groups[1].Value).ToList();
        history.Should().HaveCount(2);
        history[0].Should().Contain("3 for 2");
        history[1].Should().Contain("2 for 1");

        // Found by a tag, not by something it does not have.
        (await owner.GetAsync("/Campaigns/Templates?q=weekend")).Body.Should().Contain("data-template=\"Weekend deal\"");
        (await owner.GetAsync("/Campaigns/Templates?q=christmas")).Body.Should().Contain("id=\"no-templates\"");

        // A campaign starts from it: the composer has its text, and the saved campaign keeps that text after the template changes.
        var (_, composer) = await owner.GetAsync($"/Campaigns/Create?template={id}");
        WebUtility.HtmlDecode(composer).Should().Contain("3 for 2 this weekend");
        var listId = await factory.ListAsync(companyId, "Template list", 3);
        var form = SendingFactory.CampaignForm("From the template", listId, schedule: false);
        form["Input.Body"] = "Hi {first_name|there}, 3 for 2 this weekend. Reply STOP to opt out";
        var campaignId = await SendingFactory.CreateCampaignAsync(owner, form);
        (await owner.PostFormAsync($"{Edit}?id={id}", Form("Weekend deal", "Hi {first_name|there}, closed this weekend. Reply STOP to opt out", "promo", id)))
            .StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await factory.Database.ScalarAsync<string>("SELECT body FROM campaigns.campaigns WHERE id = @id", ("id", campaignId))).Should().Contain("3 for 2");

        // Another company: not listed, not opened, not used, not deleted.
        var (other, _) = await factory.CompanyAsync("Other Template Pizza");
        (await other.GetAsync("/Campaigns/Templates")).Body.Should().NotContain("Weekend deal");
        (await other.GetAsync($"{Edit}?id={id}")).Status.Should().Be(HttpStatusCode.NotFound);
        WebUtility.HtmlDecode((await other.GetAsync($"/Campaigns/Create?template={id}")).Body).Should().NotContain("closed this weekend");
        (await other.PostFormAsync($"{Edit}?handler=Delete&id={id}", [], tokenFrom: "/Campaigns/Templates/Edit")).StatusCode.Should().Be(HttpStatusCode.NotFound);

        // Deleted by its company, with its history; the campaign keeps its text.
        (await owner.PostFormAsync($"{Edit}?handler=Delete&id={id}", [], tokenFrom: $"{Edit}?id={id}")).StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.template_versions WHERE template_id = @id", ("id", id))).Should().Be(0);
        (await factory.Database.ScalarAsync<string>("SELECT body FROM campaigns.campaigns WHERE id = @id", ("id", campaignId))).Should().Contain("3 for 2");
    }

    [Theory]
    [InlineData("", "Hello", "Give the template a name.")]
    [InlineData("Welcome", "", "Write the message.")]
    [InlineData("Welcome", "Hi {firstname}", "{firstname} is not a placeholder we know.")]
    [InlineData("welcome", "Hello again", "You already have a template named \"welcome\".")]
    public async Task A_template_with_a_mistake_is_explained_and_nothing_is_saved(string name, string body, string message)
    {
        var (owner, companyId) = await factory.CompanyAsync($"Bad Template {Guid.NewGuid():N}");
        (await owner.PostFormAsync(Edit, Form("Welcome", "Hello {first_name}", string.Empty))).StatusCode.Should().Be(HttpStatusCode.Redirect);
        var before = await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.template_versions v JOIN campaigns.templates t ON t.id = v.template_id WHERE t.company_id = @c", ("c", companyId));

        var response = await owner.PostFormAsync(Edit, Form(name, body, "x"));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()).Should().Contain(message);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.template_versions v JOIN campaigns.templates t ON t.id = v.template_id WHERE t.company_id = @c", ("c", companyId)))
            .Should().Be(before);
    }

    private static Dictionary<string, string> Form(string name, string body, string tags, Guid? id = null) => new()
    {
        ["Input.Id"] = id?.ToString() ?? string.Empty,
        ["Input.Name"] = name,
        ["Input.Body"] = body,
        ["Input.Tags"] = tags,
    };

    [GeneratedRegex("id=([0-9a-f-]{36})")]
    private static partial Regex IdIn();

    [GeneratedRegex("<div class=\"history-body\">([^<]*)</div>")]
    private static partial Regex HistoryBody();
}
