using System.Net;
using System.Text.Json;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>
/// Send-API requests that arrive together are stored together (ADR 38): through the real host, concurrent requests are
/// each answered with their own messages, every message reaches the simulator once, credits that cover only some of them
/// refuse exactly the ones that would be refused one by one, and an Idempotency-Key sent twice at once sends once.
/// </summary>
public sealed class ApiGatheringTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Requests_sent_at_once_are_each_answered_with_their_own_message_and_each_is_delivered_once()
    {
        var (owner, companyId) = await factory.CompanyAsync("Api Crowd Pizza");
        using var api = factory.ApiClient(await ApiFactory.CreateKeyAsync(owner));
        // 40 numbers (not …13–…16, which the simulator fails), and one number twice (two requests to it at once are two
        // messages, as they would be one after the other).
        var sends = Enumerable.Range(0, 44).Where(i => i is < 13 or > 16).Select(i => ($"+4477009004{i:D2}", $"Order {i} is on its way"))
            .Append(("+447700900499", "First of two")).Append(("+447700900499", "Second of two")).ToList();

        var answers = await Task.WhenAll(sends.Select(s => api.PostAsync("/api/v1/messages", ApiFactory.Json(new { from = "PLATFORM", to = s.Item1, text = s.Item2 }))));

        var ids = new List<string>();
        for (var i = 0; i < sends.Count; i++)
        {
            var body = await answers[i].Content.ReadAsStringAsync();
            answers[i].StatusCode.Should().Be(HttpStatusCode.Accepted, body);
            var messages = JsonDocument.Parse(body).RootElement.GetProperty("messages");
            messages.GetArrayLength().Should().Be(1, "a request's answer holds its own messages only");
            messages[0].GetProperty("to").GetString().Should().Be(sends[i].Item1);
            ids.Add(messages[0].GetProperty("id").GetString()!);
        }

        ids.Should().OnlyHaveUniqueItems();
        for (var i = 0; i < ids.Count; i++)
        {
            var final = await ApiFactory.WaitForFinalAsync(api, ids[i], TimeSpan.FromSeconds(90));
            final.GetProperty("status").GetString().Should().Be("delivered", sends[i].Item1);
            final.GetProperty("to").GetString().Should().Be(sends[i].Item1);
        }

        var client = factory.CreateFormClient();
        foreach (var (to, text) in sends.Take(3))
        {
            var (_, outbox) = await client.GetAsync("/simulator/outbox?to=" + Uri.EscapeDataString(to));
            CountOf(outbox, text).Should().Be(1, $"{to} gets its message once");
        }

        var (_, twice) = await client.GetAsync("/simulator/outbox?to=%2B447700900499");
        (CountOf(twice, "First of two"), CountOf(twice, "Second of two")).Should().Be((1, 1));
        (await factory.Database.ScalarAsync<long>(
            "SELECT count(*) FROM campaigns.messages m JOIN campaigns.campaigns c ON c.id = m.campaign_id WHERE c.company_id = @c AND c.kind = 'api'", ("c", companyId)))
            .Should().Be(sends.Count, "each request's message is stored once, whatever batch it was stored in");
        (await factory.Database.ScalarAsync<long>("SELECT sum(delivered) FROM campaigns.campaigns WHERE company_id = @c AND kind = 'api'", ("c", companyId)))
            .Should().Be(sends.Count, "the hidden campaigns' counters add up to the requests");
    }

    [Fact]
    public async Task With_credits_for_three_of_five_requests_sent_at_once_three_are_sent_and_two_refused()
    {
        var (owner, companyId) = await factory.CompanyAsync("Api Thrifty Pizza");
        using var api = factory.ApiClient(await ApiFactory.CreateKeyAsync(owner));
        await WaitForCreditAccountAsync(companyId);
        await factory.Database.ExecuteAsync($"""
            UPDATE billing.credit_accounts SET available = 3 * (SELECT credits_per_segment FROM billing.prices
                WHERE country_code IN ('GB', '*') AND valid_from <= now() ORDER BY country_code = 'GB' DESC, valid_from DESC LIMIT 1)
            WHERE company_id = '{companyId}'
            """);

        var answers = await Task.WhenAll(Enumerable.Range(0, 5).Select(i =>
            api.PostAsync("/api/v1/messages", ApiFactory.Json(new { from = "PLATFORM", to = $"+4477009005{i:D2}", text = "One of five" }))));

        var statuses = answers.Select(a => a.StatusCode).ToList();
        statuses.Count(s => s == HttpStatusCode.Accepted).Should().Be(3, string.Join(", ", statuses));
        statuses.Count(s => s == HttpStatusCode.PaymentRequired).Should().Be(2, string.Join(", ", statuses));
        foreach (var refused in answers.Where(a => a.StatusCode == HttpStatusCode.PaymentRequired))
        {
            (await ApiFactory.ReadAsync(refused)).GetProperty("detail").GetString().Should().Contain("Nothing was sent");
        }

        (await factory.Database.ScalarAsync<long>(
            "SELECT count(*) FROM campaigns.messages m JOIN campaigns.campaigns c ON c.id = m.campaign_id WHERE c.company_id = @c", ("c", companyId)))
            .Should().Be(3, "a refused request leaves nothing behind");
        (await factory.Database.ScalarAsync<long>("SELECT available FROM billing.credit_accounts WHERE company_id = @c", ("c", companyId)))
            .Should().Be(0, "the three accepted hold every credit there was");
    }

    [Fact]
    public async Task One_idempotency_key_sent_twice_at_once_among_other_requests_sends_once()
    {
        var (owner, companyId) = await factory.CompanyAsync("Api Careful Pizza");
        using var api = factory.ApiClient(await ApiFactory.CreateKeyAsync(owner));
        var body = JsonSerializer.Serialize(new { from = "PLATFORM", to = "+447700900600", text = "Exactly once" });

        var keyed = Enumerable.Range(0, 2).Select(_ =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/messages") { Content = ApiFactory.Json(body) };
            request.Headers.Add("Idempotency-Key", "order-4711");
            return api.SendAsync(request);
        });
        var others = Enumerable.Range(1, 10).Select(i => api.PostAsync("/api/v1/messages", ApiFactory.Json(new { from = "PLATFORM", to = $"+4477009006{i:D2}", text = "Other" })));
        var answers = await Task.WhenAll(keyed.Concat(others));

        answers.Skip(2).Should().OnlyContain(a => a.StatusCode == HttpStatusCode.Accepted);
        var first = answers.Take(2).Select(a => a.StatusCode).ToList();
        first.Should().Contain(HttpStatusCode.Accepted);
        first.Should().OnlyContain(s => s == HttpStatusCode.Accepted || s == HttpStatusCode.Conflict, "the second is the first's replay, or told the first is still being processed");
        (await factory.Database.ScalarAsync<long>(
            "SELECT count(*) FROM campaigns.messages m JOIN campaigns.campaigns c ON c.id = m.campaign_id WHERE c.company_id = @c AND m.phone = '+447700900600'", ("c", companyId)))
            .Should().Be(1, "one key, one message");
    }

    private static int CountOf(string html, string text)
    {
        var count = 0;
        for (var at = html.IndexOf(text, StringComparison.Ordinal); at >= 0; at = html.IndexOf(text, at + text.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    // The trial credits arrive with the company's registration event (a module event, delivered after the commit).
    private async Task WaitForCreditAccountAsync(Guid companyId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM billing.credit_accounts WHERE company_id = @c", ("c", companyId)) == 0)
        {
            DateTime.UtcNow.Should().BeBefore(deadline, "the company's credit account is opened by its registration event");
            await Task.Delay(100);
        }
    }
}
