using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Platform.Tests.Integration.Infrastructure;
using Platform.Tests.Integration.OptIns;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>
/// Segments (issue #20 item 3, ADR 35) through the real pages, the simulator carrier and the contact-activity job on a
/// real PostgreSQL: counted live by contact field, keyword (opted in by texting it), lists and activity; saved; a
/// campaign sent to one reaches its people only; bad rules are refused with what to write instead.
/// </summary>
public sealed partial class SegmentTests(SendingFactory factory) : IClassFixture<SendingFactory>
{
    private sealed record Count(long People, long Suppressed, long Sendable, List<string> Problems);

    private static Task<HttpResponseMessage> AddFieldAsync(FormClient owner, string key, string label, string kind = "text") =>
        owner.PostFormAsync("/Campaigns/Fields", new() { ["Input.Key"] = key, ["Input.Label"] = label, ["Input.Kind"] = kind, ["Input.Choices"] = string.Empty });

    /// <summary>The segment form's fields: its lists and rules as (subject, op, value).</summary>
    private static Dictionary<string, string> Segment(string name, Guid[] lists, string match, params (string Subject, string Op, string Value)[] rules)
    {
        var form = new Dictionary<string, string> { ["Input.Name"] = name, ["Input.Match"] = match };
        for (var i = 0; i < lists.Length; i++)
        {
            form[$"Input.ListIds[{i}]"] = lists[i].ToString();
        }

        for (var i = 0; i < rules.Length; i++)
        {
            form[$"Input.Rules[{i}].Subject"] = rules[i].Subject;
            form[$"Input.Rules[{i}].Op"] = rules[i].Op;
            form[$"Input.Rules[{i}].Value"] = rules[i].Value;
        }

        return form;
    }

    private static async Task<Count> CountAsync(FormClient owner, Dictionary<string, string> form)
    {
        var query = string.Join('&', form.Select(f => $"{Uri.EscapeDataString(f.Key)}={Uri.EscapeDataString(f.Value)}"));
        var response = await owner.Http.GetAsync($"/Campaigns/Segments/Edit?handler=Count&{query}");
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<Count>(JsonSerializerOptions.Web))!;
    }

    [Fact]
    public async Task A_segment_counts_live_by_field_keyword_and_lists_and_a_campaign_sent_to_it_reaches_only_its_people()
    {
        var (owner, companyId) = await factory.CompanyAsync("Segment Pizza");
        (await AddFieldAsync(owner, "city", "City")).StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await AddFieldAsync(owner, "visits", "Visits", "number")).StatusCode.Should().Be(HttpStatusCode.Redirect);
        await OptInsFactory.CreateKeywordAsync(owner, "SEGPIZZA");
        // A: +44770640000…09; B: +44770640005…14, so five numbers are on both lists.
        var listA = await factory.ListAsync(companyId, "Segment A", 10, first: 640_000);
        var listB = await factory.ListAsync(companyId, "Segment B", 10, first: 640_005);
        await factory.Database.ExecuteAsync($"""
            UPDATE campaigns.contacts SET fields = jsonb_build_object('city', 'Leeds', 'visits', '12') WHERE list_id = '{listA}' AND phone = '+44770640000';
            UPDATE campaigns.contacts SET fields = jsonb_build_object('city', 'Leeds', 'visits', '3') WHERE list_id = '{listA}' AND phone IN ('+44770640001', '+44770640002', '+44770640003');
            UPDATE campaigns.contacts SET fields = jsonb_build_object('city', 'leeds') WHERE list_id = '{listA}' AND phone = '+44770640004';
            UPDATE campaigns.contacts SET fields = jsonb_build_object('city', 'Leeds Bradford') WHERE list_id = '{listB}' AND phone = '+44770640010';
            UPDATE campaigns.contacts SET fields = jsonb_build_object('city', 'York') WHERE list_id = '{listB}' AND phone = '+44770640011';
            """);
        // Two people opt in by texting the keyword through the carrier; one number is suppressed on the Suppressions page.
        await factory.TextPlatformAsync("+44770640002", "SEGPIZZA");
        await factory.TextPlatformAsync("+44770640011", "segpizza");
        (await owner.PostFormAsync("/Campaigns/Suppressions", new() { ["Input.Phone"] = "+44770640001", ["Input.Note"] = "Asked not to" }, handler: "Add"))
            .StatusCode.Should().Be(HttpStatusCode.Redirect);
        await factory.Database.WaitForAsync("both keyword opt-ins recorded", TimeSpan.FromSeconds(30),
            "SELECT count(*) = 2 FROM optins.subscriptions WHERE company_id = @c AND opted_in", ("c", companyId));

        (await CountAsync(owner, Segment("x", [listA, listB], "all"))).People.Should().Be(15, "a number on both lists is one person");
        var leeds = await CountAsync(owner, Segment("x", [listA], "all", ("field:city", "is", "LEEDS")));
        leeds.Should().BeEquivalentTo(new Count(5, 1, 4, []), "text compares without case; +44770640001 is suppressed");
        (await CountAsync(owner, Segment("x", [listA, listB], "all", ("field:city", "contains", "leeds")))).People.Should().Be(6);
        (await CountAsync(owner, Segment("x", [], "all", ("field:visits", "gt", "5")))).People.Should().Be(1, "no list ticked is every list");
        (await CountAsync(owner, Segment("x", [listA, listB], "all", ("keyword", "is", "SEGPIZZA")))).People.Should().Be(2);
        (await CountAsync(owner, Segment("x", [listA, listB], "any", ("field:city", "is", "leeds"), ("keyword", "is", "SEGPIZZA")))).People
            .Should().Be(6, "the five in Leeds, and +44770640011 by keyword");
        (await CountAsync(owner, Segment("x", [listA, listB], "all", ("field:city", "is", "leeds"), ("keyword", "is_not", "SEGPIZZA")))).People.Should().Be(4);
        (await CountAsync(owner, Segment("x", [listB], "all", ("field:city", "empty", "")))).People.Should().Be(8);

        var saved = await owner.PostFormAsync("/Campaigns/Segments/Edit", Segment("Leeds regulars", [listA, listB], "any", ("field:city", "is", "leeds"), ("keyword", "is", "SEGPIZZA")));
        saved.StatusCode.Should().Be(HttpStatusCode.Redirect, await saved.Content.ReadAsStringAsync());
        var (_, index) = await owner.GetAsync("/Campaigns/Segments");
        WebUtility.HtmlDecode(index).Should().Contain("Leeds regulars").And.Contain("City is \"leeds\"").And.Contain("Opted in by keyword is \"SEGPIZZA\"");
        var segmentId = await factory.Database.ScalarAsync<Guid>("SELECT id FROM campaigns.segments WHERE company_id = @c", ("c", companyId));

        var estimate = await owner.Http.GetFromJsonAsync<JsonElement>($"/Campaigns/Create/Audience?segment={segmentId}", JsonSerializerOptions.Web);
        estimate.GetProperty("listContacts").GetInt64().Should().Be(5);
        estimate.GetProperty("suppressed").GetInt64().Should().Be(1);

        var form = SendingFactory.CampaignForm("To Leeds", listA);
        form.Remove("Input.ListIds");
        form["Input.SegmentId"] = segmentId.ToString();
        var campaignId = await SendingFactory.CreateCampaignAsync(owner, form);
        await factory.WaitForAsync(campaignId, "Completed", TimeSpan.FromMinutes(2));

        var sentTo = await factory.Database.ScalarAsync<string>(
            "SELECT string_agg(phone || ':' || state, ',' ORDER BY phone) FROM campaigns.messages WHERE campaign_id = @id", ("id", campaignId));
        sentTo.Should().Be("+44770640000:3,+44770640001:6,+44770640002:3,+44770640003:3,+44770640004:3,+44770640011:3",
            "delivered (3) to the segment's people, once each, and the suppressed number kept out (6)");
        (await factory.ReceivedByAsync("+44770640000")).Should().ContainSingle();
        (await factory.ReceivedByAsync("+44770640010")).Should().BeEmpty("Leeds Bradford is not Leeds");
        var (_, details) = await owner.GetAsync($"/Campaigns/Details/{campaignId}");
        details.Should().Contain("Segment Leeds regulars");
    }

    [Fact]
    public async Task Activity_rules_follow_what_was_delivered_failed_and_clicked_once_the_job_folds_it()
    {
        var (owner, companyId) = await factory.CompanyAsync("Segment Activity Cafe");
        // +44770650010…13: the simulator's receipt for a number ending 13 says Failed.
        var list = await factory.ListAsync(companyId, "Activity", 4, first: 650_010);
        var form = SendingFactory.CampaignForm("With a link", list);
        form["Input.Body"] = "Hi {first_name|there}, our menu: https://example.com/menu Reply STOP to opt out";
        form["Input.TrackLinks"] = "true";
        var campaignId = await SendingFactory.CreateCampaignAsync(owner, form);
        await factory.WaitForAsync(campaignId, "Completed", TimeSpan.FromMinutes(2));

        var before = await CountAsync(owner, Segment("x", [list], "all", ("activity:delivered", "within", "1")));
        before.People.Should().Be(0, "nothing is folded before the job runs");

        await factory.RunRecurringJobAsync("campaigns.contact-activity");
        (await CountAsync(owner, Segment("x", [list], "all", ("activity:sent", "within", "1")))).People.Should().Be(4);
        (await CountAsync(owner, Segment("x", [list], "all", ("activity:delivered", "within", "1")))).People.Should().Be(3);
        (await CountAsync(owner, Segment("x", [list], "all", ("activity:failed", "ever", "")))).People.Should().Be(1);
        (await CountAsync(owner, Segment("x", [list], "all", ("activity:delivered", "not_within", "1")))).People.Should().Be(1, "the failed one was never delivered");
        (await CountAsync(owner, Segment("x", [list], "all", ("activity:clicked", "never", "")))).People.Should().Be(4);

        var text = (await factory.ReceivedByAsync("+44770650011")).Single().Text;
        using var visitor = factory.CreateClient(new() { AllowAutoRedirect = false });
        (await visitor.GetAsync("/s/" + ShortLink().Match(text).Groups[1].Value)).StatusCode.Should().Be(HttpStatusCode.Redirect);
        await factory.Database.WaitForAsync("the click recorded", TimeSpan.FromSeconds(30),
            "SELECT count(*) = 1 FROM campaigns.link_clicks WHERE campaign_id = @id", ("id", campaignId));
        await factory.RunRecurringJobAsync("campaigns.contact-activity");
        (await CountAsync(owner, Segment("x", [list], "all", ("activity:clicked", "within", "7")))).People.Should().Be(1);
        (await factory.Database.ScalarAsync<string>("SELECT phone FROM campaigns.contact_activity WHERE company_id = @c AND last_clicked_at IS NOT NULL", ("c", companyId)))
            .Should().Be("+44770650011");

        // Folding again changes nothing: the campaign's counters have not moved since.
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.campaigns WHERE id = @id AND activity_folded = submitted + delivered + failed", ("id", campaignId)))
            .Should().Be(1);
    }

    [Fact]
    public async Task Rules_that_cannot_hold_are_refused_with_what_to_write_and_nothing_is_saved()
    {
        var (owner, companyId) = await factory.CompanyAsync("Segment Rules Deli");
        var (other, otherCompany) = await factory.CompanyAsync("Segment Other Deli");
        (await AddFieldAsync(owner, "visits", "Visits", "number")).StatusCode.Should().Be(HttpStatusCode.Redirect);
        var list = await factory.ListAsync(companyId, "Rules", 3, first: 660_000);

        var bad = await owner.PostFormAsync("/Campaigns/Segments/Edit", Segment("", [list], "all",
            ("field:visits", "gt", "twelve"), ("field:gone", "is", "x"), ("added", "contains", "x"), ("activity:delivered", "within", "0"), ("keyword", "is", "NOSUCH")));
        bad.StatusCode.Should().Be(HttpStatusCode.OK);
        var html = WebUtility.HtmlDecode(await bad.Content.ReadAsStringAsync());
        html.Should().Contain("Give the segment a name.")
            .And.Contain("Condition 1: \"twelve\" is not a number.")
            .And.Contain("Condition 2: that contact field no longer exists.")
            .And.Contain("Condition 3: \"Added to the list\" cannot be \"contains\".")
            .And.Contain("Condition 4: write a number of days from 1 to 3650.")
            .And.Contain("Condition 5: \"NOSUCH\" is not one of your keywords.");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.segments WHERE company_id = @c", ("c", companyId))).Should().Be(0);

        // The live count answers the same problems as text, never an error page.
        var count = await CountAsync(owner, Segment("x", [list], "all", ("field:visits", "lt", "many")));
        count.Problems.Should().ContainSingle().Which.Should().Contain("\"many\" is not a number");

        // Another company's list, or its segment, is not this company's to use.
        var foreignList = await factory.ListAsync(otherCompany, "Theirs", 2, first: 661_000);
        var foreign = WebUtility.HtmlDecode(await (await owner.PostFormAsync("/Campaigns/Segments/Edit", Segment("Theirs", [foreignList], "all"))).Content.ReadAsStringAsync());
        foreign.Should().Contain("One of the chosen lists does not exist.");
        (await other.PostFormAsync("/Campaigns/Segments/Edit", Segment("Mine", [foreignList], "all"))).StatusCode.Should().Be(HttpStatusCode.Redirect);
        var theirs = await factory.Database.ScalarAsync<Guid>("SELECT id FROM campaigns.segments WHERE company_id = @c", ("c", otherCompany));
        (await owner.GetAsync($"/Campaigns/Segments/Edit/{theirs}")).Status.Should().Be(HttpStatusCode.NotFound);
        var form = SendingFactory.CampaignForm("Not mine", list, schedule: false);
        form.Remove("Input.ListIds");
        form["Input.SegmentId"] = theirs.ToString();
        WebUtility.HtmlDecode(await (await owner.PostFormAsync("/Campaigns/Create", form)).Content.ReadAsStringAsync()).Should().Contain("That segment does not exist.");

        // A segment a draft still sends to is not deleted; both a segment and lists is one audience too many.
        (await owner.PostFormAsync("/Campaigns/Segments/Edit", Segment("Mine", [list], "all", ("field:visits", "is_not", "0")))).StatusCode.Should().Be(HttpStatusCode.Redirect);
        var mine = await factory.Database.ScalarAsync<Guid>("SELECT id FROM campaigns.segments WHERE company_id = @c", ("c", companyId));
        var both = SendingFactory.CampaignForm("Both", list, schedule: false);
        both["Input.SegmentId"] = mine.ToString();
        WebUtility.HtmlDecode(await (await owner.PostFormAsync("/Campaigns/Create", both)).Content.ReadAsStringAsync()).Should().Contain("Choose a segment, or subscribers and lists, not both");
        form["Input.SegmentId"] = mine.ToString();
        (await owner.PostFormAsync("/Campaigns/Create", form)).StatusCode.Should().Be(HttpStatusCode.Redirect);
        var refused = await owner.PostFormAsync($"/Campaigns/Segments?id={mine}", [], handler: "Delete");
        WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync()).Should().Contain("The campaign \"Not mine\" still sends to this segment.");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.segments WHERE id = @id", ("id", mine))).Should().Be(1);
    }

    [GeneratedRegex(@"/s/([0-9A-Za-z]+)")]
    private static partial Regex ShortLink();
}
