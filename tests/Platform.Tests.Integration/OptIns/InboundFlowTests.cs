using System.Text.RegularExpressions;
using Platform.Modules.OptIns.Contracts;

namespace Platform.Tests.Integration.OptIns;

/// <summary>The inbound handler on the real host and database; replies read from the recording carrier.</summary>
public sealed partial class InboundFlowTests(OptInsFactory factory) : IClassFixture<OptInsFactory>
{
    private static string NewHandset() => Infrastructure.TestHandsets.New();

    [Fact]
    public async Task A_first_keyword_creates_the_subscriber_and_texts_back_a_user_code_and_the_registration_link()
    {
        var (_, keywordId) = await factory.CompanyWithKeywordAsync("Code Pizza", "CODEPIZZA");
        var handset = NewHandset();

        await factory.TextAsync(handset, "  codepizza! ");

        var reply = factory.Outbox.To(handset).Should().ContainSingle().Subject;
        reply.From.Should().Be(OptInsFactory.PlatformNumber);
        var code = UserCode().Match(reply.Text);
        code.Success.Should().BeTrue(reply.Text);
        code.Groups[1].Value.Should().MatchRegex("^[2-9A-HJKMNP-Z]{6}$", "the alphabet has no 0/O, 1/I/L");
        reply.Text.Should().Contain("Thanks! Deals are on their way.").And.Contain($"https://optins.test/OptIns/Me/Register?code={code.Groups[1].Value}");
        (await factory.Database.ScalarAsync<string>("SELECT user_code FROM optins.subscribers WHERE phone = @p", ("p", handset))).Should().Be(code.Groups[1].Value);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM optins.consent_records c JOIN optins.subscribers s ON s.id = c.subscriber_id WHERE s.phone = @p AND c.opted_in AND c.via = 'sms'", ("p", handset))).Should().Be(1);
        (await factory.Database.ScalarAsync<string>("SELECT message_text FROM optins.consent_records c JOIN optins.subscribers s ON s.id = c.subscriber_id WHERE s.phone = @p", ("p", handset))).Should().Be("codepizza!");

        // Later texts add to the history and the counts; a repeat within a minute is not answered again (no loops).
        await factory.TextAsync(handset, "CODEPIZZA");
        factory.Outbox.To(handset).Should().HaveCount(1);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM optins.requests WHERE keyword_id = @k", ("k", keywordId))).Should().Be(2);
        (await factory.Database.ScalarAsync<int>("SELECT max(request_number) FROM optins.requests WHERE keyword_id = @k", ("k", keywordId))).Should().Be(2);
        (await factory.Database.ScalarAsync<long>("SELECT sum(opted_in) FROM optins.keyword_counters WHERE keyword_id = @k", ("k", keywordId))).Should().Be(1);
        (await factory.Database.ScalarAsync<long>("SELECT sum(requests) FROM optins.keyword_counters WHERE keyword_id = @k", ("k", keywordId))).Should().Be(2);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM optins.consent_records c JOIN optins.subscribers s ON s.id = c.subscriber_id WHERE s.phone = @p", ("p", handset))).Should().Be(1, "already opted in: no new consent");
    }

    [Fact]
    public async Task Stop_confirms_exactly_once_and_start_opts_back_in()
    {
        var (_, keywordId) = await factory.CompanyWithKeywordAsync("Stop Start Co", "STOPSTART");
        var handset = NewHandset();
        await factory.TextAsync(handset, "stopstart");

        await factory.TextAsync(handset, "Stop.");

        var afterStop = factory.Outbox.To(handset);
        afterStop.Should().HaveCount(2);
        afterStop[^1].Text.Should().Contain("unsubscribed from Stop Start Co").And.Contain("START");
        (await OptedInAsync(handset, keywordId)).Should().BeFalse();
        (await factory.SendAsync(new IsOptedOut(await CompanyOfAsync(keywordId), handset))).Should().BeTrue();

        // A second STOP changes nothing and gets no second confirmation.
        await factory.TextAsync(handset, "STOP");
        factory.Outbox.To(handset).Where(m => m.Text.Contains("unsubscribed", StringComparison.Ordinal)).Should().HaveCount(1);

        await factory.TextAsync(handset, "start");
        factory.Outbox.To(handset)[^1].Text.Should().Contain("subscribed again to Stop Start Co");
        (await OptedInAsync(handset, keywordId)).Should().BeTrue();
        (await factory.Database.ScalarAsync<long>("SELECT sum(opted_in) FROM optins.keyword_counters WHERE keyword_id = @k", ("k", keywordId))).Should().Be(1);
        (await factory.Database.ScalarAsync<long>("SELECT sum(opted_out) FROM optins.keyword_counters WHERE keyword_id = @k", ("k", keywordId))).Should().Be(0);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM optins.consent_records WHERE keyword_id = @k", ("k", keywordId))).Should().Be(3, "in, out, in again");
    }

    [Theory]
    [InlineData("STOPALL")]
    [InlineData("unsubscribe")]
    [InlineData("Cancel")]
    [InlineData("END")]
    [InlineData("quit")]
    [InlineData("REVOKE")]
    [InlineData("optout")]
    [InlineData("opt out")]
    [InlineData("\u202Estop")]
    public async Task Every_opt_out_word_opts_out(string word)
    {
        var keyword = $"W{Random.Shared.Next(100000, 999999)}";
        var (_, keywordId) = await factory.CompanyWithKeywordAsync($"Words {keyword}", keyword);
        var handset = NewHandset();
        await factory.TextAsync(handset, keyword);

        await factory.TextAsync(handset, word);

        (await OptedInAsync(handset, keywordId)).Should().BeFalse();
    }

    [Fact]
    public async Task Stop_with_a_keyword_opts_out_of_that_company_only_and_a_bare_stop_of_every_company_on_the_number()
    {
        var (_, pizza) = await factory.CompanyWithKeywordAsync("Two Pizza", "TWOPIZZA");
        var (_, burger) = await factory.CompanyWithKeywordAsync("Two Burger", "TWOBURGER");
        var handset = NewHandset();
        await factory.TextAsync(handset, "TWOPIZZA");
        await factory.TextAsync(handset, "TWOBURGER");

        await factory.TextAsync(handset, "STOP TWOPIZZA");

        (await OptedInAsync(handset, pizza)).Should().BeFalse();
        (await OptedInAsync(handset, burger)).Should().BeTrue();
        factory.Outbox.To(handset)[^1].Text.Should().Contain("Two Pizza").And.NotContain("Two Burger");

        var before = factory.Outbox.To(handset).Count;
        await factory.TextAsync(handset, "STOP");

        (await OptedInAsync(handset, burger)).Should().BeFalse();
        factory.Outbox.To(handset).Should().HaveCount(before + 1, "exactly one confirmation");
        factory.Outbox.To(handset)[^1].Text.Should().Contain("Two Burger");
    }

    [Fact]
    public async Task A_bare_stop_to_both_companies_confirms_once_naming_both_and_a_bare_start_undoes_it()
    {
        var (_, a) = await factory.CompanyWithKeywordAsync("Both A", "BOTHA");
        var (_, b) = await factory.CompanyWithKeywordAsync("Both B", "BOTHB");
        var handset = NewHandset();
        await factory.TextAsync(handset, "BOTHA");
        await factory.TextAsync(handset, "BOTHB");
        var before = factory.Outbox.To(handset).Count;

        await factory.TextAsync(handset, "stop");

        factory.Outbox.To(handset).Should().HaveCount(before + 1);
        factory.Outbox.To(handset)[^1].Text.Should().Contain("Both A and Both B");
        (await OptedInAsync(handset, a)).Should().BeFalse();
        (await OptedInAsync(handset, b)).Should().BeFalse();

        await factory.TextAsync(handset, "YES");

        (await OptedInAsync(handset, a)).Should().BeTrue();
        (await OptedInAsync(handset, b)).Should().BeTrue();
    }

    [Fact]
    public async Task Help_answers_with_the_company_name_and_how_to_stop()
    {
        await factory.CompanyWithKeywordAsync("Helpful Pizza", "HELPFUL");
        var handset = NewHandset();
        await factory.TextAsync(handset, "HELPFUL");

        await factory.TextAsync(handset, "help");

        var help = factory.Outbox.To(handset)[^1].Text;
        help.Should().Contain("Helpful Pizza").And.Contain("STOP HELPFUL").And.Contain("STOP");

        await factory.TextAsync(handset, "INFO HELPFUL");
        factory.Outbox.To(handset).Should().HaveCount(2, "HELP answers are limited to one a minute per number");
    }

    [Fact]
    public async Task An_unknown_word_gets_one_short_help_reply_per_interval_so_machines_cannot_loop()
    {
        var handset = NewHandset();

        await factory.TextAsync(handset, "NOSUCHWORD");
        await factory.TextAsync(handset, "NOSUCHWORD");
        for (var i = 0; i < 20; i++)
        {
            await factory.TextAsync(handset, $"Sorry, I did not understand your message {i}");
        }

        var replies = factory.Outbox.To(handset);
        replies.Should().ContainSingle().Which.Text.Should().Contain("did not recognise").And.Contain("HELP").And.Contain("STOP");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM optins.subscribers WHERE phone = @p", ("p", handset))).Should().Be(0, "an unknown word creates nobody");
    }

    public static TheoryData<string> OddTexts() => new()
    {
        string.Empty,
        "   ",
        new string('A', 1600),
        string.Concat(Enumerable.Repeat("PIZZA ", 266)),
        "\0\u0001\u0007\u001b[31m",
        "\u202E\u202DAZZIP\u200F\u200B",
        "\ud800 lone surrogate",
        "😀😀😀",
    };

    [Theory]
    [MemberData(nameof(OddTexts))]
    public async Task Odd_texts_are_handled_without_a_crash_and_without_a_reply_storm(string text)
    {
        var handset = NewHandset();

        for (var i = 0; i < 5; i++)
        {
            await factory.TextAsync(handset, text);
        }

        factory.Outbox.To(handset).Should().HaveCountLessThanOrEqualTo(1);
    }

    [Fact]
    public async Task A_keyword_wrapped_in_control_and_right_to_left_characters_still_matches_and_is_stored_clean()
    {
        var (_, keywordId) = await factory.CompanyWithKeywordAsync("Rtl Co", "RTLCO");
        var handset = NewHandset();

        await factory.TextAsync(handset, "\u202E\u0007RTLCO\u200B\0");

        (await OptedInAsync(handset, keywordId)).Should().BeTrue();
        (await factory.Database.ScalarAsync<string>("SELECT message_text FROM optins.consent_records WHERE keyword_id = @k", ("k", keywordId))).Should().Be("RTLCO");
    }

    [Theory]
    [InlineData("PIZZAHUT")]
    [InlineData("12345")]
    [InlineData("")]
    [InlineData("+0123456789")]
    public async Task A_sender_that_is_not_an_E164_number_is_ignored(string from)
    {
        var keyword = $"E{Random.Shared.Next(100000, 999999)}";
        var (_, keywordId) = await factory.CompanyWithKeywordAsync($"E164 {keyword}", keyword);

        await factory.TextAsync(from, keyword);

        factory.Outbox.To(from).Should().BeEmpty();
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM optins.requests WHERE keyword_id = @k", ("k", keywordId))).Should().Be(0);
    }

    [Fact]
    public async Task A_number_written_differently_is_the_same_subscriber()
    {
        var (_, keywordId) = await factory.CompanyWithKeywordAsync("Format Co", "FORMATCO");

        await factory.TextAsync("+1 555 777-0001", "FORMATCO");
        await factory.TextAsync("0015557770001", "FORMATCO");

        (await factory.Database.ScalarAsync<long>("SELECT count(DISTINCT subscriber_id) FROM optins.requests WHERE keyword_id = @k", ("k", keywordId))).Should().Be(1);
        (await factory.Database.ScalarAsync<string>("SELECT phone FROM optins.subscriptions WHERE keyword_id = @k", ("k", keywordId))).Should().Be("+15557770001");
    }

    [Fact]
    public async Task Two_first_texts_from_one_number_at_once_create_one_subscriber()
    {
        var (_, keywordId) = await factory.CompanyWithKeywordAsync("Race Co", "RACECO");
        var handset = NewHandset();

        await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => Task.Run(() => factory.TextAsync(handset, "RACECO"))));

        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM optins.subscribers WHERE phone = @p", ("p", handset))).Should().Be(1);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM optins.consent_records WHERE keyword_id = @k", ("k", keywordId))).Should().Be(1);
        (await factory.Database.ScalarAsync<string>("SELECT string_agg(request_number::text, ',' ORDER BY request_number) FROM optins.requests WHERE keyword_id = @k", ("k", keywordId)))
            .Should().Be(string.Join(',', Enumerable.Range(1, 12)));
        (await factory.Database.ScalarAsync<long>("SELECT sum(opted_in) FROM optins.keyword_counters WHERE keyword_id = @k", ("k", keywordId))).Should().Be(1);
        factory.Outbox.To(handset).Where(m => m.Text.Contains("user code", StringComparison.Ordinal)).Should().ContainSingle();
    }

    [Fact]
    public async Task The_consent_log_is_append_only()
    {
        var (_, keywordId) = await factory.CompanyWithKeywordAsync("Append Co", "APPENDCO");
        await factory.TextAsync(NewHandset(), "APPENDCO");

        var update = () => factory.Database.ExecuteAsync($"UPDATE optins.consent_records SET opted_in = false WHERE keyword_id = '{keywordId}'");
        var delete = () => factory.Database.ExecuteAsync($"DELETE FROM optins.consent_records WHERE keyword_id = '{keywordId}'");

        (await update.Should().ThrowAsync<Npgsql.PostgresException>()).Which.Message.Should().Contain("append-only");
        (await delete.Should().ThrowAsync<Npgsql.PostgresException>()).Which.Message.Should().Contain("append-only");
    }

    [Fact]
    public async Task The_audience_is_paged_by_phone_with_keyset_pagination_and_leaves_out_opted_out_numbers()
    {
        var (_, keywordId) = await factory.CompanyWithKeywordAsync("Audience Co", "AUDIENCE");
        var companyId = await CompanyOfAsync(keywordId);
        var handsets = Enumerable.Range(0, 7).Select(i => $"+1555888{i:0000}").ToList();
        foreach (var handset in handsets)
        {
            await factory.TextAsync(handset, "AUDIENCE");
        }

        await factory.TextAsync(handsets[3], "STOP");

        var seen = new List<string>();
        string? after = null;
        var pages = 0;
        do
        {
            var page = await factory.SendAsync(new GetOptedInSubscribersPage(companyId, after, 2));
            seen.AddRange(page.Items.Select(i => i.Phone));
            after = page.NextAfterPhone;
            pages++;
        }
        while (after is not null && pages < 10);

        seen.Should().Equal(handsets.Where((_, i) => i != 3));
        (await factory.SendAsync(new GetOptedInSubscribersPage(Guid.NewGuid(), null))).Items.Should().BeEmpty();
        var tooBig = () => factory.SendAsync(new GetOptedInSubscribersPage(companyId, null, 1_000_000));
        await tooBig.Should().ThrowAsync<Platform.Modules.Shared.RequestValidationException>();
    }

    private async Task<bool> OptedInAsync(string handset, Guid keywordId) =>
        await factory.Database.ScalarAsync<bool>(
            "SELECT sb.opted_in FROM optins.subscriptions sb JOIN optins.keywords k ON k.company_id = sb.company_id WHERE k.id = @k AND sb.phone = @p",
            ("k", keywordId), ("p", handset));

    private async Task<Guid> CompanyOfAsync(Guid keywordId) =>
        Guid.Parse((await factory.Database.ScalarAsync<string>("SELECT company_id::text FROM optins.keywords WHERE id = @k", ("k", keywordId)))!);

    [GeneratedRegex("user code is ([A-Z0-9]{6})")]
    private static partial Regex UserCode();
}
