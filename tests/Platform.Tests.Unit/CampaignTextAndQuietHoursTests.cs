using Platform.Modules.Campaigns.Sending;

namespace Platform.Tests.Unit;

public sealed class QuietHoursTests
{
    private static readonly TimeOnly Start = new(8, 0);
    private static readonly TimeOnly End = new(21, 0);

    [Fact]
    public void Inside_the_window_a_message_goes_now()
    {
        var now = new DateTimeOffset(2026, 7, 1, 12, 0, 0, TimeSpan.Zero); // 13:00 in London (BST)
        QuietHours.NextOpening(now, "Europe/London", Start, End).Should().Be(now);
    }

    [Fact]
    public void After_the_window_a_message_waits_for_eight_the_next_morning_local_time()
    {
        var now = new DateTimeOffset(2026, 7, 1, 21, 30, 0, TimeSpan.Zero); // 22:30 in London
        QuietHours.NextOpening(now, "Europe/London", Start, End).Should().Be(new DateTimeOffset(2026, 7, 2, 7, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public void Across_the_spring_daylight_saving_change_the_window_opens_at_eight_local_which_is_an_hour_earlier_in_UTC()
    {
        // London goes from GMT to BST at 01:00 UTC on Sunday 29 March 2026.
        var saturdayNight = new DateTimeOffset(2026, 3, 28, 22, 0, 0, TimeSpan.Zero); // 22:00 GMT
        QuietHours.NextOpening(saturdayNight, "Europe/London", Start, End).Should().Be(new DateTimeOffset(2026, 3, 29, 7, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public void Across_the_autumn_daylight_saving_change_the_window_opens_at_eight_local_which_is_an_hour_later_in_UTC()
    {
        // New York goes from EDT to EST on Sunday 1 November 2026.
        var saturdayNight = new DateTimeOffset(2026, 11, 1, 2, 0, 0, TimeSpan.Zero); // 22:00 EDT on Saturday
        QuietHours.NextOpening(saturdayNight, "America/New_York", Start, End).Should().Be(new DateTimeOffset(2026, 11, 1, 13, 0, 0, TimeSpan.Zero));
        QuietHours.IsOpen(new DateTimeOffset(2026, 11, 1, 12, 30, 0, TimeSpan.Zero), "America/New_York", Start, End).Should().BeFalse("07:30 EST is before the window");
    }

    [Fact]
    public void A_window_start_that_falls_in_the_spring_gap_opens_when_the_clock_jumps()
    {
        // 02:00–03:00 does not exist in New York on 8 March 2026.
        var night = new DateTimeOffset(2026, 3, 8, 5, 0, 0, TimeSpan.Zero); // 00:00 EST
        QuietHours.NextOpening(night, "America/New_York", new TimeOnly(2, 30), End).Should().Be(new DateTimeOffset(2026, 3, 8, 7, 0, 0, TimeSpan.Zero));
    }
}

public sealed class MessageTemplateTests
{
    [Theory]
    [InlineData("Hi {first_name}!", "Ann", "Hi Ann!")]
    [InlineData("Hi {first_name|there}!", null, "Hi there!")]
    [InlineData("Hi {first_name|there}!", "  ", "Hi there!")]
    [InlineData("Hi {FIRST_NAME}!", "Ann", "Hi Ann!")]
    [InlineData("No placeholders", "Ann", "No placeholders")]
    public void Placeholders_render_with_their_fallback(string template, string? firstName, string expected) =>
        MessageTemplate.Render(template, firstName).Should().Be(expected);

    [Fact]
    public void Unknown_placeholders_are_reported() =>
        MessageTemplate.UnknownPlaceholders("Hi {first_name}, code {coupon} {last_name}", []).Should().BeEquivalentTo(["coupon", "last_name"]);

    [Fact]
    public void A_company_field_is_a_known_placeholder_and_the_problem_names_the_fields_there_are()
    {
        MessageTemplate.UnknownPlaceholders("Hi {first_name} in {City|town}, code {coupon}", ["city"]).Should().BeEquivalentTo(["coupon"]);
        MessageTemplate.PlaceholderProblems("{coupon}", ["city", "plan"]).Should().ContainSingle()
            .Which.Should().Be("{coupon} is not a placeholder we know. Use {first_name} or one of your contact fields ({city}, {plan}), with |fallback if you like.");
    }

    [Theory]
    [InlineData("See you in {city}!", "Leeds", "See you in Leeds!")]
    [InlineData("See you in {city|town}!", null, "See you in town!")]
    [InlineData("See you in {city|town}!", " ", "See you in town!")]
    [InlineData("See you in {CITY|town}!", " Leeds ", "See you in Leeds!")]
    [InlineData("{first_name|Hi}, {city|friend} {plan_2|}", "Kingston upon Hull", "Hi, Kingston upon Hull ")]
    public void Contact_fields_render_with_their_fallback(string template, string? city, string expected) =>
        MessageTemplate.Render(template, null, city is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["city"] = city })
            .Should().Be(expected);

    [Fact]
    public void A_text_names_the_fields_it_uses_once_each_without_first_name() =>
        MessageTemplate.FieldsIn("Hi {first_name}, {city} {City|x} {plan_2}").Should().Equal("city", "plan_2");

    [Fact]
    public void GSM7_counts_160_then_153_per_segment_and_extension_characters_double()
    {
        MessageTemplate.Preview(new string('a', 160), null).Segments.Should().Be(1);
        MessageTemplate.Preview(new string('a', 161), null).Segments.Should().Be(2);
        MessageTemplate.Preview(new string('a', 306), null).Segments.Should().Be(2);
        MessageTemplate.Preview(new string('a', 307), null).Segments.Should().Be(3);
        var euro = MessageTemplate.Preview(new string('a', 159) + "€", null);
        euro.Encoding.Should().Be("GSM-7");
        euro.Characters.Should().Be(161);
        euro.Segments.Should().Be(2);
    }

    [Fact]
    public void One_character_outside_GSM7_switches_the_whole_message_to_UCS2_and_is_named()
    {
        var preview = MessageTemplate.Preview(new string('a', 69) + "🍕", null);
        preview.Encoding.Should().Be("UCS-2");
        preview.SwitchedToUcs2By.Should().Contain("U+1F355");
        preview.Segments.Should().Be(2, "the emoji takes two UCS-2 units: 71 > 70");
        MessageTemplate.Preview(new string('a', 70), null).Encoding.Should().Be("GSM-7");
    }

    [Fact]
    public void A_long_first_name_can_add_a_segment() =>
        MessageTemplate.Segments(MessageTemplate.Render(new string('a', 150) + " {first_name}", "Maximiliana")).Should().Be(2);
}
