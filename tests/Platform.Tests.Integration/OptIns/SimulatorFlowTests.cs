using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.OptIns;

/// <summary>
/// The whole SMS flow through the host's real carrier wiring: a handset texts the simulator's /simulator/inbound,
/// the carrier publishes InboundSmsReceived, OptIns answers through SendSms and the simulator carrier, and the
/// handset's outbox (/simulator/outbox) shows the replies.
/// </summary>
public sealed partial class SimulatorFlowTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    private const string PlatformNumber = "+15550100100";

    internal sealed record OutboxItem(string From, string To, string Text, DateTimeOffset At);

    private async Task TextAsync(HttpClient http, string from, string text)
    {
        var response = await http.PostAsJsonAsync("/simulator/inbound", new { from, to = PlatformNumber, text });
        response.StatusCode.Should().Be(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
    }

    private static async Task<IReadOnlyList<OutboxItem>> OutboxAsync(HttpClient http, string handset, int atLeast)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var items = await http.GetFromJsonAsync<List<OutboxItem>>($"/simulator/outbox?to={Uri.EscapeDataString(handset)}") ?? [];
            if (items.Count >= atLeast || DateTime.UtcNow > deadline)
            {
                return items;
            }

            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Keyword_then_code_then_stop_with_one_confirmation_then_start_opts_in_again()
    {
        var owner = await factory.RegisterCompanyAsync("Sim Pizza", "owner@simpizza.example");
        await OptInsFactory.CreateKeywordAsync(owner, "SIMPIZZA", "Welcome to Sim Pizza deals!");
        var http = factory.CreateClient();
        const string handset = "+15551230001";

        await TextAsync(http, handset, "simpizza");
        var first = await OutboxAsync(http, handset, 1);
        first.Should().ContainSingle();
        first[0].From.Should().Be(PlatformNumber);
        first[0].Text.Should().Contain("Welcome to Sim Pizza deals!").And.MatchRegex("user code is [2-9A-HJKMNP-Z]{6}");

        await TextAsync(http, handset, "STOP");
        var afterStop = await OutboxAsync(http, handset, 2);
        await Task.Delay(300);
        afterStop = await OutboxAsync(http, handset, 2);
        afterStop.Should().HaveCount(2, "exactly one confirmation");
        afterStop[1].Text.Should().Contain("unsubscribed from Sim Pizza");
        (await factory.Database.ScalarAsync<bool>("SELECT opted_in FROM optins.subscriptions WHERE phone = @p", ("p", handset))).Should().BeFalse();

        await TextAsync(http, handset, "START");
        var afterStart = await OutboxAsync(http, handset, 3);
        afterStart.Should().HaveCount(3);
        afterStart[2].Text.Should().Contain("subscribed again to Sim Pizza");
        (await factory.Database.ScalarAsync<bool>("SELECT opted_in FROM optins.subscriptions WHERE phone = @p", ("p", handset))).Should().BeTrue();
    }

    [Fact]
    public async Task Stop_with_a_keyword_and_a_bare_stop_with_two_companies()
    {
        var pizza = await factory.RegisterCompanyAsync("Sim Two Pizza", "owner@simtwopizza.example");
        await OptInsFactory.CreateKeywordAsync(pizza, "SIMTWOPIZZA");
        var burger = await factory.RegisterCompanyAsync("Sim Two Burger", "owner@simtwoburger.example");
        await OptInsFactory.CreateKeywordAsync(burger, "SIMTWOBURGER");
        var http = factory.CreateClient();
        const string handset = "+15551230002";
        await TextAsync(http, handset, "SIMTWOPIZZA");
        await TextAsync(http, handset, "SIMTWOBURGER");
        await OutboxAsync(http, handset, 2);

        await TextAsync(http, handset, "stop simtwopizza");
        var afterFirst = await OutboxAsync(http, handset, 3);
        afterFirst[^1].Text.Should().Contain("Sim Two Pizza").And.NotContain("Sim Two Burger");
        (await StateAsync(handset)).Should().Equal(["Sim Two Burger:True", "Sim Two Pizza:False"]);

        await TextAsync(http, handset, "STOP");
        var afterBare = await OutboxAsync(http, handset, 4);
        await Task.Delay(300);
        afterBare = await OutboxAsync(http, handset, 4);
        afterBare.Should().HaveCount(4, "one confirmation for the bare STOP");
        afterBare[^1].Text.Should().Contain("Sim Two Burger");
        (await StateAsync(handset)).Should().Equal(["Sim Two Burger:False", "Sim Two Pizza:False"]);
    }

    [Fact]
    public async Task Bad_input_through_the_simulator_never_fails_and_never_storms()
    {
        var http = factory.CreateClient();
        const string handset = "+15551230003";
        foreach (var text in new[] { "NOSUCHKEYWORD", string.Empty, new string('x', 1600), "\u0007\u001b\u202E", "\u202Ehello", "HELP", "NOSUCHKEYWORD" })
        {
            await TextAsync(http, handset, text);
        }

        var outbox = await OutboxAsync(http, handset, 2);
        outbox.Count.Should().BeLessThanOrEqualTo(2, "one unknown-word reply and one HELP answer at most");
        (await http.PostAsJsonAsync("/simulator/inbound", new { from = "not-a-number", to = PlatformNumber, text = "PIZZA" })).StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    private async Task<string[]> StateAsync(string handset)
    {
        var states = await factory.Database.ScalarAsync<string>(
            """
            SELECT string_agg(k.description || ':' || sb.opted_in, ',' ORDER BY k.description)
            FROM optins.subscriptions sb JOIN optins.keywords k ON k.id = sb.keyword_id WHERE sb.phone = @p
            """, ("p", handset));
        return states!.Split(',').Select(s => s.Replace("SIMTWOPIZZA deals", "Sim Two Pizza", StringComparison.Ordinal).Replace("SIMTWOBURGER deals", "Sim Two Burger", StringComparison.Ordinal).Replace(":true", ":True", StringComparison.Ordinal).Replace(":false", ":False", StringComparison.Ordinal)).OrderBy(s => s, StringComparer.Ordinal).ToArray();
    }
}
