using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>
/// Issue 12, part 5: what handsets answer reaches API customers — on their webhook (signed and retried like receipts)
/// and through <c>GET /api/v1/inbound</c>. Everything goes the real way: a send-API message, the handset's answer
/// through <c>POST /simulator/inbound</c>, the webhook job, the receiver on a loopback port.
/// </summary>
public sealed class ApiInboundTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    /// <summary>Where a handset's answer to a message from PLATFORM arrives (the platform's first number).</summary>
    private const string PlatformNumber = Infrastructure.PlatformFactory.PlatformNumber;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_reply_to_an_API_message_is_posted_signed_as_message_inbound_again_after_a_500_and_once_after_success()
    {
        // The receiver refuses the first inbound post (500) and takes everything else.
        await using var receiver = await Receiver.StartAsync(refuseFirstOf: "message.inbound");
        var (api, _, secret) = await CustomerAsync("Inbound Hook Pizza", receiver);
        const string handset = "+447700900701";
        var (requestId, messageId) = await SendAndWaitAsync(api, handset, "Your table is booked for 8pm");

        await TextAsync(handset, "Is the offer valid on Sunday?");

        var item = await receiver.WaitForAsync("message.inbound", i => i.GetProperty("text").GetString() == "Is the offer valid on Sunday?");
        receiver.Refused.Should().Be(1, "the first inbound post was answered 500 and posted again later");
        item.GetProperty("type").GetString().Should().Be("message.inbound");
        item.GetProperty("from").GetString().Should().Be(handset);
        item.GetProperty("to").GetString().Should().Be(PlatformNumber);
        item.GetProperty("request_id").GetString().Should().Be(requestId, "the reply answers that send-API request");
        item.GetProperty("message_id").GetString().Should().Be(messageId);
        item.GetProperty("campaign_id").ValueKind.Should().Be(JsonValueKind.Null);
        item.GetProperty("received_at").GetDateTimeOffset().Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(2));
        receiver.VerifyAll(secret);

        // A later reply arrives after the first was taken: by then every round the job ran has passed the first one.
        await TextAsync(handset, "Thanks, see you then");
        await receiver.WaitForAsync("message.inbound", i => i.GetProperty("text").GetString() == "Thanks, see you then");
        var ids = receiver.Items("message.inbound").Select(i => i.GetProperty("id").GetInt64()).ToList();
        ids.Should().OnlyHaveUniqueItems("a post the receiver took is not posted again").And.HaveCount(2).And.BeInAscendingOrder();
        receiver.VerifyAll(secret);
    }

    [Fact]
    public async Task Stop_from_an_API_recipient_posts_contact_opted_out_and_the_send_API_then_answers_suppressed_until_START()
    {
        await using var receiver = await Receiver.StartAsync();
        var (api, _, secret) = await CustomerAsync("Inbound Stop Pizza", receiver);
        const string handset = "+447700900702";
        await SendAndWaitAsync(api, handset, "Flash sale today");

        await TextAsync(handset, "STOP");

        var stop = await receiver.WaitForAsync("contact.opted_out", i => i.GetProperty("from").GetString() == handset);
        stop.GetProperty("to").GetString().Should().Be(PlatformNumber);
        stop.GetProperty("text").GetString().Should().Be("STOP");
        var refused = await api.PostAsync("/api/v1/messages", ApiFactory.Json(new { from = "PLATFORM", to = handset, text = "Another sale" }));
        refused.StatusCode.Should().Be(HttpStatusCode.Accepted);
        var message = (await ApiFactory.ReadAsync(refused)).GetProperty("messages")[0];
        message.GetProperty("status").GetString().Should().Be("suppressed", "the number texted STOP");
        message.GetProperty("error").GetString().Should().Contain("opted out");

        await TextAsync(handset, "START");

        await receiver.WaitForAsync("contact.opted_in", i => i.GetProperty("from").GetString() == handset);
        var again = await api.PostAsync("/api/v1/messages", ApiFactory.Json(new { from = "PLATFORM", to = handset, text = "Welcome back" }));
        (await ApiFactory.ReadAsync(again)).GetProperty("messages")[0].GetProperty("status").GetString().Should().Be("queued");
        receiver.Items("contact.opted_out").Should().ContainSingle(i => i.GetProperty("from").GetString() == handset);
        receiver.VerifyAll(secret);
    }

    [Fact]
    public async Task Get_inbound_pages_through_the_items_oldest_first_and_another_companys_key_sees_none_of_them()
    {
        var (owner, _) = await factory.CompanyAsync("Inbound Poll Pizza");
        using var api = factory.ApiClient(await ApiFactory.CreateKeyAsync(owner));
        string[] handsets = ["+447700900711", "+447700900712", "+447700900718"];
        foreach (var handset in handsets)
        {
            await SendAndWaitAsync(api, handset, "Your order is ready");
        }

        var texts = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var text = $"Answer {i + 1}";
            await TextAsync(handsets[i % handsets.Length], text);
            texts.Add(text);
            // Each answer is in before the next is sent, so the expected order is the order sent.
            await EventuallyAsync(async () => (await AllAsync(api)).Count == i + 1, $"'{text}' is listed");
        }

        var seen = new List<JsonElement>();
        long after = 0;
        var pages = 0;
        while (true)
        {
            var response = await api.GetAsync($"/api/v1/inbound?after={after}&limit=2");
            response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            var page = await ApiFactory.ReadAsync(response);
            var data = page.GetProperty("data").EnumerateArray().ToList();
            data.Count.Should().BeLessThanOrEqualTo(2);
            seen.AddRange(data);
            pages++;
            after = page.GetProperty("next_after").GetInt64();
            if (!page.GetProperty("has_more").GetBoolean())
            {
                break;
            }
        }

        pages.Should().Be(3, "five items at two a page");
        seen.Select(i => i.GetProperty("text").GetString()).Should().Equal(texts, "oldest first, newest last");
        seen.Select(i => i.GetProperty("id").GetInt64()).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        seen.Should().OnlyContain(i => i.GetProperty("type").GetString() == "message.inbound" && i.GetProperty("to").GetString() == PlatformNumber);
        seen.Select(i => i.GetProperty("from").GetString()).Should().Equal(handsets[0], handsets[1], handsets[2], handsets[0], handsets[1]);
        var last = await ApiFactory.ReadAsync(await api.GetAsync($"/api/v1/inbound?after={after}"));
        last.GetProperty("data").GetArrayLength().Should().Be(0);
        last.GetProperty("has_more").GetBoolean().Should().BeFalse();
        last.GetProperty("next_after").GetInt64().Should().Be(after, "an empty page keeps the position");

        var (other, _) = await factory.CompanyAsync("Inbound Other Pizza");
        using var theirs = factory.ApiClient(await ApiFactory.CreateKeyAsync(other));
        (await AllAsync(theirs)).Should().BeEmpty("another company's key sees none of these answers");
        var probe = await ApiFactory.ReadAsync(await theirs.GetAsync("/api/v1/inbound?after=0&limit=100"));
        probe.GetProperty("data").GetArrayLength().Should().Be(0);
        probe.GetProperty("next_after").GetInt64().Should().Be(0);
    }

    [Fact]
    public async Task Replies_arriving_all_at_once_are_numbered_without_gaps_listed_in_full_and_each_posted_once()
    {
        await using var receiver = await Receiver.StartAsync();
        var (api, _, secret) = await CustomerAsync("Inbound Rush Pizza", receiver);
        var handsets = Enumerable.Range(20, 40).Select(i => $"+4477009008{i:D2}").ToList();
        var sent = await api.PostAsync("/api/v1/messages", ApiFactory.Json(new
        {
            from = "PLATFORM",
            messages = handsets.Select(h => new { to = h, text = "Tell us how we did" }).ToArray(),
        }));
        sent.StatusCode.Should().Be(HttpStatusCode.Accepted, await sent.Content.ReadAsStringAsync());
        foreach (var message in (await ApiFactory.ReadAsync(sent)).GetProperty("messages").EnumerateArray())
        {
            (await ApiFactory.WaitForFinalAsync(api, message.GetProperty("id").GetString()!, Patience)).GetProperty("status").GetString().Should().Be("delivered");
        }

        // Forty inbound messages written at once by concurrent requests: their numbers must still commit in order.
        await Task.WhenAll(handsets.Select(h => TextAsync(h, $"Great pizza from {h}")));

        await EventuallyAsync(() => Task.FromResult(receiver.Items("message.inbound").Count >= handsets.Count), "all forty replies are posted");
        var listed = await AllAsync(api);
        var ids = listed.Select(i => i.GetProperty("id").GetInt64()).ToList();
        ids.Should().HaveCount(handsets.Count).And.OnlyHaveUniqueItems().And.BeInAscendingOrder();
        (ids[^1] - ids[0]).Should().Be(handsets.Count - 1, "a company's items are numbered without gaps");
        listed.Select(i => i.GetProperty("from").GetString()).Should().BeEquivalentTo(handsets);

        // One more reply, taken after the forty: every round of the job that could repeat one of them has run by then.
        await TextAsync(handsets[0], "And the dessert too");
        await receiver.WaitForAsync("message.inbound", i => i.GetProperty("text").GetString() == "And the dessert too");
        var posted = receiver.Items("message.inbound").Select(i => i.GetProperty("id").GetInt64()).ToList();
        posted.Should().OnlyHaveUniqueItems("each item is posted once when the receiver takes it").And.HaveCount(handsets.Count + 1);
        posted.Take(handsets.Count).Should().BeEquivalentTo(ids).And.BeInAscendingOrder("posts follow the feed's order");
        receiver.VerifyAll(secret);
    }

    [Fact]
    public async Task A_keyword_subscriber_is_given_by_user_code_and_the_number_is_in_no_post_and_no_page()
    {
        await using var receiver = await Receiver.StartAsync();
        var (owner, _) = await factory.CompanyAsync("Inbound Code Pizza");
        await OptIns.OptInsFactory.CreateKeywordAsync(owner, "INBCODE");
        var saved = await owner.PostFormAsync("/Campaigns/ApiKeys", new() { ["Hook.Url"] = receiver.Url }, "Webhook");
        saved.StatusCode.Should().Be(HttpStatusCode.Redirect);
        using var api = factory.ApiClient(await ApiFactory.CreateKeyAsync(owner));
        const string handset = "+15551239901";

        await TextAsync(handset, "INBCODE");
        var optIn = await receiver.WaitForAsync("contact.opted_in", _ => true);
        var code = optIn.GetProperty("from").GetString();
        code.Should().MatchRegex("^[2-9A-HJKMNP-Z]{6}$", "a keyword subscriber is known to the company by user code only");
        await TextAsync(handset, "Do you deliver to the station?");

        var reply = await receiver.WaitForAsync("message.inbound", i => i.GetProperty("text").GetString() == "Do you deliver to the station?");
        reply.GetProperty("from").GetString().Should().Be(code);
        var listed = await AllAsync(api);
        listed.Select(i => i.GetProperty("type").GetString()).Should().Equal("contact.opted_in", "message.inbound");
        listed.Should().OnlyContain(i => i.GetProperty("from").GetString() == code);
        var everything = string.Join("\n", receiver.Bodies) + string.Join("\n", listed.Select(i => i.ToString()));
        everything.Should().NotContain(handset[1..], "the number is never shown to a company that knows the person by user code");
    }

    [Theory]
    [InlineData("?after=-1", "after")]
    [InlineData("?after=abc", "after")]
    [InlineData("?after=", "after")]
    [InlineData("?after=99999999999999999999999", "after")]
    [InlineData("?after=1&after=2", "after")]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=101", "limit")]
    [InlineData("?limit=ten", "limit")]
    [InlineData("?limit=2.5", "limit")]
    [InlineData("?cursor=5", "cursor")]
    public async Task Bad_query_parameters_get_a_400_problem_that_names_the_parameter(string query, string field)
    {
        var (owner, _) = await factory.CompanyAsync($"Inbound Bad {Guid.NewGuid():N}"[..24]);
        using var api = factory.ApiClient(await ApiFactory.CreateKeyAsync(owner));

        var response = await api.GetAsync("/api/v1/inbound" + query);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest, query);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var problem = await ApiFactory.ReadAsync(response);
        problem.GetProperty("errors").TryGetProperty(field, out var messages).Should().BeTrue(problem.ToString());
        messages[0].GetString().Should().Contain(field);
    }

    [Fact]
    public async Task Without_a_valid_key_the_inbound_list_is_401_and_the_openapi_document_describes_it()
    {
        using var anonymous = factory.ApiClient(null);
        var refused = await anonymous.GetAsync("/api/v1/inbound");
        refused.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        refused.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");

        var document = await ApiFactory.ReadAsync(await anonymous.GetAsync("/api/v1/openapi.json"));
        var get = document.GetProperty("paths").GetProperty("/api/v1/inbound").GetProperty("get");
        get.GetProperty("responses").EnumerateObject().Select(r => r.Name).Should().Contain(["200", "400", "401", "429"]);
        get.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()).Should().BeEquivalentTo(["after", "limit"]);
        var schemas = document.GetProperty("components").GetProperty("schemas");
        schemas.GetProperty("InboundPage").GetProperty("properties").EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo(["data", "has_more", "next_after"]);
        schemas.GetProperty("InboundItem").GetProperty("properties").EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo(
            ["id", "type", "from", "to", "text", "received_at", "campaign_id", "request_id", "message_id"]);
    }

    /// <summary>A company with an API key and its webhook pointed at <paramref name="receiver"/>; answers the key's client and the signing secret.</summary>
    private async Task<(HttpClient Api, Guid CompanyId, string Secret)> CustomerAsync(string name, Receiver receiver)
    {
        var (owner, companyId) = await factory.CompanyAsync(name);
        var saved = await owner.PostFormAsync("/Campaigns/ApiKeys", new() { ["Hook.Url"] = receiver.Url }, "Webhook");
        saved.StatusCode.Should().Be(HttpStatusCode.Redirect, await saved.Content.ReadAsStringAsync());
        var secret = await factory.Database.ScalarAsync<string>("SELECT secret FROM campaigns.webhooks WHERE company_id = @c", ("c", companyId));
        return (factory.ApiClient(await ApiFactory.CreateKeyAsync(owner)), companyId, secret!);
    }

    /// <summary>Sends one message from PLATFORM and waits until it is delivered; answers its request id and message id.</summary>
    private static async Task<(string RequestId, string MessageId)> SendAndWaitAsync(HttpClient api, string to, string text)
    {
        var response = await api.PostAsync("/api/v1/messages", ApiFactory.Json(new { from = "PLATFORM", to, text }));
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.Accepted, body);
        var root = JsonDocument.Parse(body).RootElement;
        var id = root.GetProperty("messages")[0].GetProperty("id").GetString()!;
        (await ApiFactory.WaitForFinalAsync(api, id, Patience)).GetProperty("status").GetString().Should().Be("delivered");
        return (root.GetProperty("request_id").GetString()!, id);
    }

    private Task TextAsync(string from, string text) => factory.TextPlatformAsync(from, text);

    /// <summary>Every item the key's company can list, page after page.</summary>
    private static async Task<List<JsonElement>> AllAsync(HttpClient api)
    {
        var items = new List<JsonElement>();
        long after = 0;
        while (true)
        {
            var response = await api.GetAsync($"/api/v1/inbound?after={after}&limit=100");
            response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            var page = await ApiFactory.ReadAsync(response);
            items.AddRange(page.GetProperty("data").EnumerateArray());
            after = page.GetProperty("next_after").GetInt64();
            if (!page.GetProperty("has_more").GetBoolean())
            {
                return items;
            }
        }
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited {Patience.TotalSeconds} s in vain: {what}.");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>
    /// A customer's webhook receiver: keeps every post it takes (signature and body) and, if asked, answers the first
    /// post of one type with a 500.
    /// </summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly ConcurrentQueue<(string Signature, string Body)> taken = new();
        private HookReceiver hook = null!;
        private int refused;

        public string Url => hook.Url;

        public int Refused => Volatile.Read(ref refused);

        public IEnumerable<string> Bodies => taken.Select(t => t.Body);

        public static async Task<Receiver> StartAsync(string? refuseFirstOf = null)
        {
            var receiver = new Receiver();
            receiver.hook = await HookReceiver.StartAsync(async (HttpRequest request) =>
            {
                using var reader = new StreamReader(request.Body);
                var body = await reader.ReadToEndAsync();
                var type = JsonDocument.Parse(body).RootElement.GetProperty("type").GetString();
                if (type == refuseFirstOf && Interlocked.CompareExchange(ref receiver.refused, 1, 0) == 0)
                {
                    return Results.StatusCode(500);
                }

                receiver.taken.Enqueue((request.Headers["X-Platform-Signature"].ToString(), body));
                return Results.Ok();
            });
            return receiver;
        }

        /// <summary>The items of the taken posts of that type (each post's type names what its data holds).</summary>
        public List<JsonElement> Items(string type) =>
            taken.Select(p => JsonDocument.Parse(p.Body).RootElement)
                .Where(p => p.GetProperty("type").GetString() == type)
                .SelectMany(p => p.GetProperty("data").EnumerateArray())
                .ToList();

        public async Task<JsonElement> WaitForAsync(string type, Func<JsonElement, bool> match)
        {
            var deadline = DateTime.UtcNow + Patience;
            while (true)
            {
                var found = Items(type).Where(match).ToList();
                if (found.Count > 0)
                {
                    found.Should().OnlyContain(i => i.GetProperty("type").GetString() == type, "an item carries the type of the post");
                    return found[0];
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"No {type} post matched within {Patience.TotalSeconds} s; taken: {string.Join(" | ", taken.Select(t => t.Body))}");
                }

                await Task.Delay(200);
            }
        }

        /// <summary>Every taken post carries X-Platform-Signature: t=&lt;unix&gt;,v1=&lt;hex HMAC-SHA256 of "t.body"&gt;, made with the company's secret.</summary>
        public void VerifyAll(string secret)
        {
            taken.Should().NotBeEmpty();
            foreach (var (signature, body) in taken)
            {
                var parts = signature.Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
                var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{parts["t"]}.{body}")));
                CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(parts["v1"]), Encoding.ASCII.GetBytes(expected))
                    .Should().BeTrue("every post is signed with the company's secret");
                long.Parse(parts["t"]).Should().BeCloseTo(DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 300);
            }
        }

        public ValueTask DisposeAsync() => hook.DisposeAsync();
    }
}
