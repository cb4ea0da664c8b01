using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Platform.Tests.Integration.Campaigns;

public sealed class ApiWebhookTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Receipts_are_posted_to_the_company_webhook_signed_and_a_failing_receiver_gets_them_again()
    {
        // A tiny receiver on a loopback port: it refuses the first post (500), then takes everything.
        var received = new ConcurrentQueue<(string Signature, string Body)>();
        var calls = 0;
        await using var receiver = await HookReceiver.StartAsync(async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            if (Interlocked.Increment(ref calls) == 1)
            {
                return Results.StatusCode(500);
            }

            received.Enqueue((request.Headers["X-Platform-Signature"].ToString(), body));
            return Results.Ok();
        });

        var (owner, companyId) = await factory.CompanyAsync("Api Hook Pizza");
        var refused = await owner.PostFormAsync("/Campaigns/ApiKeys", new() { ["Hook.Url"] = "http://example.com/hook" }, "Webhook");
        (await refused.Content.ReadAsStringAsync()).Should().Contain("must use https://");
        var saved = await owner.PostFormAsync("/Campaigns/ApiKeys", new() { ["Hook.Url"] = receiver.Url }, "Webhook");
        saved.StatusCode.Should().Be(HttpStatusCode.Redirect, await saved.Content.ReadAsStringAsync());
        var secret = await factory.Database.ScalarAsync<string>("SELECT secret FROM campaigns.webhooks WHERE company_id = @c", ("c", companyId));
        (await owner.GetAsync("/Campaigns/ApiKeys")).Body.Should().Contain(secret!);

        using var api = factory.ApiClient(await ApiFactory.CreateKeyAsync(owner));
        var sent = await api.PostAsync("/api/v1/messages", ApiFactory.Json(new
        {
            from = "PLATFORM",
            messages = new[] { new { to = "+447700900601", text = "Hook one" }, new { to = "+447700900613", text = "Hook two" } },
        }));
        sent.StatusCode.Should().Be(HttpStatusCode.Accepted);
        var ids = (await ApiFactory.ReadAsync(sent)).GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("id").GetString()!).ToList();

        var statuses = new Dictionary<string, string>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (statuses.Count < 2 && DateTime.UtcNow < deadline)
        {
            while (received.TryDequeue(out var post))
            {
                // X-Platform-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">
                var parts = post.Signature.Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
                var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret!), Encoding.UTF8.GetBytes($"{parts["t"]}.{post.Body}")));
                parts["v1"].Should().Be(expected, "the receipt batch is signed with the company's secret");
                long.Parse(parts["t"]).Should().BeCloseTo(DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 120);
                var payload = JsonDocument.Parse(post.Body).RootElement;
                payload.GetProperty("type").GetString().Should().Be("message.status");
                foreach (var item in payload.GetProperty("data").EnumerateArray())
                {
                    statuses[item.GetProperty("id").GetString()!] = item.GetProperty("status").GetString()!;
                }
            }

            await Task.Delay(200);
        }

        calls.Should().BeGreaterThan(1, "the first post was refused and retried");
        statuses.Should().ContainKey(ids[0]).WhoseValue.Should().Be("delivered");
        statuses.Should().ContainKey(ids[1]).WhoseValue.Should().Be("failed");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.webhook_deliveries WHERE company_id = @c AND delivered_at IS NOT NULL", ("c", companyId)))
            .Should().Be(2);
    }
}
