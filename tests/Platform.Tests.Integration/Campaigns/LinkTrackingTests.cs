using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>
/// Links with click tracking (issue #20 item 4): a campaign that tracks links sends each recipient a short link of their
/// own through the simulator carrier; following it redirects and counts for that recipient, link previews do not count,
/// credits are reserved at the short link's length, and the live page and the report show the clicks.
/// </summary>
public sealed partial class LinkTrackingTests(SendingFactory factory) : IClassFixture<SendingFactory>
{
    private static readonly string LongUrl = "https://example.com/menu/" + new string('m', 100) + "?table=7";

    private static string Body => $"Hi {{first_name|there}}, our menu: {LongUrl} Reply STOP to opt out";

    [Fact]
    public async Task Each_recipient_gets_a_short_link_of_their_own_and_a_click_redirects_and_counts_for_them_only()
    {
        var (owner, companyId) = await factory.CompanyAsync("Clicky Cafe");
        var listId = await factory.ListAsync(companyId, "Regulars", 3, first: 5_100_000);
        var form = SendingFactory.CampaignForm("Menu night", listId);
        form["Input.Body"] = Body;
        form["Input.TrackLinks"] = "true";
        var campaignId = await SendingFactory.CreateCampaignAsync(owner, form);
        await factory.WaitForAsync(campaignId, "Completed", TimeSpan.FromMinutes(2));

        var phones = new[] { "+44775100000", "+44775100001", "+44775100002" };
        var codes = new List<string>();
        foreach (var phone in phones)
        {
            var received = (await factory.ReceivedByAsync(phone)).Single();
            received.From.Should().Be("PLATFORM", "an alphanumeric Sender ID is shown as it is, without a +");
            var text = received.Text;
            text.Should().NotContain(LongUrl, "the long address is replaced by the short link");
            codes.Add(ShortLink().Match(text).Groups[1].Value);
        }

        codes.Should().OnlyContain(c => c.Length == 15).And.OnlyHaveUniqueItems();

        using var visitor = factory.CreateClient(new() { AllowAutoRedirect = false });
        var first = await visitor.GetAsync($"/s/{codes[0]}");
        first.StatusCode.Should().Be(HttpStatusCode.Redirect);
        first.Headers.Location!.ToString().Should().Be(LongUrl);
        (await visitor.GetAsync($"/s/{codes[0]}")).StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await visitor.GetAsync($"/s/{codes[1]}")).StatusCode.Should().Be(HttpStatusCode.Redirect);

        // Link previews: a HEAD, and a messenger fetching the page to show a card, are redirected but not counted.
        (await visitor.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/s/{codes[2]}"))).StatusCode.Should().Be(HttpStatusCode.Redirect);
        var preview = new HttpRequestMessage(HttpMethod.Get, $"/s/{codes[2]}");
        preview.Headers.UserAgent.ParseAdd("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)");
        (await visitor.SendAsync(preview)).StatusCode.Should().Be(HttpStatusCode.Redirect);

        // A code changed by one character, or made up, is not a link.
        var tampered = codes[0][..^1] + (codes[0][^1] == 'a' ? 'b' : 'a');
        (await visitor.GetAsync($"/s/{tampered}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await visitor.GetAsync("/s/not-a-code")).StatusCode.Should().Be(HttpStatusCode.NotFound);

        await factory.Database.WaitForAsync("three clicks by two recipients recorded", TimeSpan.FromSeconds(30),
            "SELECT EXISTS (SELECT 1 FROM campaigns.link_stats WHERE campaign_id = @c AND clicks = 3 AND unique_clicks = 2)", ("c", campaignId));
        (await factory.Database.ScalarAsync<int>(
            "SELECT k.clicks FROM campaigns.link_clicks k JOIN campaigns.messages m ON m.id = k.message_id WHERE m.phone = @p AND m.campaign_id = @c",
            ("p", phones[0]), ("c", campaignId))).Should().Be(2);
        (await factory.Database.ScalarAsync<long>(
            "SELECT count(*) FROM campaigns.link_clicks k JOIN campaigns.messages m ON m.id = k.message_id WHERE m.phone = @p",
            ("p", phones[2]))).Should().Be(0, "previews are not clicks");

        // The campaign page shows the link's clicks; the report shows each recipient's.
        var (_, details) = await owner.GetAsync($"/Campaigns/Details/{campaignId}");
        var row = LinkRow().Match(WebUtility.HtmlDecode(details));
        row.Success.Should().BeTrue(details);
        row.Groups["url"].Value.Should().Be(LongUrl);
        row.Groups["clicks"].Value.Should().Be("3");
        row.Groups["unique"].Value.Should().Be("2");
        var (_, report) = await owner.GetAsync($"/Campaigns/Recipients/{campaignId}?phone={Uri.EscapeDataString(phones[0])}");
        report.Should().Contain("<td class=\"text-end\" data-clicks>2</td>");
        var csv = await owner.Http.GetStringAsync($"/Campaigns/Recipients/{campaignId}?handler=Csv");
        csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith(phones[1], StringComparison.Ordinal)).Should().ContainSingle()
            .Which.Should().EndWith(",1");
    }

    [Fact]
    public async Task Credits_are_reserved_at_the_short_links_length_and_the_preview_shows_it()
    {
        var (owner, companyId) = await factory.CompanyAsync("Short Link Subs");
        var tracked = await factory.ListAsync(companyId, "Tracked", 20, first: 5_200_000);
        var untracked = await factory.ListAsync(companyId, "Untracked", 20, first: 5_300_000);

        var preview = async (bool track) => JsonDocument.Parse(await owner.Http.GetStringAsync(
            $"/Campaigns/Create?handler=Preview&sender=PLATFORM&trackLinks={track.ToString().ToLowerInvariant()}&text={Uri.EscapeDataString(Body)}")).RootElement.GetProperty("text");
        var shortened = await preview(true);
        shortened.GetProperty("segments").GetInt32().Should().Be(1);
        shortened.GetProperty("rendered").GetString().Should().MatchRegex(@"/s/[0-9A-Za-z]{15} Reply STOP");
        (await preview(false)).GetProperty("segments").GetInt32().Should().Be(2, "the long address makes the text two segments");

        var trackedForm = SendingFactory.CampaignForm("Tracked", tracked);
        trackedForm["Input.Body"] = Body;
        trackedForm["Input.TrackLinks"] = "true";
        var untrackedForm = SendingFactory.CampaignForm("Untracked", untracked);
        untrackedForm["Input.Body"] = Body;
        untrackedForm["Input.TrackLinks"] = "false";
        var trackedId = await SendingFactory.CreateCampaignAsync(owner, trackedForm);
        var untrackedId = await SendingFactory.CreateCampaignAsync(owner, untrackedForm);
        await factory.WaitForAsync(trackedId, "Completed", TimeSpan.FromMinutes(2));
        await factory.WaitForAsync(untrackedId, "Completed", TimeSpan.FromMinutes(2));

        const string reserved = "SELECT reserved_credits FROM campaigns.campaigns WHERE id = @id";
        var perMessage = await factory.Database.ScalarAsync<long>(reserved, ("id", trackedId));
        perMessage.Should().BePositive();
        (await factory.Database.ScalarAsync<long>(reserved, ("id", untrackedId))).Should().Be(2 * perMessage);
        (await factory.Database.ScalarAsync<long>("SELECT max(segments) FROM campaigns.messages WHERE campaign_id = @id", ("id", trackedId))).Should().Be(1,
            "what was reserved is what was sent");
        (await factory.ReceivedByAsync("+44775300000")).Single().Text.Should().Contain(LongUrl, "a campaign that does not track links sends them as written");
    }

    [GeneratedRegex(@"/s/([0-9A-Za-z]+)")]
    private static partial Regex ShortLink();

    [GeneratedRegex(@"<tr data-link=""0"">\s*<td class=""text-break"">(?<url>[^<]+)</td>\s*<td class=""text-end"" data-clicks>(?<clicks>\d+)</td>\s*<td class=""text-end"" data-unique-clicks>(?<unique>\d+)</td>")]
    private static partial Regex LinkRow();
}
