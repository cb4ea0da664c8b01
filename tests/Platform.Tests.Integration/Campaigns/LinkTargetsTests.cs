using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Platform.Modules.Campaigns.Features.Links;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>
/// The redirect answers from memory once it has learned a campaign's run of message ids (issue #20: p95 at 500 req/s while
/// a campaign sends): only a run that holds no other message is trusted, and a click whose message has gone meanwhile is
/// left out of the batch instead of failing it.
/// </summary>
public sealed class LinkTargetsTests(SendingFactory factory) : IClassFixture<SendingFactory>
{
    private const string Url = "https://example.com/menu";

    [Fact]
    public async Task A_learned_campaign_is_answered_from_memory_and_a_click_on_a_message_gone_since_is_not_stored_nor_fails_the_others()
    {
        var (campaignId, ids) = await SentAsync("Memory Cafe", 5_400_000);
        var targets = factory.Services.GetRequiredService<LinkTargets>();
        var links = factory.Services.GetRequiredService<TrackedLinks>();
        var campaign = await targets.ReadAsync(ids[0], CancellationToken.None);
        campaign.Should().NotBeNull();
        await targets.LearnAsync(campaign!, DateTimeOffset.UtcNow);
        targets.Find(ids[2]).Should().Be(campaign, "the campaign's three ids are one run");

        // The second message is deleted behind the host's back: within the run's lifetime its link still redirects from
        // memory (no database read would have found it), and the writer leaves its click out of the batch.
        await factory.Database.ExecuteAsync($"DELETE FROM campaigns.messages WHERE id = {ids[1]}");
        using var visitor = factory.CreateClient(new() { AllowAutoRedirect = false });
        var gone = await visitor.GetAsync($"/s/{links.Code(ids[1], 0)}");
        gone.StatusCode.Should().Be(HttpStatusCode.Redirect);
        gone.Headers.Location!.ToString().Should().Be(Url);
        (await visitor.GetAsync($"/s/{links.Code(ids[0], 0)}")).StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await visitor.GetAsync($"/s/{links.Code(ids[2], 0)}")).StatusCode.Should().Be(HttpStatusCode.Redirect);

        await factory.Database.WaitForAsync("the two clicks on messages that exist recorded", TimeSpan.FromSeconds(30),
            "SELECT EXISTS (SELECT 1 FROM campaigns.link_stats WHERE campaign_id = @c AND clicks = 2 AND unique_clicks = 2)", ("c", campaignId));
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.link_clicks WHERE message_id = @m", ("m", ids[1]))).Should().Be(0);
    }

    [Fact]
    public async Task A_campaign_whose_ids_have_a_gap_is_not_trusted_in_memory_and_is_read_per_click()
    {
        var (_, ids) = await SentAsync("Gap Cafe", 5_500_000);
        // A gap: another campaign's message could have had that id.
        await factory.Database.ExecuteAsync($"DELETE FROM campaigns.messages WHERE id = {ids[1]}");
        var targets = factory.Services.GetRequiredService<LinkTargets>();
        var campaign = await targets.ReadAsync(ids[0], CancellationToken.None);
        await targets.LearnAsync(campaign!, DateTimeOffset.UtcNow);
        targets.Find(ids[0]).Should().BeNull();
        targets.Find(ids[2]).Should().BeNull();

        using var visitor = factory.CreateClient(new() { AllowAutoRedirect = false });
        var links = factory.Services.GetRequiredService<TrackedLinks>();
        (await visitor.GetAsync($"/s/{links.Code(ids[2], 0)}")).StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await visitor.GetAsync($"/s/{links.Code(ids[1], 0)}")).StatusCode.Should().Be(HttpStatusCode.NotFound, "read from the database, the message is gone");
    }

    /// <summary>A completed three-recipient campaign that tracks <see cref="Url"/>, and its message ids in order.</summary>
    private async Task<(Guid CampaignId, long[] Ids)> SentAsync(string company, int first)
    {
        var (owner, companyId) = await factory.CompanyAsync(company);
        var listId = await factory.ListAsync(companyId, "Regulars", 3, first: first);
        var form = SendingFactory.CampaignForm("Menu", listId);
        form["Input.Body"] = $"Menu: {Url} Reply STOP to opt out";
        form["Input.TrackLinks"] = "true";
        var campaignId = await SendingFactory.CreateCampaignAsync(owner, form);
        await factory.WaitForAsync(campaignId, "Completed", TimeSpan.FromMinutes(2));
        var ids = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await factory.Database.ScalarAsync<long>(
                "SELECT id FROM campaigns.messages WHERE campaign_id = @c ORDER BY id OFFSET @i LIMIT 1", ("c", campaignId), ("i", i)));
        }

        return (campaignId, [.. ids]);
    }
}
