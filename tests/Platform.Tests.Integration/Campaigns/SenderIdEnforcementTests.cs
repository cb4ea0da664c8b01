using System.Net;
using Platform.Tests.Integration.Infrastructure;
using Platform.Tests.Integration.SenderIds;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>Issue #6's enforcement, seen from a campaign: only a Sender ID approved for the company and the destination is used.</summary>
public sealed class SenderIdEnforcementTests(SenderIdsFactory factory) : IClassFixture<SenderIdsFactory>
{
    [Fact]
    public async Task An_approved_sender_id_is_usable_for_its_countries_refused_for_others_and_revocation_stops_a_scheduled_campaign()
    {
        var owner = await factory.NewCompanyAsync("Enforce");
        var admin = await factory.AdminAsync();
        var sender = $"ENF{Guid.NewGuid().ToString("N")[..5].ToUpperInvariant()}";
        var application = await SenderIdsFactory.ApplyAsync(owner, sender, "GB");
        var companyId = await factory.CompanyIdOfAsync(application);
        await SenderIdsFactory.SubmitAsync(owner, application);
        await SenderIdsFactory.DecideAsync(admin, application, "StartReview");
        (await SenderIdsFactory.DecideAsync(admin, application, "Approve")).StatusCode.Should().Be(HttpStatusCode.Redirect);
        var british = await ListAsync(companyId, "British", "+4477009001");
        var french = await ListAsync(companyId, "French", "+3361234567");

        // The company can pick it on the form.
        WebUtility.HtmlDecode((await owner.GetAsync("/Campaigns/Create")).Body).Should().Contain($"value=\"{sender}\"");

        var later = DateTime.UtcNow.AddHours(2).ToString("yyyy-MM-ddTHH:mm");
        var toBritain = await ScheduleAsync(owner, sender, british, later);
        var toFrance = await ScheduleAsync(owner, sender, french, later);

        (await WaitPreparedAsync(toBritain)).Should().Be(("Scheduled", null));
        var (status, reason) = await WaitPreparedAsync(toFrance);
        status.Should().Be("NeedsAttention");
        reason.Should().Contain($"Sender ID {sender} is not approved for FR");
        WebUtility.HtmlDecode((await owner.GetAsync($"/Campaigns/Details/{toFrance}")).Body).Should().Contain("is not approved for FR");
        (await NeedsAttentionEventsAsync(toFrance)).Should().Be(1, "the refused preparation announces it in its transaction");
        (await NeedsAttentionEventsAsync(toBritain)).Should().Be(0);
        // The event reaches Accounts, which emails the notice to the company's users (issue #17).
        await factory.Database.WaitForAsync("the needs-attention notice", TimeSpan.FromSeconds(30),
            "SELECT EXISTS (SELECT 1 FROM platform.emails e JOIN accounts.users u ON lower(u.email) = lower(e.to_address) WHERE e.kind = 'notice.campaign-needs-attention' AND u.company_id = @c AND e.text_body LIKE '%' || @id || '%')",
            ("c", companyId), ("id", toFrance.ToString()));

        (await SenderIdsFactory.DecideAsync(admin, application, "Revoke", "Used for phishing")).StatusCode.Should().Be(HttpStatusCode.Redirect);

        // SenderIdRevoked reaches Campaigns through the SenderIds outbox (delivered at once after the commit, not in the request).
        var revokedDeadline = DateTime.UtcNow.AddSeconds(30);
        while (await factory.Database.ScalarAsync<string>("SELECT status FROM campaigns.campaigns WHERE id = @id", ("id", toBritain)) != "NeedsAttention")
        {
            DateTime.UtcNow.Should().BeBefore(revokedDeadline, "the revocation's event should stop the scheduled campaign");
            await Task.Delay(100);
        }

        (await factory.Database.ScalarAsync<string>("SELECT attention_reason FROM campaigns.campaigns WHERE id = @id", ("id", toBritain)))
            .Should().Contain($"Sender ID {sender} was revoked: Used for phishing");
        (await NeedsAttentionEventsAsync(toBritain)).Should().Be(1, "the revocation's handler announces it in its transaction");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.campaign_runs WHERE campaign_id = @id AND lease_until IS NOT NULL", ("id", toBritain)))
            .Should().Be(0, "nothing is sent with a revoked Sender ID");
        WebUtility.HtmlDecode((await owner.GetAsync("/Campaigns/Create")).Body).Should().NotContain($"value=\"{sender}\"");

        // Had it already sent to part of its audience, it goes on with another Sender ID, without sending twice.
        await factory.Database.ExecuteAsync($"UPDATE campaigns.campaigns SET started_at = now() WHERE id = '{toBritain}'");
        var refused = await owner.PostFormAsync($"/Campaigns/Details/{toBritain}", new() { ["action"] = "schedule" });
        refused.StatusCode.Should().Be(HttpStatusCode.Redirect);
        WebUtility.HtmlDecode((await owner.GetAsync($"/Campaigns/Details/{toBritain}")).Body).Should().Contain($"Sender ID {sender} was revoked");
        var form = SendingFactory.CampaignForm($"To {british}", british, senderId: "PLATFORM");
        form["Input.Id"] = toBritain.ToString();
        form["Input.TimeZone"] = "UTC";
        (await owner.PostFormAsync("/Campaigns/Create", form)).StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await factory.Database.ScalarAsync<string>("SELECT status FROM campaigns.campaigns WHERE id = @id", ("id", toBritain))).Should().BeOneOf("Sending", "Completed");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.messages WHERE campaign_id = @id", ("id", toBritain))).Should().Be(5, "the audience is not built again");
    }

    private async Task<long> NeedsAttentionEventsAsync(Guid campaignId) => await factory.Database.ScalarAsync<long>(
        "SELECT count(*) FROM campaigns.outbox WHERE event_type LIKE 'Platform.Modules.Campaigns.Contracts.CampaignNeedsAttention,%' AND payload ->> 'campaignId' = @id",
        ("id", campaignId.ToString()));

    [Fact]
    public async Task Cancelling_a_scheduled_campaign_releases_its_credits()
    {
        var owner = await factory.NewCompanyAsync("Cancel");
        var companyId = await factory.Database.ScalarAsync<Guid>("SELECT id FROM accounts.companies WHERE name LIKE 'Cancel %'");
        var list = await ListAsync(companyId, "Later", "+4477009002");
        var campaign = await ScheduleAsync(owner, "PLATFORM", list, DateTime.UtcNow.AddHours(3).ToString("yyyy-MM-ddTHH:mm"));
        await WaitPreparedAsync(campaign);
        (await factory.SendAsync(new Platform.Modules.Billing.Contracts.GetCreditBalance(companyId))).Reserved.Should().BePositive();

        (await owner.PostFormAsync($"/Campaigns/Details/{campaign}", new() { ["action"] = "cancel" })).StatusCode.Should().Be(HttpStatusCode.Redirect);

        (await factory.Database.ScalarAsync<string>("SELECT status FROM campaigns.campaigns WHERE id = @id", ("id", campaign))).Should().Be("Cancelled");
        (await factory.SendAsync(new Platform.Modules.Billing.Contracts.GetCreditBalance(companyId))).Reserved.Should().Be(0);
        (await factory.Database.ScalarAsync<DateTime?>("SELECT settled_at FROM campaigns.campaigns WHERE id = @id", ("id", campaign))).Should().NotBeNull();
    }

    private async Task<Guid> ListAsync(Guid companyId, string name, string prefix)
    {
        var id = Guid.NewGuid();
        await factory.Database.ExecuteAsync($"""
            INSERT INTO campaigns.contact_lists (id, company_id, name, contact_count, created_at) VALUES ('{id}', '{companyId}', '{name}', 5, now());
            INSERT INTO campaigns.contacts (company_id, list_id, phone, consent_source, created_at, updated_at)
            SELECT '{companyId}', '{id}', '{prefix}' || i, 'test', now(), now() FROM generate_series(1, 5) AS i;
            """);
        return id;
    }

    private static async Task<Guid> ScheduleAsync(FormClient owner, string sender, Guid list, string sendAt)
    {
        var form = SendingFactory.CampaignForm($"To {list}", list, sendAt, senderId: sender);
        form["Input.TimeZone"] = "UTC";
        return await SendingFactory.CreateCampaignAsync(owner, form);
    }

    private async Task<(string Status, string? Reason)> WaitPreparedAsync(Guid campaignId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (await factory.Database.ScalarAsync<DateTime?>("SELECT prepared_at FROM campaigns.campaigns WHERE id = @id", ("id", campaignId)) is not null)
            {
                return (await factory.Database.ScalarAsync<string>("SELECT status FROM campaigns.campaigns WHERE id = @id", ("id", campaignId)) ?? string.Empty,
                    await factory.Database.ScalarAsync<string>("SELECT attention_reason FROM campaigns.campaigns WHERE id = @id", ("id", campaignId)));
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"Campaign {campaignId} was not prepared.");
    }
}
