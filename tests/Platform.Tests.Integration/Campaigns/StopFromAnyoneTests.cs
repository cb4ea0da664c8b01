using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.Tests.Integration.Infrastructure;
using Platform.Tests.Integration.OptIns;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>
/// Issue #12: a STOP stops whoever sends it. Everything is driven through the real entry — the handset texts the
/// platform number through the simulator carrier (POST /simulator/inbound) — and read back where a user would see it:
/// the campaigns' counters, the send API's answer, and what the handset received.
/// </summary>
public sealed class StopFromAnyoneTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private const string PlatformNumber = PlatformFactory.PlatformNumber;
    private const string CampaignText = "20% off pizza tonight";

    [Fact]
    public async Task A_list_contact_who_texts_STOP_is_skipped_by_the_prepared_campaign_answered_suppressed_by_the_api_and_START_brings_them_back()
    {
        var (owner, companyId) = await factory.CompanyAsync("Stop List Pizza");
        var listId = await factory.ListAsync(companyId, "Regulars", 5, first: 910_000);
        const string stopper = "+44770910002";
        var first = await SendingFactory.CreateCampaignAsync(owner, SendingFactory.CampaignForm("First", listId));
        await factory.WaitForAsync(first, "Completed", TimeSpan.FromMinutes(1));
        (await ReceivedAsync(stopper)).Should().ContainSingle(m => m.Contains(CampaignText))
            .Which.Should().EndWith($"STOP to {PlatformNumber}", "an alphanumeric sender cannot be answered, so the route is appended");

        // The next campaign is prepared (its audience built, the number queued) before the STOP arrives.
        var form = SendingFactory.CampaignForm("Second", listId, DateTime.UtcNow.AddSeconds(10).ToString("yyyy-MM-ddTHH:mm:ss"));
        form["Input.TimeZone"] = "UTC";
        var second = await SendingFactory.CreateCampaignAsync(owner, form);
        await WaitUntilAsync(async () => await factory.Database.ScalarAsync<DateTime?>("SELECT prepared_at FROM campaigns.campaigns WHERE id = @id", ("id", second)) is not null, "the second campaign is prepared");
        (await factory.Database.ScalarAsync<short>("SELECT state FROM campaigns.messages WHERE campaign_id = @id AND phone = @p", ("id", second), ("p", stopper))).Should().Be(0, "queued before the STOP");

        await TextAsync(stopper, "Stop!");

        (await factory.Database.ScalarAsync<string>("SELECT reason FROM campaigns.suppressions WHERE company_id = @c AND phone = @p", ("c", companyId), ("p", stopper)))
            .Should().Be("stop-sms", "the STOP is recorded before the carrier is answered");
        (await ReceivedAsync(stopper)).Should().Contain(m => m.Contains("You are unsubscribed from Stop List Pizza"), "one confirmation naming the company");

        var counters = await factory.WaitForAsync(second, "Completed", TimeSpan.FromMinutes(1));
        counters["suppressed"].Should().Be(1);
        counters["submitted"].Should().Be(4);
        (await factory.Database.ScalarAsync<short>("SELECT state FROM campaigns.messages WHERE campaign_id = @id AND phone = @p", ("id", second), ("p", stopper))).Should().Be(6);
        (await ReceivedAsync(stopper)).Count(m => m.Contains(CampaignText)).Should().Be(1, "only the first campaign reached the number");

        using var api = factory.ApiClient(await ApiFactory.CreateKeyAsync(owner));
        (await SendApiAsync(api, stopper)).Should().Be("suppressed");

        await TextAsync(stopper, "START");
        (await ReceivedAsync(stopper)).Should().Contain(m => m.Contains("You are subscribed again to Stop List Pizza"));
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.suppressions WHERE company_id = @c AND phone = @p", ("c", companyId), ("p", stopper))).Should().Be(0);
        (await SendApiAsync(api, stopper)).Should().Be("queued");
    }

    [Fact]
    public async Task An_api_recipient_who_texts_a_long_STOP_sentence_is_answered_suppressed_from_then_on()
    {
        var (owner, companyId) = await factory.CompanyAsync("Stop Api Couriers");
        using var api = factory.ApiClient(await ApiFactory.CreateKeyAsync(owner));
        const string recipient = "+447700920001";
        var response = await api.PostAsync("/api/v1/messages", ApiFactory.Json(new { from = "PLATFORM", to = recipient, text = "Your parcel arrives today" }));
        response.StatusCode.Should().Be(HttpStatusCode.Accepted);
        var id = (await ApiFactory.ReadAsync(response)).GetProperty("messages")[0].GetProperty("id").GetString()!;
        (await ApiFactory.WaitForFinalAsync(api, id, TimeSpan.FromMinutes(1))).GetProperty("status").GetString().Should().Be("delivered");

        await TextAsync(recipient, "STOP. I never signed up for these messages and I do not know who gave you my number. " + new string('!', 120) + " Remove me now.");

        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.suppressions WHERE company_id = @c AND phone = @p", ("c", companyId), ("p", recipient))).Should().Be(1);
        (await SendApiAsync(api, recipient)).Should().Be("suppressed");
        (await ReceivedAsync(recipient)).Count(m => m.Contains("Your parcel")).Should().Be(1);
    }

    [Fact]
    public async Task A_bare_STOP_stops_every_company_that_messaged_the_number_and_STOP_KEYWORD_stops_only_that_one()
    {
        var (ownerA, companyA) = await factory.CompanyAsync("Stop Both Alpha");
        var (ownerB, companyB) = await factory.CompanyAsync("Stop Both Beta");
        await OptInsFactory.CreateKeywordAsync(ownerA, "ALPHADEALS");
        var listA = await factory.ListAsync(companyA, "A", 3, first: 930_000);
        var listB = await factory.ListAsync(companyB, "B", 3, first: 930_000);
        await factory.WaitForAsync(await SendingFactory.CreateCampaignAsync(ownerA, SendingFactory.CampaignForm("A1", listA)), "Completed", TimeSpan.FromMinutes(1));
        await factory.WaitForAsync(await SendingFactory.CreateCampaignAsync(ownerB, SendingFactory.CampaignForm("B1", listB)), "Completed", TimeSpan.FromMinutes(1));

        const string everyone = "+44770930000";
        await TextAsync(everyone, "ＳＴＯＰ");
        (await SuppressedForAsync(everyone)).Should().BeEquivalentTo([companyA, companyB]);
        (await ReceivedAsync(everyone)).Should().ContainSingle(m => m.StartsWith("You are unsubscribed", StringComparison.Ordinal))
            .Which.Should().Contain("Stop Both Alpha and Stop Both Beta", "one confirmation naming both companies");

        const string onlyAlpha = "+44770930001";
        await TextAsync(onlyAlpha, "stop alphadeals");
        (await SuppressedForAsync(onlyAlpha)).Should().BeEquivalentTo([companyA], "STOP with a keyword stops that keyword's company only");

        // START undoes the latest STOP on that number: both companies may message the first number again.
        await TextAsync(everyone, "START");
        (await SuppressedForAsync(everyone)).Should().BeEmpty();
    }

    [Fact]
    public async Task A_STOP_replaces_a_suppression_the_company_added_by_hand_so_lifting_that_cannot_undo_it()
    {
        var (owner, companyId) = await factory.CompanyAsync("Stop Over Manual");
        var listId = await factory.ListAsync(companyId, "Manual", 2, first: 960_000);
        await factory.WaitForAsync(await SendingFactory.CreateCampaignAsync(owner, SendingFactory.CampaignForm("Once", listId)), "Completed", TimeSpan.FromMinutes(1));
        const string handset = "+44770960001";
        await factory.Database.ExecuteAsync($"INSERT INTO campaigns.suppressions (company_id, phone, reason, note, created_at) VALUES ('{companyId}', '{handset}', 'manual', 'asked by phone', now())");

        await TextAsync(handset, "STOP");

        (await factory.Database.ScalarAsync<string>("SELECT reason FROM campaigns.suppressions WHERE company_id = @c AND phone = @p", ("c", companyId), ("p", handset)))
            .Should().Be("stop-sms", "the person's own STOP is what the list must say: the company may lift a manual entry, never a STOP");
        (await ReceivedAsync(handset)).Should().Contain(m => m.Contains("You are unsubscribed from Stop Over Manual"));
    }

    [Fact]
    public async Task A_reply_reaches_the_inbox_of_the_company_that_messaged_last_and_never_another()
    {
        var (ownerA, companyA) = await factory.CompanyAsync("Reply Earlier");
        var (ownerB, companyB) = await factory.CompanyAsync("Reply Later");
        var listA = await factory.ListAsync(companyA, "A", 2, first: 940_000);
        var listB = await factory.ListAsync(companyB, "B", 2, first: 940_000);
        await factory.WaitForAsync(await SendingFactory.CreateCampaignAsync(ownerA, SendingFactory.CampaignForm("Earlier", listA)), "Completed", TimeSpan.FromMinutes(1));
        await factory.WaitForAsync(await SendingFactory.CreateCampaignAsync(ownerB, SendingFactory.CampaignForm("Later", listB)), "Completed", TimeSpan.FromMinutes(1));

        const string handset = "+44770940001";
        await TextAsync(handset, "Is the offer valid on Sunday?");

        (await factory.Database.ScalarAsync<long>(
            "SELECT count(*) FROM campaigns.conversation_messages m JOIN campaigns.conversations c ON c.id = m.conversation_id WHERE c.company_id = @c AND c.phone = @p AND m.direction = 'in' AND m.body = 'Is the offer valid on Sunday?'",
            ("c", companyB), ("p", handset))).Should().Be(1, "the company that messaged last gets the reply");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.conversations WHERE company_id = @c", ("c", companyA))).Should().Be(0);
        (await ReceivedAsync(handset)).Should().NotContain(m => m.Contains("did not recognise"), "a reply to a company is not answered with the help text");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.suppressions WHERE phone = @p", ("p", handset))).Should().Be(0, "a question is not a STOP");
    }

    [Fact]
    public async Task A_STOP_from_a_number_no_company_messaged_changes_nothing_and_is_answered_once()
    {
        const string stranger = "+447700950001";
        await TextAsync(stranger, "STOP");
        await TextAsync(stranger, "STOP");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.suppressions WHERE phone = @p", ("p", stranger))).Should().Be(0);
        (await ReceivedAsync(stranger)).Should().ContainSingle("the 'nothing to stop' courtesy reply is sent at most once per interval");
    }

    private Task TextAsync(string from, string text) => factory.TextPlatformAsync(from, text);

    private async Task<List<string>> ReceivedAsync(string handset) => [.. (await factory.ReceivedByAsync(handset)).Select(m => m.Text)];

    private async Task<List<Guid>> SuppressedForAsync(string phone)
    {
        var companies = await factory.Database.ScalarAsync<Guid[]>("SELECT COALESCE(array_agg(company_id), '{}') FROM campaigns.suppressions WHERE phone = @p", ("p", phone));
        return [.. companies!];
    }

    private static async Task<string> SendApiAsync(HttpClient api, string to)
    {
        var response = await api.PostAsync("/api/v1/messages", ApiFactory.Json(new { from = "PLATFORM", to, text = "Your table is ready" }));
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.Accepted, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("messages")[0].GetProperty("status").GetString()!;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            DateTime.UtcNow.Should().BeBefore(deadline, what);
            await Task.Delay(100);
        }
    }
}
