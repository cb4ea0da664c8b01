using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Platform.Carriers.Abstractions;
using Platform.Host.Carriers;
using Platform.Modules.Billing.Contracts;
using Platform.Modules.Privacy.Contracts;
using Platform.Tests.Integration.Infrastructure;
using Platform.Tests.Integration.OptIns;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>The sending host with the inbox retention sweep every second.</summary>
public sealed class InboxFactory : SendingFactory
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Platform:Campaigns:InboxRetentionSweepSeconds"] = "1",
    };
}

/// <summary>
/// Issue #12, the inbox ("active chat"), driven through the real path: a company's campaign reaches a list contact
/// through the simulator carrier, the handset answers through POST /simulator/inbound, the owner reads and answers on
/// the inbox pages, and the handset's outbox (GET /simulator/outbox) shows what it received.
/// </summary>
public sealed partial class InboxTests(InboxFactory factory) : IClassFixture<InboxFactory>
{
    private const string PlatformNumber = PlatformFactory.PlatformNumber;
    private const string Question = "Is the offer valid on Sunday?";

    [Fact]
    public async Task A_reply_reaches_the_inbox_of_the_company_whose_campaign_it_answers_and_the_owner_answers_it_from_the_platform_number()
    {
        var (owner, companyId, handset, campaignId) = await CampaignToAsync("Inbox Rossi Pizza", 960_020);
        var (other, _) = await factory.CompanyAsync("Inbox Other Pizza");
        await TextAsync(handset, Question);

        var threadId = await ThreadIdAsync(companyId, handset);
        var (status, inbox) = await owner.GetAsync("/Campaigns/Inbox");
        status.Should().Be(HttpStatusCode.OK);
        inbox = WebUtility.HtmlDecode(inbox);
        inbox.Should().Contain(Question).And.Contain($"data-conversation=\"{threadId}\"").And.Contain("Maria Rossi", "the number is on the company's list under that name");
        UnreadBadge(inbox).Should().Be("1");
        inbox.Should().NotContain(handset, "a contact the company knows by name is listed by name");

        // Never in another company's inbox, and its thread id is as unknown there as a made-up one.
        var otherInbox = WebUtility.HtmlDecode((await other.GetAsync("/Campaigns/Inbox")).Body);
        otherInbox.Should().NotContain(Question).And.NotContain(threadId.ToString());
        UnreadBadge(otherInbox).Should().Be("0");
        foreach (var id in new[] { threadId, Guid.NewGuid() })
        {
            (await other.GetAsync($"/Campaigns/Inbox/Thread/{id}")).Status.Should().Be(HttpStatusCode.NotFound);
            (await other.GetAsync($"/Campaigns/Inbox/Thread/{id}/Entries?after=0")).Status.Should().Be(HttpStatusCode.NotFound);
            (await other.PostFormAsync($"/Campaigns/Inbox/Thread/{id}", new() { ["Input.Text"] = "Not yours" }, tokenFrom: "/Campaigns/Inbox")).StatusCode
                .Should().Be(HttpStatusCode.NotFound);
            (await other.PostFormAsync($"/Campaigns/Inbox/Thread/{id}", [], handler: "Done", tokenFrom: "/Campaigns/Inbox")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        }

        (await ReceivedAsync(handset)).Should().NotContain(m => m.Text.Contains("Not yours"));
        (await factory.Database.ScalarAsync<int>("SELECT unread FROM campaigns.conversations WHERE id = @id", ("id", threadId))).Should().Be(1, "another company cannot read it");

        // The owner opens it: the message, the campaign it answers, and it is read.
        var (threadStatus, thread) = await owner.GetAsync($"/Campaigns/Inbox/Thread/{threadId}");
        threadStatus.Should().Be(HttpStatusCode.OK);
        thread = WebUtility.HtmlDecode(thread);
        thread.Should().Contain(Question).And.Contain($"href=\"/Campaigns/Details/{campaignId}\">Sunday offer</a>");
        (await factory.Database.ScalarAsync<int>("SELECT unread FROM campaigns.conversations WHERE id = @id", ("id", threadId))).Should().Be(0);
        UnreadBadge(WebUtility.HtmlDecode((await owner.GetAsync("/Campaigns")).Body)).Should().Be("0");

        // The answer goes from the platform number the person texted, costs credits like any message, and is in the thread.
        var before = await factory.SendAsync(new GetCreditBalance(companyId));
        var reply = await owner.PostFormAsync($"/Campaigns/Inbox/Thread/{threadId}", new() { ["Input.Text"] = "Yes, all day Sunday!" });
        reply.StatusCode.Should().Be(HttpStatusCode.Redirect, WebUtility.HtmlDecode(await reply.Content.ReadAsStringAsync()));
        var answer = await WaitForAsync(() => ReceivedAsync(handset), received => received.Any(m => m.Text == "Yes, all day Sunday!"), "the handset receives the answer");
        answer.Single(m => m.Text == "Yes, all day Sunday!").From.Should().Be(PlatformNumber);
        var after = await factory.SendAsync(new GetCreditBalance(companyId));
        after.Available.Should().BeLessThan(before.Available, "a reply is paid for");
        after.Reserved.Should().Be(before.Reserved, "nothing stays reserved");
        (await owner.GetAsync($"/Campaigns/Inbox/Thread/{threadId}")).Body.Should().Contain("Yes, all day Sunday!").And.Contain("Reply sent.");
        (await factory.Database.ScalarAsync<long>(
            "SELECT count(*) FROM campaigns.conversation_messages WHERE conversation_id = @id AND direction = 'out' AND error IS NULL AND carrier_message_id IS NOT NULL AND sent_by IS NOT NULL",
            ("id", threadId))).Should().Be(1);

        // The company messaged last now, so the person's next answer comes back here (and answers no campaign).
        (await factory.Database.ScalarAsync<bool>(
            "SELECT campaign_id IS NULL FROM campaigns.recipient_contacts WHERE platform_number = @n AND phone = @p AND company_id = @c",
            ("n", PlatformNumber), ("p", handset), ("c", companyId))).Should().BeTrue();
        await TextAsync(handset, "Great, see you then");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.conversation_messages WHERE conversation_id = @id AND direction = 'in'", ("id", threadId)))
            .Should().Be(2);
    }

    [Fact]
    public async Task The_nav_badge_follows_a_thread_read_on_another_node_within_seconds()
    {
        var (owner, companyId, handset, _) = await CampaignToAsync("Inbox Badge Pizza", 968_020);
        await TextAsync(handset, "Two nodes?");
        var threadId = await ThreadIdAsync(companyId, handset);
        var remembered = System.Diagnostics.Stopwatch.StartNew();
        UnreadBadge((await owner.GetAsync("/Campaigns")).Body).Should().Be("1", "this node counts it, and remembers the count (UnreadBadgeCounts)");

        // Another node of the cluster (its own memory, the same database) reads the thread: its announcement reaches this
        // node through LISTEN/NOTIFY, which forgets the count long before the 30 s a count is otherwise kept.
        await using var other = new SecondNode(factory.Database, "inbox-other");
        (await other.Services.GetRequiredService<Platform.Modules.Campaigns.Features.TwoWay.InboxStore>().MarkReadAsync(companyId, threadId, CancellationToken.None))
            .Should().BeTrue();

        await WaitForAsync(async () => UnreadBadge((await owner.GetAsync("/Campaigns")).Body), badge => badge == "0", "the badge after another node read the thread");
        // The count was remembered after the stopwatch started: had the change not been heard, the old count would have
        // shown for a whole lifetime from then.
        remembered.Elapsed.Should().BeLessThan(Platform.Modules.Campaigns.Features.TwoWay.UnreadBadgeCounts.Lifetime, "the other node's change is heard, not waited out");
    }

    [Fact]
    public async Task A_reply_to_a_number_that_texted_STOP_is_refused_with_the_reason_and_nothing_is_sent()
    {
        var (owner, companyId, handset, _) = await CampaignToAsync("Inbox Stop Pizza", 961_020);
        await TextAsync(handset, "Who is this?");
        var threadId = await ThreadIdAsync(companyId, handset);
        await TextAsync(handset, "STOP");
        var received = (await WaitForAsync(() => ReceivedAsync(handset), r => r.Any(m => m.Text.Contains("You are unsubscribed")), "the STOP is confirmed")).Count;
        var balance = await factory.SendAsync(new GetCreditBalance(companyId));

        var thread = WebUtility.HtmlDecode((await owner.GetAsync($"/Campaigns/Inbox/Thread/{threadId}")).Body);
        thread.Should().Contain("STOP: STOP", "the STOP shows in the thread as an event").And.Contain("id=\"reply-refused\"");

        var response = await owner.PostFormAsync($"/Campaigns/Inbox/Thread/{threadId}", new() { ["Input.Text"] = "Sorry to see you go, here is 10% off" });
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var page = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        page.Should().Contain("This person texted STOP on").And.Contain("Nothing was sent.");
        page.Should().Contain("Sorry to see you go, here is 10% off", "the text stays in the form");

        (await ReceivedAsync(handset)).Should().HaveCount(received).And.NotContain(m => m.Text.Contains("10% off"));
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.conversation_messages WHERE conversation_id = @id AND direction = 'out'", ("id", threadId)))
            .Should().Be(0);
        (await factory.SendAsync(new GetCreditBalance(companyId))).Should().Be(balance, "no credits move for a refused reply");
    }

    [Fact]
    public async Task An_empty_or_too_long_reply_or_one_without_credits_is_refused_with_a_clear_message_and_nothing_is_sent()
    {
        var (owner, companyId, handset, _) = await CampaignToAsync("Inbox Rules Pizza", 962_020);
        await TextAsync(handset, "Do you deliver?");
        var threadId = await ThreadIdAsync(companyId, handset);
        var received = (await ReceivedAsync(handset)).Count;

        foreach (var (text, message) in new[]
                 {
                     ("", "Write the reply first."),
                     ("   ", "Write the reply first."),
                     (new string('a', 1601), "A reply can have at most 1,600 characters."),
                 })
        {
            var response = await owner.PostFormAsync($"/Campaigns/Inbox/Thread/{threadId}", new() { ["Input.Text"] = text });
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()).Should().Contain(message);
        }

        await factory.Database.ExecuteAsync($"UPDATE billing.credit_accounts SET available = 0 WHERE company_id = '{companyId}'");
        var broke = await owner.PostFormAsync($"/Campaigns/Inbox/Thread/{threadId}", new() { ["Input.Text"] = "Yes, within 3 miles." });
        broke.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await broke.Content.ReadAsStringAsync()).Should().Contain("Not enough credits").And.Contain("your company has 0").And.Contain("Nothing was sent.");

        (await ReceivedAsync(handset)).Should().HaveCount(received);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.conversation_messages WHERE conversation_id = @id AND direction = 'out'", ("id", threadId)))
            .Should().Be(0);
        (await owner.GetAsync("/Campaigns/Inbox/Thread/not-a-guid")).Status.Should().Be(HttpStatusCode.NotFound);
        (await owner.GetAsync("/Campaigns/Inbox?before=garbage&filter=nonsense&q=" + Uri.EscapeDataString(new string('%', 500)))).Status.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_redelivered_inbound_message_with_the_same_carrier_id_is_one_entry()
    {
        var (_, companyId, handset, _) = await CampaignToAsync("Inbox Redelivery Pizza", 963_020);
        // A carrier whose acknowledgement was lost delivers the same message (same carrier message id) again: the host's
        // carrier callback is what every carrier calls.
        var callbacks = new MediatorCarrierCallbacks("simulator", factory.Services.GetRequiredService<IServiceScopeFactory>());
        var message = new InboundMessage(handset, PlatformNumber, "Table for four at eight?", DateTimeOffset.UtcNow, "sim-mo-redelivered-" + Guid.NewGuid().ToString("N"));
        await callbacks.OnInboundMessageAsync(message, CancellationToken.None);
        await callbacks.OnInboundMessageAsync(message, CancellationToken.None);

        var threadId = await ThreadIdAsync(companyId, handset);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.conversation_messages WHERE conversation_id = @id AND direction = 'in'", ("id", threadId)))
            .Should().Be(1);
        (await factory.Database.ScalarAsync<int>("SELECT unread FROM campaigns.conversations WHERE id = @id", ("id", threadId))).Should().Be(1);
        (await factory.Database.ScalarAsync<int>("SELECT messages FROM campaigns.conversations WHERE id = @id", ("id", threadId))).Should().Be(1);
    }

    [Fact]
    public async Task Mark_done_moves_a_thread_out_of_the_open_list_a_new_message_reopens_it_and_search_finds_by_name_number_and_text()
    {
        var (owner, companyId, handset, _) = await CampaignToAsync("Inbox Done Pizza", 964_020);
        await TextAsync(handset, "Can I bring my dog?");
        var threadId = await ThreadIdAsync(companyId, handset);

        (await owner.PostFormAsync($"/Campaigns/Inbox/Thread/{threadId}", [], handler: "Done")).StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await owner.GetAsync("/Campaigns/Inbox")).Body.Should().NotContain(threadId.ToString());
        (await owner.GetAsync("/Campaigns/Inbox?filter=done")).Body.Should().Contain(threadId.ToString());
        (await owner.GetAsync("/Campaigns/Inbox?filter=all")).Body.Should().Contain(threadId.ToString());

        await TextAsync(handset, "Hello? About the dog");
        (await owner.GetAsync("/Campaigns/Inbox")).Body.Should().Contain(threadId.ToString(), "a new message reopens it");
        (await owner.PostFormAsync($"/Campaigns/Inbox/Thread/{threadId}", [], handler: "Done")).StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await owner.PostFormAsync($"/Campaigns/Inbox/Thread/{threadId}", [], handler: "Reopen")).StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await owner.GetAsync("/Campaigns/Inbox")).Body.Should().Contain(threadId.ToString());

        foreach (var search in new[] { "maria", "Rossi", handset[^6..], "+44 7709", "about THE dog" })
        {
            (await owner.GetAsync($"/Campaigns/Inbox?filter=all&q={Uri.EscapeDataString(search)}")).Body.Should().Contain(threadId.ToString(), $"a search for {search} finds it");
        }

        foreach (var search in new[] { "Luigi", "cat", "%", "_" })
        {
            (await owner.GetAsync($"/Campaigns/Inbox?filter=all&q={Uri.EscapeDataString(search)}")).Body.Should().NotContain(threadId.ToString(), $"a search for {search} does not");
        }
    }

    [Fact]
    public async Task A_keyword_subscriber_is_shown_and_found_by_user_code_and_never_by_number()
    {
        var (owner, companyId) = await factory.CompanyAsync("Inbox Keyword Pizza");
        await OptInsFactory.CreateKeywordAsync(owner, "INBOXPIZZA");
        const string handset = "+15557650001";
        await TextAsync(handset, "inboxpizza");
        var code = (await factory.Database.ScalarAsync<string>("SELECT user_code FROM optins.subscribers WHERE phone = @p", ("p", handset)))!;
        await TextAsync(handset, "What time do you open on Sunday?");
        var threadId = await ThreadIdAsync(companyId, handset);

        var inbox = WebUtility.HtmlDecode((await owner.GetAsync("/Campaigns/Inbox")).Body);
        inbox.Should().Contain(code).And.Contain("What time do you open on Sunday?");
        var thread = WebUtility.HtmlDecode((await owner.GetAsync($"/Campaigns/Inbox/Thread/{threadId}")).Body);
        thread.Should().Contain(code).And.Contain("Texted keyword INBOXPIZZA");
        foreach (var page in new[] { inbox, thread })
        {
            page.Should().NotContain(handset).And.NotContain(handset[1..]).And.NotContain("765 0001").And.NotContain("7650001");
        }

        (await owner.GetAsync($"/Campaigns/Inbox?filter=all&q={code.ToLowerInvariant()}")).Body.Should().Contain(threadId.ToString());
        (await owner.GetAsync($"/Campaigns/Inbox?filter=all&q={Uri.EscapeDataString(handset)}")).Body.Should().NotContain(threadId.ToString(),
            "a company cannot find out which code a number has by searching for it");

        // Answering works the same way, from the platform number.
        (await owner.PostFormAsync($"/Campaigns/Inbox/Thread/{threadId}", new() { ["Input.Text"] = "From noon!" })).StatusCode.Should().Be(HttpStatusCode.Redirect);
        await WaitForAsync(() => ReceivedAsync(handset), received => received.Any(m => m.Text == "From noon!" && m.From == PlatformNumber), "the subscriber receives the answer");
    }

    [Fact]
    public async Task The_inbox_stream_tells_an_open_page_about_a_new_message_at_once()
    {
        var (owner, companyId, handset, _) = await CampaignToAsync("Inbox Live Pizza", 965_020);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/Campaigns/Inbox/Events");
        using var response = await owner.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
        await using var stream = await response.Content.ReadAsStreamAsync();
        using var reader = new StreamReader(stream);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        (await NextEventAsync(reader, timeout.Token)).GetProperty("unread").GetInt32().Should().Be(0);

        await TextAsync(handset, "Are you open today?");

        (await NextEventAsync(reader, timeout.Token)).GetProperty("unread").GetInt32().Should().Be(1, "the new message is announced without the page asking");
        await ThreadIdAsync(companyId, handset);
    }

    [Fact]
    public async Task Conversations_past_the_retention_are_deleted_with_their_messages()
    {
        var (_, companyId, handset, _) = await CampaignToAsync("Inbox Retention Pizza", 966_020);
        await TextAsync(handset, "Still there?");
        var recent = await ThreadIdAsync(companyId, handset);
        var old = Guid.NewGuid();
        await factory.Database.ExecuteAsync($"""
            INSERT INTO campaigns.conversations (id, company_id, platform_number, phone, last_at, last_preview, unread, messages, created_at)
            VALUES ('{old}', '{companyId}', '{PlatformNumber}', '+447709669999', now() - interval '400 days', 'Long ago', 1, 1, now() - interval '400 days');
            INSERT INTO campaigns.conversation_messages (conversation_id, company_id, direction, body, at)
            VALUES ('{old}', '{companyId}', 'in', 'Long ago', now() - interval '400 days');
            """);

        await WaitForAsync(
            () => factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.conversations WHERE id = @id", ("id", old)),
            count => count == 0, "the retention job deletes the old conversation");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.conversation_messages WHERE conversation_id = @id", ("id", old))).Should().Be(0);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.conversations WHERE id = @id", ("id", recent))).Should().Be(1, "a recent one stays");
    }

    [Fact]
    public async Task A_persons_conversations_are_in_their_export_and_gone_after_erasure_and_on_the_privacy_page()
    {
        var (_, companyId, handset, _) = await CampaignToAsync("Inbox Privacy Pizza", 967_020);
        await TextAsync(handset, "Please call me back on my landline");
        await ThreadIdAsync(companyId, handset);

        await using var scope = factory.Services.CreateAsyncScope();
        var campaigns = scope.ServiceProvider.GetServices<IPersonalDataContributor>().Single(c => c.Module == "Campaigns");
        var subject = new DataSubject(DataSubjectKind.Subscriber, Guid.NewGuid(), null, handset);
        var export = JsonSerializer.Serialize(await campaigns.ExportAsync(subject, CancellationToken.None), JsonSerializerOptions.Web);
        using (var json = JsonDocument.Parse(export))
        {
            var conversation = json.RootElement.GetProperty("conversations").EnumerateArray().Single();
            conversation.GetProperty("phone").GetString().Should().Be(handset);
            conversation.GetProperty("lastPreview").GetString().Should().Be("Please call me back on my landline");
            conversation.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("body").GetString()).Should().Contain("Please call me back on my landline");
            json.RootElement.GetProperty("recipientContacts").EnumerateArray().Should().ContainSingle(r => r.GetProperty("companyId").GetGuid() == companyId);
        }

        await campaigns.EraseAsync(subject, CancellationToken.None);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.conversations WHERE phone = @p", ("p", handset))).Should().Be(0);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.conversation_messages WHERE body LIKE '%landline%'")).Should().Be(0);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.recipient_contacts WHERE phone = @p", ("p", handset))).Should().Be(0);

        var privacy = (await factory.CreateFormClient().GetAsync("/privacy")).Body;
        foreach (var item in new[] { "Campaigns.Conversation.Phone", "Campaigns.Conversation.LastPreview", "Campaigns.ConversationMessage.Body", "Campaigns.RecipientContact.Phone" })
        {
            privacy.Should().Contain($"data-item=\"{item}\"");
        }
    }

    /// <summary>
    /// A company whose one-contact list ("Maria Rossi", +4477 and <paramref name="number"/> in 7 digits) got the campaign
    /// "Sunday offer" through the simulator; answers the owner, the company, the handset and the campaign.
    /// </summary>
    private async Task<(FormClient Owner, Guid CompanyId, string Handset, Guid CampaignId)> CampaignToAsync(string company, int number)
    {
        var (owner, companyId) = await factory.CompanyAsync(company);
        var listId = await factory.ListAsync(companyId, "Regulars", 1, first: number);
        var handset = "+4477" + number.ToString("D7", System.Globalization.CultureInfo.InvariantCulture);
        await factory.Database.ExecuteAsync($"UPDATE campaigns.contacts SET first_name = 'Maria', last_name = 'Rossi' WHERE list_id = '{listId}'");
        var campaignId = await SendingFactory.CreateCampaignAsync(owner, SendingFactory.CampaignForm("Sunday offer", listId));
        await factory.WaitForAsync(campaignId, "Completed", TimeSpan.FromMinutes(1));
        await WaitForAsync(() => ReceivedAsync(handset), received => received.Any(m => m.Text.Contains("20% off pizza")), "the contact receives the campaign");
        return (owner, companyId, handset, campaignId);
    }

    private Task TextAsync(string from, string text) => factory.TextPlatformAsync(from, text);

    private Task<List<HandsetMessage>> ReceivedAsync(string handset) => factory.ReceivedByAsync(handset);

    /// <summary>The company's thread with the handset, once it has a message (the inbound is handled before the carrier is answered, but wait anyway).</summary>
    private async Task<Guid> ThreadIdAsync(Guid companyId, string handset)
    {
        var id = await WaitForAsync(
            () => factory.Database.ScalarAsync<Guid?>("SELECT id FROM campaigns.conversations WHERE company_id = @c AND phone = @p AND messages > 0", ("c", companyId), ("p", handset)),
            found => found is not null, $"a thread with {handset}");
        return id!.Value;
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            DateTime.UtcNow.Should().BeBefore(deadline, what);
            await Task.Delay(100);
        }
    }

    private static async Task<JsonElement> NextEventAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            var line = await reader.ReadLineAsync(cancellationToken) ?? throw new InvalidOperationException("The event stream ended.");
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                return JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone();
            }
        }
    }

    private static string UnreadBadge(string html) => UnreadBadgePattern().Match(html) is { Success: true } match
        ? match.Groups[1].Value
        : throw new InvalidOperationException("The page has no unread badge.");

    [GeneratedRegex("id=\"nav-inbox-unread\"[^>]*>(\\d+)<")]
    private static partial Regex UnreadBadgePattern();
}
