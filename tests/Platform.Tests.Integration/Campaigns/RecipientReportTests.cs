using System.Net;
using System.Text.RegularExpressions;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>
/// The per-recipient report (issue #20 item 7): a campaign through the simulator whose numbers fail in known ways (ending in
/// 13: failed receipt, 14: no receipt, 15: rejected, 16: transient failures); the report's rows, filters, pages, grouped
/// reasons and CSV say what the messages table says, and nothing of another company's.
/// </summary>
public sealed partial class RecipientReportTests(SendingFactory factory) : IClassFixture<SendingFactory>
{
    [Fact]
    public async Task The_report_lists_each_number_with_what_happened_filters_pages_groups_the_reasons_and_exports_them()
    {
        var (owner, companyId) = await factory.CompanyAsync("Report Pizza");
        var listId = await factory.ListAsync(companyId, "Report list", 300);
        var campaignId = await SendingFactory.CreateCampaignAsync(owner, SendingFactory.CampaignForm("Report", listId));
        await factory.WaitForAsync(campaignId, "Completed", TimeSpan.FromMinutes(2));
        var page = $"/Campaigns/Recipients/{campaignId}";

        // Every number once, in pages of 50 following "Next".
        (await AllNumbersAsync(owner, campaignId)).Should().HaveCount(300).And.OnlyHaveUniqueItems();

        // Filtered: the failed numbers are exactly the messages table's.
        var failed = (await factory.Database.ScalarAsync<string>(
            "SELECT string_agg(phone, ',' ORDER BY id) FROM campaigns.messages WHERE campaign_id = @id AND state = 4", ("id", campaignId)))!.Split(',');
        failed.Should().HaveCountGreaterThanOrEqualTo(6, "numbers ending in 13, 15 and 16 fail in the simulator");
        var (_, failedPage) = await owner.GetAsync($"{page}?status=failed");
        Numbers(failedPage).Should().Equal(failed);
        WebUtility.HtmlDecode(failedPage).Should().Contain("simulated permanent rejection (destination ends in 15)").And.Contain("The carrier refused the number for good.");

        // The reasons grouped with their counts, as the table has them.
        var reasons = await factory.Database.ScalarAsync<string>(
            "SELECT string_agg(error || '=' || n, '|' ORDER BY error) FROM (SELECT error, count(*) n FROM campaigns.messages WHERE campaign_id = @id AND state IN (4, 5, 7) GROUP BY error) g",
            ("id", campaignId));
        var shown = Regex.Matches(WebUtility.HtmlDecode(failedPage), "<tr><td>([^<]+)</td><td>[^<]*</td><td class=\"text-end\">([0-9,]+)</td></tr>")
            .Select(m => $"{m.Groups[1].Value}={m.Groups[2].Value.Replace(",", string.Empty, StringComparison.Ordinal)}").Order(StringComparer.Ordinal);
        string.Join('|', shown).Should().Be(reasons);

        // One number.
        var (_, one) = await owner.GetAsync($"{page}?status=all&number={Uri.EscapeDataString(failed[0])}");
        Numbers(one).Should().Equal(failed[0]);
        (await owner.GetAsync($"{page}?number=pizza")).Body.Should().Contain("id=\"number-error\"");

        // The CSV: a header and a row per message of the filter.
        var csv = await owner.Http.GetAsync($"{page}/Csv?status=failed");
        csv.StatusCode.Should().Be(HttpStatusCode.OK);
        csv.Content.Headers.ContentType!.MediaType.Should().Be("text/csv");
        var rows = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        rows[0].Should().Be("number,first_name,status,error,meaning,parts,submitted_at,finished_at,clicks");
        rows.Skip(1).Select(r => r.Split(',')[0]).Should().Equal(failed);
        var all = await (await owner.Http.GetAsync($"{page}/Csv")).Content.ReadAsStringAsync();
        all.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Should().HaveCount(301);

        // Another company: nothing, by any route.
        var (other, _) = await factory.CompanyAsync("Other Report Pizza");
        (await other.GetAsync(page)).Status.Should().Be(HttpStatusCode.NotFound);
        (await other.Http.GetAsync($"{page}/Csv")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await owner.GetAsync($"{page}?status=nonsense")).Status.Should().Be(HttpStatusCode.NotFound);
    }

    /// <summary>The numbers the report lists with every status, page after page following "Next".</summary>
    public static async Task<List<string>> AllNumbersAsync(FormClient owner, Guid campaignId)
    {
        var seen = new List<string>();
        var next = $"/Campaigns/Recipients/{campaignId}?status=all";
        while (next is not null)
        {
            var (status, html) = await owner.GetAsync(next);
            status.Should().Be(HttpStatusCode.OK);
            seen.AddRange(Numbers(html));
            next = NextPage().Match(html) is { Success: true } link ? WebUtility.HtmlDecode(link.Groups[1].Value) : null;
        }

        return seen;
    }

    private static List<string> Numbers(string html) => [.. NumberCell().Matches(WebUtility.HtmlDecode(html)).Select(m => m.Groups[1].Value)];

    [GeneratedRegex("<td class=\"font-monospace\">(\\+[0-9]+)</td>")]
    private static partial Regex NumberCell();

    [GeneratedRegex("href=\"([^\"]+)\" id=\"next-page\"")]
    private static partial Regex NextPage();
}
