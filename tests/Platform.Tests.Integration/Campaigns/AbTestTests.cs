using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>The sending host whose A/B winner job (and recurring-campaigns job) run on <see cref="Clock"/>; the rest of the host on the real clock.</summary>
public sealed class AbTestFactory : SendingFactory
{
    public TestClock Clock { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.AddKeyedSingleton<TimeProvider>("campaigns.ab-clock", Clock);
            services.AddKeyedSingleton<TimeProvider>("campaigns.recurrence-clock", Clock);
        });
    }

    /// <summary>
    /// Runs the A/B winner job at <paramref name="now"/>, as its one-minute schedule would then; afterwards the clock goes
    /// back a day, so the job's own schedule decides no later test's campaign early.
    /// </summary>
    public async Task RunAbJobAt(DateTimeOffset now)
    {
        Clock.Now = now;
        try
        {
            await RunRecurringJobAsync("campaigns.ab-winner");
        }
        finally
        {
            Park();
        }
    }

    /// <summary>The test clock a day back: the scheduled runs of the jobs on it find nothing due.</summary>
    public void Park() => Clock.Now = DateTimeOffset.UtcNow.AddDays(-1);
}

/// <summary>
/// A/B tests (issue #20 item 5): a campaign's test share is split exactly between its bodies, the rest held; after the
/// decision window (a test clock) the best delivery or click rate wins and is sent to the rest once, or the rest is
/// dropped and its credits released; bad settings are refused with a message; a repeating test repeats as a test.
/// </summary>
public sealed partial class AbTestTests(AbTestFactory factory) : IClassFixture<AbTestFactory>
{
    private const string OfferA = "Offer A: hi {first_name|there}, two pizzas for one tonight. Reply STOP to opt out";
    private const string OfferB = "Offer B: hi {first_name|there}, free dessert with any pizza. Reply STOP to opt out";

    [Fact]
    public async Task A_thousand_recipients_with_20_percent_in_a_50_50_test_split_100_100_800_and_the_better_delivered_variant_reaches_the_rest_once()
    {
        var (owner, companyId) = await factory.CompanyAsync("Split Pizza");
        // Every other number ends in 13: the simulator fails its receipt. Which variant gets more of them is chance; the
        // winner must be the one with fewer (a tie goes to A).
        var listId = await ListAsync(companyId, "Regulars", 1000, 71_000, i => i % 2 == 0 ? "13" : "20");
        var form = AbForm("Pizza split", listId, testPercent: 20, metric: "delivered", sendRest: true);
        var campaignId = await SendingFactory.CreateCampaignAsync(owner, form);

        // The test's 200 messages go out and get their outcomes; the 800 others wait, and the campaign is not complete.
        await factory.Database.WaitForAsync("the test's 200 messages final", TimeSpan.FromMinutes(2),
            "SELECT count(*) = 200 FROM campaigns.messages WHERE campaign_id = @c AND state >= 3", ("c", campaignId));
        (await SplitAsync(campaignId)).Should().BeEquivalentTo(new Dictionary<string, long> { ["A"] = 100, ["B"] = 100, ["held"] = 800 });
        (await factory.Database.ScalarAsync<string>(
            "SELECT string_agg(recipients::text, ',' ORDER BY variant) || '|' || (SELECT ab_held FROM campaigns.campaigns WHERE id = @c) FROM campaigns.campaign_variants WHERE campaign_id = @c",
            ("c", campaignId))).Should().Be("100,100|800", "the page's planned sizes are the rows written");
        await factory.RunRecurringJobAsync("campaigns.maintenance");
        (await StatusAsync(campaignId)).Should().Be("Sending", "held recipients keep the campaign from completing");
        var held = await PhonesAsync(campaignId, "state = -1");
        (await ReceivedAsync(held)).Values.Should().OnlyContain(texts => texts.Count == 0, "nothing is sent to the held rest before the winner is decided");
        var expected = await ExpectedWinnerByDeliveryAsync(campaignId);

        // A minute before the decision time the job only counts; a minute after, it decides.
        var decideAt = await DecideAtAsync(campaignId);
        decideAt.Should().BeCloseTo(DateTimeOffset.UtcNow.AddHours(2), TimeSpan.FromMinutes(3));
        await factory.RunAbJobAt(decideAt.AddMinutes(-1));
        (await factory.Database.ScalarAsync<bool>("SELECT ab_decided_at IS NULL FROM campaigns.campaigns WHERE id = @c", ("c", campaignId))).Should().BeTrue();
        (await factory.Database.ScalarAsync<string>("SELECT string_agg(sent || '/' || delivered, ',' ORDER BY variant) FROM campaigns.campaign_variants WHERE campaign_id = @c", ("c", campaignId)))
            .Should().Be(await ExpectedTallyAsync(campaignId));
        await factory.RunAbJobAt(decideAt.AddMinutes(1));
        (await WinnerAsync(campaignId)).Should().Be(expected);
        var decidedAt = await factory.Database.ScalarAsync<DateTime>("SELECT ab_decided_at FROM campaigns.campaigns WHERE id = @c", ("c", campaignId));
        await factory.RunAbJobAt(decideAt.AddMinutes(2));
        (await factory.Database.ScalarAsync<DateTime>("SELECT ab_decided_at FROM campaigns.campaigns WHERE id = @c", ("c", campaignId))).Should().Be(decidedAt, "a second run decides nothing again");

        // The rest gets the winner's body, once; nobody gets two messages.
        var counters = await factory.WaitForAsync(campaignId, "Completed", TimeSpan.FromMinutes(2));
        counters["targeted"].Should().Be(1000);
        counters["submitted"].Should().Be(1000);
        var winnerText = expected == 0 ? "Offer A" : "Offer B";
        var rest = await ReceivedAsync(held);
        rest.Values.Should().OnlyContain(texts => texts.Count == 1 && texts[0].StartsWith(winnerText, StringComparison.Ordinal));
        foreach (var (variant, offer) in new[] { (0, "Offer A"), (1, "Offer B") })
        {
            var tested = await ReceivedAsync(await PhonesAsync(campaignId, $"phone <> ALL (@held) AND variant = {variant}", held));
            tested.Should().HaveCount(100);
            tested.Values.Should().OnlyContain(texts => texts.Count == 1 && texts[0].StartsWith(offer, StringComparison.Ordinal));
        }

        var (_, page) = await owner.GetAsync($"/Campaigns/Details/{campaignId}");
        var html = WebUtility.HtmlDecode(page);
        html.Should().Contain($"Variant {(expected == 0 ? "A" : "B")} won").And.Contain("The winner was queued for the 800 recipients held for it.");
        Regex.Matches(html, @"data-recipients>(\d+)<").Select(m => m.Groups[1].Value).Should().Equal("100", "100", "800");
    }

    [Fact]
    public async Task The_variant_more_recipients_clicked_wins_and_without_send_to_the_rest_the_held_are_never_sent_and_their_credits_released()
    {
        var (owner, companyId) = await factory.CompanyAsync("Click Burgers");
        var listId = await ListAsync(companyId, "Regulars", 10, 72_000, _ => "20");
        var form = AbForm("Burger clicks", listId, testPercent: 40, metric: "clicks", sendRest: false);
        form["Input.TrackLinks"] = "true";
        form["Input.Body"] = "Offer A: burgers at https://example.com/a Reply STOP to opt out";
        form["Input.AbBodies[0]"] = "Offer B: burgers at https://example.com/b Reply STOP to opt out";
        var campaignId = await SendingFactory.CreateCampaignAsync(owner, form);
        await factory.Database.WaitForAsync("the test's 4 messages final", TimeSpan.FromMinutes(2),
            "SELECT count(*) = 4 FROM campaigns.messages WHERE campaign_id = @c AND state >= 3", ("c", campaignId));
        (await SplitAsync(campaignId)).Should().BeEquivalentTo(new Dictionary<string, long> { ["A"] = 2, ["B"] = 2, ["held"] = 6 });

        // Both of B's recipients open their link (A's do not): B wins, though A is first.
        using var visitor = factory.CreateClient(new() { AllowAutoRedirect = false });
        foreach (var texts in (await ReceivedAsync(await PhonesAsync(campaignId, "variant = 1"))).Values)
        {
            var click = await visitor.GetAsync($"/s/{ShortLink().Match(texts.Single()).Groups[1].Value}");
            click.StatusCode.Should().Be(HttpStatusCode.Redirect);
            click.Headers.Location!.ToString().Should().Be("https://example.com/b");
        }

        await factory.Database.WaitForAsync("two clicks recorded", TimeSpan.FromSeconds(30),
            "SELECT count(*) = 2 FROM campaigns.link_clicks WHERE campaign_id = @c", ("c", campaignId));
        var held = await PhonesAsync(campaignId, "state = -1");
        await factory.RunAbJobAt((await DecideAtAsync(campaignId)).AddMinutes(1));
        (await WinnerAsync(campaignId)).Should().Be(1);

        // The rest is dropped: the campaign completes with the test's four, pays for them and releases the rest.
        var counters = await factory.WaitForAsync(campaignId, "Completed", TimeSpan.FromMinutes(1));
        counters["targeted"].Should().Be(4);
        counters["submitted"].Should().Be(4);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.messages WHERE campaign_id = @c", ("c", campaignId))).Should().Be(4);
        (await ReceivedAsync(held)).Values.Should().OnlyContain(texts => texts.Count == 0, "without \"send the winner to the rest\" the held are never sent");
        await factory.Database.WaitForAsync("the campaign settled", TimeSpan.FromSeconds(30), "SELECT settled_at IS NOT NULL FROM campaigns.campaigns WHERE id = @c", ("c", campaignId));
        var (reserved, spent) = (await factory.Database.ScalarAsync<long>("SELECT reserved_credits FROM campaigns.campaigns WHERE id = @c", ("c", campaignId)),
            await factory.Database.ScalarAsync<long>("SELECT spent_credits FROM campaigns.campaigns WHERE id = @c", ("c", campaignId)));
        reserved.Should().Be(spent / 4 * 10, "credits were reserved for all ten at the longest variant");
        (await factory.Database.ScalarAsync<long>("SELECT reserved FROM billing.credit_accounts WHERE company_id = @c", ("c", companyId))).Should().Be(0);
        (await factory.Database.ScalarAsync<long>("SELECT available FROM billing.credit_accounts WHERE company_id = @c", ("c", companyId))).Should().Be(10_000_000 - spent);

        var (_, page) = await owner.GetAsync($"/Campaigns/Details/{campaignId}");
        WebUtility.HtmlDecode(page).Should().Contain("Variant B won").And.Contain("The 6 recipients held were not sent anything");
    }

    [Fact]
    public async Task Bad_A_B_settings_are_refused_with_a_message_and_nothing_is_saved()
    {
        var (owner, companyId) = await factory.CompanyAsync("Refused Tests");
        var listId = await ListAsync(companyId, "Regulars", 2, 73_000, _ => "20");
        var cases = new (Dictionary<string, string> Form, string Message)[]
        {
            (With(AbForm("One body", listId), ("Input.AbBodies[0]", "")), "An A/B test needs at least two bodies: write Variant B"),
            (With(AbForm("Ninety", listId), ("Input.AbPercents[1]", "40")), "The variants' splits must add up to 100% (now 90%)."),
            (With(AbForm("Missing split", listId), ("Input.AbBodies[1]", "Offer C"), ("Input.AbPercents[2]", "")), "Give every variant a split between 1% and 99%."),
            (With(AbForm("Nobody", listId), ("Input.AbTestPercent", "0")), "The test's share of the audience must be between 1% and 100%"),
            (With(AbForm("A week and more", listId), ("Input.AbWindowHours", "169")), "Decide the winner between 1 and 168 hours after sending."),
            (With(AbForm("Opens", listId), ("Input.AbMetric", "opens")), "Choose how the winner is picked"),
            (With(AbForm("Untracked", listId, metric: "clicks"), ("Input.TrackLinks", "false")), "A winner by clicks needs \"Shorten links and count clicks per recipient\" ticked"),
            (With(AbForm("No link", listId, metric: "clicks"), ("Input.TrackLinks", "true")), "A winner by clicks needs a link"),
            (With(AbForm("Shoe size", listId), ("Input.AbBodies[0]", "Hi {shoe_size}, new shoes")), "Variant B: "),
            (With(AbForm("Too long", listId), ("Input.AbBodies[0]", new string('x', 1601))), "Variant B: A message can have at most 1,600 characters."),
            (With(AbForm("Six", listId), ("Input.AbBodies[1]", "C"), ("Input.AbBodies[2]", "D"), ("Input.AbBodies[3]", "E"), ("Input.AbBodies[4]", "F")), "at most 5 bodies"),
            (With(AbForm("Words", listId), ("Input.AbTestPercent", "lots")), "is not valid"),
        };
        foreach (var (form, message) in cases)
        {
            var response = await owner.PostFormAsync("/Campaigns/Create", form);
            response.StatusCode.Should().Be(HttpStatusCode.OK, form["Input.Name"]);
            WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()).Should().Contain(message, form["Input.Name"]);
        }

        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.campaigns WHERE company_id = @c", ("c", companyId))).Should().Be(0);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.campaign_variants WHERE company_id = @c", ("c", companyId))).Should().Be(0);
    }

    [Fact]
    public async Task A_repeating_A_B_campaign_makes_each_occurrence_an_A_B_test_with_the_same_bodies_and_settings()
    {
        var (owner, companyId) = await factory.CompanyAsync("Weekly Tests");
        var listId = await ListAsync(companyId, "Regulars", 2, 74_000, _ => "20");
        var first = DateTime.SpecifyKind(DateTime.UtcNow.Date.AddDays(2).AddHours(9), DateTimeKind.Unspecified);
        var form = AbForm("Weekly offer", listId, testPercent: 30, metric: "delivered", sendRest: false);
        form["Input.SendAt"] = first.ToString("yyyy-MM-ddTHH:mm");
        form["Input.Repeat"] = "daily";
        var sourceId = await SendingFactory.CreateCampaignAsync(owner, form);

        factory.Clock.Now = new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(first.AddDays(1), TimeZoneInfo.FindSystemTimeZoneById("Europe/London")), TimeSpan.Zero).AddMinutes(-4);
        try
        {
            await factory.RunRecurringJobAsync("campaigns.recurring");
        }
        finally
        {
            factory.Park();
        }

        var copyId = await factory.Database.ScalarAsync<Guid>(
            "SELECT c.id FROM campaigns.campaigns c JOIN campaigns.campaigns s ON s.recurrence_id = c.recurrence_id AND s.id = @s WHERE c.occurrence = 1", ("s", sourceId));
        const string settings = "SELECT ab_test_percent || '|' || ab_metric || '|' || ab_window_hours || '|' || ab_send_rest FROM campaigns.campaigns WHERE id = @c";
        const string variants = "SELECT string_agg(variant || ':' || percent || ':' || body, ' / ' ORDER BY variant) FROM campaigns.campaign_variants WHERE campaign_id = @c";
        (await factory.Database.ScalarAsync<string>(settings, ("c", copyId))).Should().Be("30|delivered|2|false");
        (await factory.Database.ScalarAsync<string>(variants, ("c", copyId))).Should().Be(await factory.Database.ScalarAsync<string>(variants, ("c", sourceId)))
            .And.Be($"0:50:{OfferA} / 1:50:{OfferB}");
    }

    [Fact]
    public async Task A_draft_test_is_edited_as_a_whole_shown_only_to_its_company_and_can_be_turned_off()
    {
        var (owner, companyId) = await factory.CompanyAsync("Draft Tests");
        var (stranger, _) = await factory.CompanyAsync("Other Bakery");
        var listId = await ListAsync(companyId, "Regulars", 2, 75_000, _ => "20");
        var form = AbForm("Draft test", listId);
        form["Input.Schedule"] = "false";
        var campaignId = await SendingFactory.CreateCampaignAsync(owner, form);
        const string variants = "SELECT string_agg(variant || ':' || percent || ':' || body, ' / ' ORDER BY variant) FROM campaigns.campaign_variants WHERE campaign_id = @c";
        (await factory.Database.ScalarAsync<string>(variants, ("c", campaignId))).Should().Be($"0:50:{OfferA} / 1:50:{OfferB}");

        // Edited: a new B, a C and a three-way split replace what was there.
        form["Input.Id"] = campaignId.ToString();
        form["Input.AbBodies[0]"] = "Offer B2";
        form["Input.AbBodies[1]"] = "Offer C";
        form["Input.AbPercents[0]"] = "40";
        form["Input.AbPercents[1]"] = "30";
        form["Input.AbPercents[2]"] = "30";
        (await SendingFactory.CreateCampaignAsync(owner, form)).Should().Be(campaignId);
        (await factory.Database.ScalarAsync<string>(variants, ("c", campaignId))).Should().Be($"0:40:{OfferA} / 1:30:Offer B2 / 2:30:Offer C");
        var (_, editor) = await owner.GetAsync($"/Campaigns/Create?id={campaignId}");
        editor.Should().Contain(">Offer C</textarea>").And.Contain("id=\"Input_AbPercents_2\" value=\"30\"");
        var (_, strangers) = await stranger.GetAsync($"/Campaigns/Create?id={campaignId}");
        strangers.Should().NotContain("Offer C", "another company's campaign is never loaded");

        // Turned off: no variants, no test settings; the campaign is an ordinary draft again.
        form["Input.AbTest"] = "false";
        (await SendingFactory.CreateCampaignAsync(owner, form)).Should().Be(campaignId);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.campaign_variants WHERE campaign_id = @c", ("c", campaignId))).Should().Be(0);
        (await factory.Database.ScalarAsync<bool>("SELECT ab_test_percent IS NULL AND ab_metric IS NULL FROM campaigns.campaigns WHERE id = @c", ("c", campaignId))).Should().BeTrue();
    }

    private static Dictionary<string, string> AbForm(string name, Guid listId, int testPercent = 20, string metric = "delivered", bool sendRest = true)
    {
        var form = SendingFactory.CampaignForm(name, listId);
        form["Input.Body"] = OfferA;
        form["Input.AbTest"] = "true";
        form["Input.AbBodies[0]"] = OfferB;
        form["Input.AbPercents[0]"] = "50";
        form["Input.AbPercents[1]"] = "50";
        form["Input.AbTestPercent"] = testPercent.ToString(System.Globalization.CultureInfo.InvariantCulture);
        form["Input.AbMetric"] = metric;
        form["Input.AbWindowHours"] = "2";
        form["Input.AbSendRest"] = sendRest ? "true" : "false";
        return form;
    }

    private static Dictionary<string, string> With(Dictionary<string, string> form, params (string Key, string Value)[] fields)
    {
        foreach (var (key, value) in fields)
        {
            form[key] = value;
        }

        return form;
    }

    /// <summary>A list of <paramref name="count"/> UK mobile numbers (+4477, 5 digits from <paramref name="first"/>, then what <paramref name="ending"/> says for its index).</summary>
    private async Task<Guid> ListAsync(Guid companyId, string name, int count, int first, Func<int, string> ending)
    {
        var listId = Guid.NewGuid();
        var phones = Enumerable.Range(0, count).Select(i => $"+4477{first + i:D5}{ending(i)}").ToArray();
        await factory.Database.ExecuteAsync($"""
            INSERT INTO campaigns.contact_lists (id, company_id, name, contact_count, created_at) VALUES ('{listId}', '{companyId}', '{name}', {count}, now());
            INSERT INTO campaigns.contacts (company_id, list_id, phone, first_name, consent_source, created_at, updated_at)
            SELECT '{companyId}', '{listId}', p, 'Ann', 'test', now(), now() FROM unnest(ARRAY['{string.Join("','", phones)}']) AS p;
            """);
        return listId;
    }

    /// <summary>Messages per variant (A, B, …) and held, counted from the rows.</summary>
    private async Task<Dictionary<string, long>> SplitAsync(Guid campaignId)
    {
        var result = new Dictionary<string, long>();
        await using var connection = new Npgsql.NpgsqlConnection(factory.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "SELECT CASE WHEN state = -1 THEN 'held' ELSE chr(65 + variant) END, count(*) FROM campaigns.messages WHERE campaign_id = @c GROUP BY 1", connection);
        command.Parameters.AddWithValue("c", campaignId);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            result[reader.GetString(0)] = reader.GetInt64(1);
        }

        return result;
    }

    private async Task<string[]> PhonesAsync(Guid campaignId, string where, string[]? held = null)
    {
        await using var connection = new Npgsql.NpgsqlConnection(factory.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand($"SELECT array_agg(phone ORDER BY phone) FROM campaigns.messages WHERE campaign_id = @c AND {where}", connection);
        command.Parameters.AddWithValue("c", campaignId);
        command.Parameters.AddWithValue("held", held ?? []);
        return (string[])(await command.ExecuteScalarAsync())!;
    }

    /// <summary>What each of <paramref name="phones"/> received through the simulator, asked 50 at a time.</summary>
    private async Task<Dictionary<string, List<string>>> ReceivedAsync(IReadOnlyList<string> phones)
    {
        var result = new Dictionary<string, List<string>>();
        foreach (var chunk in phones.Chunk(50))
        {
            var received = await Task.WhenAll(chunk.Select(async phone => (phone, (await factory.ReceivedByAsync(phone)).Select(m => m.Text).ToList())));
            foreach (var (phone, texts) in received)
            {
                result[phone] = texts;
            }
        }

        return result;
    }

    /// <summary>Sent and delivered per variant as the phone numbers say they must be: every number ending in 13 fails.</summary>
    private async Task<string> ExpectedTallyAsync(Guid campaignId)
    {
        var parts = new List<string>();
        foreach (var variant in new[] { 0, 1 })
        {
            var phones = await PhonesAsync(campaignId, $"variant = {variant}");
            parts.Add($"{phones.Length}/{phones.Count(p => !p.EndsWith("13", StringComparison.Ordinal))}");
        }

        return string.Join(",", parts);
    }

    /// <summary>The variant whose numbers deliver best (fewer ending in 13), a tie going to A; asked before the rest is given a variant.</summary>
    private async Task<short> ExpectedWinnerByDeliveryAsync(Guid campaignId)
    {
        var a = await PhonesAsync(campaignId, "variant = 0");
        var b = await PhonesAsync(campaignId, "variant = 1");
        double Rate(string[] phones) => (double)phones.Count(p => !p.EndsWith("13", StringComparison.Ordinal)) / phones.Length;
        return (short)(Rate(b) > Rate(a) ? 1 : 0);
    }

    private async Task<DateTimeOffset> DecideAtAsync(Guid campaignId) =>
        new(DateTime.SpecifyKind(await factory.Database.ScalarAsync<DateTime>("SELECT ab_decide_at FROM campaigns.campaigns WHERE id = @c", ("c", campaignId)), DateTimeKind.Utc));

    private Task<short> WinnerAsync(Guid campaignId) =>
        factory.Database.ScalarAsync<short>("SELECT ab_winner FROM campaigns.campaigns WHERE id = @c", ("c", campaignId));

    private Task<string?> StatusAsync(Guid campaignId) =>
        factory.Database.ScalarAsync<string?>("SELECT status FROM campaigns.campaigns WHERE id = @c", ("c", campaignId));

    [GeneratedRegex(@"/s/([0-9A-Za-z]{15})")]
    private static partial Regex ShortLink();
}
