using Platform.Modules.OptIns.Domain;
using Platform.Modules.Shared;

namespace Platform.Tests.Integration.OptIns;

/// <summary>
/// The OptIns rules that need no database (the unit test project does not reference the module, so they live here,
/// in a class without a fixture: they run in milliseconds).
/// </summary>
public sealed class RulesTests
{
    [Theory]
    [InlineData("PIZZA", InboundKind.Keyword, "PIZZA")]
    [InlineData("  pizza!! ", InboundKind.Keyword, "PIZZA")]
    [InlineData("\"Pizza.\"", InboundKind.Keyword, "PIZZA")]
    [InlineData("STOP", InboundKind.Stop, null)]
    [InlineData("stop.", InboundKind.Stop, null)]
    [InlineData("Opt Out", InboundKind.Stop, null)]
    [InlineData("OPT OUT PIZZA", InboundKind.Stop, "PIZZA")]
    [InlineData("STOP pizza", InboundKind.Stop, "PIZZA")]
    [InlineData("stop texting me", InboundKind.Stop, null)]
    [InlineData("STOPALL", InboundKind.Stop, null)]
    [InlineData("\u202Estop\u200B", InboundKind.Stop, null)]
    [InlineData("UNSTOP", InboundKind.Start, null)]
    [InlineData("yes", InboundKind.Start, null)]
    [InlineData("START PIZZA", InboundKind.Start, "PIZZA")]
    [InlineData("help", InboundKind.Help, null)]
    [InlineData("INFO pizza", InboundKind.Help, "PIZZA")]
    [InlineData("", InboundKind.Unknown, null)]
    [InlineData("   ", InboundKind.Unknown, null)]
    [InlineData("!!!", InboundKind.Unknown, null)]
    [InlineData("I want pizza", InboundKind.Unknown, null)]
    [InlineData("P", InboundKind.Unknown, null)]
    [InlineData("ABCDEFGHIJKLMNOPQRSTU", InboundKind.Unknown, null)]
    [InlineData("PIZ-ZA", InboundKind.Unknown, null)]
    [InlineData("\0\u0007", InboundKind.Unknown, null)]
    public void Inbound_texts_are_read_as_the_whole_message(string text, object kind, string? word)
    {
        var command = InboundCommand.Parse(text);

        command.Kind.Should().Be((InboundKind)kind);
        command.Word.Should().Be(word);
    }

    [Fact]
    public void A_1600_character_text_is_unknown_and_stored_at_most_1600_characters_without_control_characters()
    {
        var text = "\u202E" + new string('A', 1599) + "\0" + "B";

        InboundCommand.Parse(text).Kind.Should().Be(InboundKind.Unknown);
        var stored = InboundCommand.ForStorage(text + new string('C', 500));
        stored.Length.Should().BeLessThanOrEqualTo(1600);
        stored.Should().NotContain("\0").And.NotContain("\u202E");
    }

    [Fact]
    public void Lone_surrogates_are_dropped_and_emoji_kept()
    {
        InboundCommand.Clean("a\ud800b😀").Should().Be("ab😀");
    }

    [Theory]
    [InlineData("PIZZA", null)]
    [InlineData("STOPS", null)]
    [InlineData("WEEKEND", null)]
    [InlineData("HELPDESK", null)]
    [InlineData("STOP", "STOP")]
    [InlineData("ST0P", "STOP")]
    [InlineData("5TOP", "STOP")]
    [InlineData("$TOP", "STOP")]
    [InlineData("HELP1", "HELP")]
    [InlineData("HE1P", "HELP")]
    [InlineData("2STOP", "STOP")]
    [InlineData("0PT0UT", "OPTOUT")]
    [InlineData("OPTOUT", "OPT OUT")]
    [InlineData("3ND", "END")]
    [InlineData("QU1T", "QUIT")]
    [InlineData("1NFO", "INFO")]
    [InlineData("Y35", "YES")]
    public void Reserved_words_and_their_lookalikes_are_recognised(string word, string? reserved)
    {
        var found = ReservedWords.Resembles(word);

        if (reserved is null)
        {
            found.Should().BeNull();
        }
        else
        {
            found.Should().NotBeNull();
            found!.Replace(" ", string.Empty, StringComparison.Ordinal).Should().Be(reserved.Replace(" ", string.Empty, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void User_codes_are_six_characters_from_an_alphabet_without_lookalikes_and_random()
    {
        var codes = Enumerable.Range(0, 5000).Select(_ => UserCodes.New()).ToList();

        codes.Should().OnlyContain(c => c.Length == 6 && c.All(ch => UserCodes.Alphabet.Contains(ch)));
        UserCodes.Alphabet.Should().NotContainAny("0", "O", "1", "I", "L");
        codes.Distinct().Count().Should().BeGreaterThan(4990);
        UserCodes.Normalize(" abc 234 ").Should().Be("ABC234");
        UserCodes.Normalize("ABCO23").Should().BeNull();
    }

    [Theory]
    [InlineData("490154203237518", true)]
    [InlineData("356938035643809", true)]
    [InlineData("490154203237519", false)]
    [InlineData("49015420323751", false)]
    [InlineData("4901542032375180", false)]
    [InlineData("49015420323751X", false)]
    [InlineData(null, false)]
    public void Imeis_are_15_digits_with_a_luhn_check_digit(string? imei, bool valid) =>
        Imeis.IsValid(imei).Should().Be(valid);

    [Theory]
    [InlineData("ABC234", "ABC234")]
    [InlineData("=HYPERLINK(\"http://evil\")", "\"'=HYPERLINK(\"\"http://evil\"\")\"")]
    [InlineData("+1555", "'+1555")]
    [InlineData("-2+3", "'-2+3")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\tcmd", "'\tcmd")]
    [InlineData("\rcmd", "\"'\rcmd\"")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("", "")]
    public void Csv_cells_cannot_become_formulas(string value, string expected) =>
        Csv.Cell(value).Should().Be(expected);
}
