using Microsoft.Extensions.Configuration;
using Platform.Modules.Campaigns.Features.Contacts;
using Platform.Modules.Campaigns.Features.Links;
using Platform.Modules.Campaigns.Sending;
using Platform.Modules.Shared;

namespace Platform.Tests.Unit;

/// <summary>
/// The sender renders each message from a text worked out once per run (<see cref="CampaignText"/>); what it sends must be
/// what the long way gives — links shortened per message, placeholders filled, fields read from the message's JSON, the
/// opt-out route appended — for every text, however odd.
/// </summary>
public sealed class CampaignTextTests
{
    private static readonly IConfiguration Configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Platform:PublicBaseUrl"] = "https://sms.example.com",
        ["Platform:Messaging:PlatformNumbers:0"] = "+15550100100",
    }).Build();

    private static readonly TrackedLinks Links = new(Configuration, new PublicLinks(Configuration));
    private static readonly OptOutRoute Route = new(Configuration);

    public static TheoryData<string> Bodies => new()
    {
        "Hi {first_name|there}, menu in {city|town}: https://example.com/menu?from=sms Reply STOP to opt out",
        "No placeholders and no links",
        "{first_name}{city}{first_name|x}",
        "Two links https://a.example/x. and (https://b.example/y), then http://c.example/{city} with a placeholder",
        "Links in a fallback: {city|see https://example.com/towns} and {first_name|https://example.com/hi!}",
        "A fallback a link's brace ends: {city|see https://example.com/towns}",
        "Upper-case {CITY|town} and {First_Name} and an unknown {plan_2|basic} and {plan_2}",
        "Ten links: https://1.io https://2.io https://3.io https://4.io https://5.io https://6.io https://7.io https://8.io https://9.io https://10.io",
        "Braces alone { } {} {1x} {city|a{b} https://example.com/{",
        "Already names the route: text +15550100100 {city}",
        "Names it without the plus: 15550100100 https://example.com",
        "A stand-in character \uE0000 in the text https://example.com {city}",
        "Unicode ✓ {first_name|you} https://example.com/ü?q=ä {city|Zürich}",
        "",
    };

    private static readonly string?[] FieldJsons =
    [
        null,
        """{"city": "Leeds"}""",
        """{"city": "  Kingston upon Hull  ", "plan_2": "gold"}""",
        """{"city": null, "plan_2": 42}""",
        """{"city": "   "}""",
        """{"plan_2": {"tier": [1, 2]}, "city": true}""",
        """{"city": "a\"b\\c\u00e9 https://x.example"}""",
        """{"other": "x", "city": "first", "city": "last"}""",
        "{}",
    ];

    [Theory]
    [MemberData(nameof(Bodies))]
    public void A_message_is_the_text_the_long_way_gives_for_every_sender_link_setting_name_and_field(string body)
    {
        foreach (var sender in new[] { "PLATFORM", "+15550100100" })
        {
            foreach (var track in new[] { true, false })
            {
                var text = new CampaignText(body, track, sender, Links, Route);
                foreach (var firstName in new[] { null, "Ann", "  ", " Bo " })
                {
                    foreach (var fields in FieldJsons)
                    {
                        foreach (var id in new[] { 1L, 987_654_321L })
                        {
                            var longWay = Route.Apply(sender,
                                MessageTemplate.Render(Links.Template(body, track, id), firstName, fields is null ? null : ContactFieldValues.Parse(fields)));
                            text.For(id, firstName, fields).Should().Be(longWay, $"body \"{body}\", sender {sender}, tracked {track}, name \"{firstName}\", fields {fields}");
                        }
                    }
                }
            }
        }
    }

    [Fact]
    public void A_tracked_message_has_its_own_code_that_reads_back_to_it()
    {
        var text = new CampaignText("Menu: https://example.com/menu.", true, "+15550100100", Links, Route);
        var sent = text.For(123_456, null, null);
        sent.Should().MatchRegex(@"^Menu: https://sms\.example\.com/s/[0-9A-Za-z]{15}\.$");
        var code = sent["Menu: https://sms.example.com/s/".Length..^1];
        Links.TryRead(code, out var messageId, out var index).Should().BeTrue();
        (messageId, index).Should().Be((123_456L, 0));
        Links.TryRead(code[..^1] + (code[^1] == 'a' ? 'b' : 'a'), out _, out _).Should().BeFalse("a changed keyed hash is refused");
    }

    [Fact]
    public void Reading_a_few_fields_gives_what_the_whole_parse_gives_for_them()
    {
        foreach (var json in FieldJsons)
        {
            var values = new string?[2];
            ContactFieldValues.Read(json, ["city", "plan_2"], values);
            var parsed = ContactFieldValues.Parse(json);
            values.Should().Equal([parsed.GetValueOrDefault("city"), parsed.GetValueOrDefault("plan_2")], json);
        }
    }
}
