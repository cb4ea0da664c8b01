using System.Net;
using System.Text.Json;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>The API host with a lane campaign's run waiting 8 s for the next batch (2 s by default), so a test can send within it.</summary>
public sealed class ApiLaneFactory : ApiFactory
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Platform:Campaigns:ApiLaneLinger"] = "00:00:08",
    };
}

/// <summary>
/// ADR 40: send-API requests are appended to their lane's campaign while its run sends, and the campaign is completed
/// and settled once the run has waited for more in vain — through the real host, PostgreSQL, Billing and the simulator.
/// </summary>
public sealed class ApiLaneTests(ApiLaneFactory factory) : IClassFixture<ApiLaneFactory>
{
    [Fact]
    public async Task A_request_sent_while_its_lane_campaign_sends_is_appended_to_it_and_the_campaign_settles_what_was_sent()
    {
        var (owner, companyId) = await factory.CompanyAsync("Api Lane Pizza");
        using var api = factory.ApiClient(await ApiFactory.CreateKeyAsync(owner));
        await factory.Database.WaitForAsync("the trial credits", TimeSpan.FromSeconds(30),
            $"SELECT EXISTS (SELECT 1 FROM billing.credit_accounts WHERE company_id = '{companyId}' AND available > 0)");
        var availableBefore = await factory.Database.ScalarAsync<long>("SELECT available FROM billing.credit_accounts WHERE company_id = @c", ("c", companyId));

        var (first, firstIds) = await SendAsync(api, ("+447700900301", "Order 1 is on its way"));
        (await ApiFactory.WaitForFinalAsync(api, firstIds[0], TimeSpan.FromSeconds(60))).GetProperty("status").GetString().Should().Be("delivered");

        // Its run has sent everything and waits for more; the maintenance job, which completes a sending campaign with
        // nothing queued, leaves it to that run. The next request goes into the same campaign. The simulator refuses
        // …15 at the submit, so it is not paid for.
        await factory.RunRecurringJobAsync("campaigns.maintenance");
        var (second, secondIds) = await SendAsync(api, ("+447700900302", "Order 2 is on its way"), ("+447700900315", "Order 3 is on its way"));
        second.Should().Be(first, "a request that arrives while its lane's campaign sends is appended to it");
        var secondFinal = await ApiFactory.WaitForFinalAsync(api, secondIds[0], TimeSpan.FromSeconds(60));
        secondFinal.GetProperty("status").GetString().Should().Be("delivered");
        var firstFinal = await ApiFactory.WaitForFinalAsync(api, firstIds[0], TimeSpan.FromSeconds(60));
        secondFinal.GetProperty("created_at").GetDateTimeOffset().Should().BeAfter(firstFinal.GetProperty("finished_at").GetDateTimeOffset(),
            "a message is created when its request came, not when its lane's campaign was opened");
        (await ApiFactory.WaitForFinalAsync(api, secondIds[1], TimeSpan.FromSeconds(60))).GetProperty("status").GetString().Should().Be("failed");

        // Nothing more comes: the run completes the campaign and settles it.
        await factory.Database.WaitForAsync("the lane campaign completed and settled", TimeSpan.FromSeconds(90),
            $"SELECT status = 'Completed' AND settled_at IS NOT NULL FROM campaigns.campaigns WHERE id = '{first}'");
        var price = await factory.Database.ScalarAsync<long>("SELECT credits_per_segment FROM campaigns.campaign_prices WHERE campaign_id = @c AND country = 'GB'", ("c", first));
        price.Should().BePositive();
        (await factory.Database.ScalarAsync<string>(
            "SELECT concat_ws(' ', targeted, submitted, delivered, failed, reserved_credits, spent_credits) FROM campaigns.campaigns WHERE id = @c", ("c", first)))
            .Should().Be($"3 2 2 1 {3 * price} {2 * price}", "three messages reserved for, two sent and paid for");
        (await factory.Database.ScalarAsync<string>("SELECT concat_ws(' ', credits, captured, released) FROM billing.reservations WHERE id = @c", ("c", first)))
            .Should().Be($"{3 * price} {2 * price} {price}", "one reservation took both batches; what was not sent went back");
        (await factory.Database.ScalarAsync<string>("SELECT concat_ws(' ', available, reserved) FROM billing.credit_accounts WHERE company_id = @c", ("c", companyId)))
            .Should().Be($"{availableBefore - (2 * price)} 0");

        // The next request opens another campaign, and is sent.
        var (third, thirdIds) = await SendAsync(api, ("+447700900303", "Order 4 is on its way"));
        third.Should().NotBe(first, "a completed campaign takes nothing more");
        (await ApiFactory.WaitForFinalAsync(api, thirdIds[0], TimeSpan.FromSeconds(60))).GetProperty("status").GetString().Should().Be("delivered");
    }

    private static async Task<(Guid Campaign, List<string> Ids)> SendAsync(HttpClient api, params (string To, string Text)[] messages)
    {
        var response = await api.PostAsync("/api/v1/messages", ApiFactory.Json(new
        {
            from = "PLATFORM",
            messages = messages.Select(m => new { to = m.To, text = m.Text }).ToArray(),
        }));
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.Accepted, body);
        var answer = JsonDocument.Parse(body).RootElement;
        return (answer.GetProperty("request_id").GetGuid(), answer.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("id").GetString()!).ToList());
    }
}
