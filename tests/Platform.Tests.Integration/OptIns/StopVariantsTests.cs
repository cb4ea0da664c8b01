using Platform.Modules.OptIns.Domain;

namespace Platform.Tests.Integration.OptIns;

/// <summary>
/// Issue 12, "STOP means stop, whoever sends it": the opt-out variants people send, and the messages that must not be
/// read as one. No fixture: the parser needs no database.
/// </summary>
public sealed class StopVariantsTests
{
    /// <summary>Longer than one SMS segment (160 characters) and starts with STOP.</summary>
    private const string LongStop =
        "STOP. I never signed up for these messages and I have no idea how you got my number. I have asked twice already. " +
        "Take me off every list you have and do not sell my number to anyone else, thank you.";

    /// <summary>About 300 characters that do not start with an opt-out word but plainly ask to stop.</summary>
    private const string LongPleaseStop =
        "Hello, this is the third time I am writing. I bought one pizza from your shop in March, it was good, but since then " +
        "I get two or three offers a week, sometimes late at night when my kids are asleep. I really do not want them any " +
        "more. Please stop, and confirm when it is done. Have a nice day.";

    /// <summary>A long ordinary message: a question for the business inbox, not an opt-out.</summary>
    private const string LongQuestion =
        "Hi there, I saw your offer for the two large pizzas and a bottle of soda, is the offer valid on Sunday as well, " +
        "or only during the week? We are six people, and my sister cannot eat gluten: do you have a base without it?";

    [Theory]
    // The CTIA words, as typed.
    [InlineData("STOP", null, InboundKind.Stop, null)]
    [InlineData("stop", null, InboundKind.Stop, null)]
    [InlineData("stop.", null, InboundKind.Stop, null)]
    [InlineData("Stop!", null, InboundKind.Stop, null)]
    [InlineData("STOP!!!", null, InboundKind.Stop, null)]
    [InlineData("STOPALL", null, InboundKind.Stop, null)]
    [InlineData("STOP ALL", null, InboundKind.Stop, null)]
    [InlineData("UNSUBSCRIBE", null, InboundKind.Stop, null)]
    [InlineData("Unsubscribe!!", null, InboundKind.Stop, null)]
    [InlineData("unsubscribe me", null, InboundKind.Stop, null)]
    [InlineData("cancel", null, InboundKind.Stop, null)]
    [InlineData("End", null, InboundKind.Stop, null)]
    [InlineData("QUIT", null, InboundKind.Stop, null)]
    [InlineData("revoke", null, InboundKind.Stop, null)]
    [InlineData("OPTOUT", null, InboundKind.Stop, null)]
    [InlineData("OPT OUT", null, InboundKind.Stop, null)]
    [InlineData("opt out", null, InboundKind.Stop, null)]
    [InlineData("opt-out", null, InboundKind.Stop, null)]
    [InlineData("STOP", "US", InboundKind.Stop, null)]
    [InlineData("STOP", "FR", InboundKind.Stop, null)]
    [InlineData("Stop", "DE", InboundKind.Stop, null)]
    // Politeness and sentences.
    [InlineData("STOP please", null, InboundKind.Stop, null)]
    [InlineData("please stop", null, InboundKind.Stop, null)]
    [InlineData("Please, STOP!", null, InboundKind.Stop, null)]
    [InlineData("Stop now", null, InboundKind.Stop, null)]
    [InlineData("stop texting me", null, InboundKind.Stop, null)]
    [InlineData("stop sending me these", null, InboundKind.Stop, null)]
    [InlineData("remove me", null, InboundKind.Stop, null)]
    [InlineData("Remove me from your list", null, InboundKind.Stop, null)]
    [InlineData("I want to opt out", null, InboundKind.Stop, null)]
    [InlineData("How do I unsubscribe?", null, InboundKind.Stop, null)]
    [InlineData("Do not text me", null, InboundKind.Stop, null)]
    [InlineData("don't text me again", null, InboundKind.Stop, null)]
    [InlineData("Don\u2019t text me again", null, InboundKind.Stop, null)]
    [InlineData("No more messages please", null, InboundKind.Stop, null)]
    [InlineData("I said STOP", null, InboundKind.Stop, null)]
    [InlineData(LongStop, null, InboundKind.Stop, null)]
    [InlineData(LongPleaseStop, null, InboundKind.Stop, null)]
    // A message that starts with an opt-out word is one, even when it may be meant otherwise: when in doubt, stop.
    [InlineData("Cancel my table for tonight", null, InboundKind.Stop, null)]
    // Emoji and symbols.
    [InlineData("STOP🙏", null, InboundKind.Stop, null)]
    [InlineData("🛑 STOP", null, InboundKind.Stop, null)]
    [InlineData("Stop ✋🏽", null, InboundKind.Stop, null)]
    [InlineData("ST🛑OP", null, InboundKind.Stop, null)]
    [InlineData("❤️unsubscribe❤️", null, InboundKind.Stop, null)]
    // Full-width, styled, look-alike and hidden characters.
    [InlineData("ＳＴＯＰ", null, InboundKind.Stop, null)]
    [InlineData("ｓｔｏｐ", null, InboundKind.Stop, null)]
    [InlineData("𝐒𝐓𝐎𝐏", null, InboundKind.Stop, null)]
    [InlineData("ꜱᴛᴏᴘ", null, InboundKind.Stop, null)]
    [InlineData("S\u0422\u041E\u0420", null, InboundKind.Stop, null)] // Cyrillic Т, О, Р
    [InlineData("\u0405\u0442\u043E\u0440", null, InboundKind.Stop, null)] // Cyrillic Ѕ, т, о, р
    [InlineData("ST\u039F\u03A1", null, InboundKind.Stop, null)] // Greek Ο, Ρ
    [InlineData("\u0395\u039DD", null, InboundKind.Stop, null)] // Greek Ε, Ν
    [InlineData("ST0P", null, InboundKind.Stop, null)]
    [InlineData("\u202EST\u200BOP", null, InboundKind.Stop, null)]
    // Spacing and punctuation tricks.
    [InlineData("S T O P", null, InboundKind.Stop, null)]
    [InlineData("S.T.O.P", null, InboundKind.Stop, null)]
    [InlineData("S-T-O-P", null, InboundKind.Stop, null)]
    [InlineData("s t o p !", null, InboundKind.Stop, null)]
    // Words of the handset's country.
    [InlineData("Arrêt", "FR", InboundKind.Stop, null)]
    [InlineData("ARRÊT !", "fr", InboundKind.Stop, null)]
    [InlineData("Désabonner", "FR", InboundKind.Stop, null)]
    [InlineData("désinscrire", "BE", InboundKind.Stop, null)]
    [InlineData("Stopp", "DE", InboundKind.Stop, null)]
    [InlineData("abmelden", "AT", InboundKind.Stop, null)]
    [InlineData("Ende", "DE", InboundKind.Stop, null)]
    [InlineData("Baja", "ES", InboundKind.Stop, null)]
    [InlineData("ALTO", "MX", InboundKind.Stop, null)]
    [InlineData("parar", "AR", InboundKind.Stop, null)]
    [InlineData("Cancelar", "CO", InboundKind.Stop, null)]
    [InlineData("baja por favor", "CL", InboundKind.Stop, null)]
    [InlineData("Basta!", "IT", InboundKind.Stop, null)]
    [InlineData("cancella", "IT", InboundKind.Stop, null)]
    [InlineData("Afmelden", "NL", InboundKind.Stop, null)]
    [InlineData("Sair", "BR", InboundKind.Stop, null)]
    [InlineData("PARAR", "PT", InboundKind.Stop, null)]
    [InlineData("cancelar", "BR", InboundKind.Stop, null)]
    // STOP <KEYWORD> stops that keyword only.
    [InlineData("STOP PIZZA", null, InboundKind.Stop, "PIZZA")]
    [InlineData("stop pizza!", null, InboundKind.Stop, "PIZZA")]
    [InlineData("OPT-OUT pizza", null, InboundKind.Stop, "PIZZA")]
    [InlineData("UNSUBSCRIBE PIZZA", null, InboundKind.Stop, "PIZZA")]
    [InlineData("ＳＴＯＰ ｐｉｚｚａ", null, InboundKind.Stop, "PIZZA")]
    [InlineData("S T O P PIZZA", null, InboundKind.Stop, "PIZZA")]
    [InlineData("Baja PIZZA", "ES", InboundKind.Stop, "PIZZA")]
    [InlineData("STOP PIZZA please", null, InboundKind.Stop, null)] // not one keyword after STOP: everything stops
    // START and HELP keep working, with the same folding.
    [InlineData("START", null, InboundKind.Start, null)]
    [InlineData("ＳＴＡＲＴ", null, InboundKind.Start, null)]
    [InlineData("\u0405TART", null, InboundKind.Start, null)]
    [InlineData("start pizza", null, InboundKind.Start, "PIZZA")]
    [InlineData("yes please", null, InboundKind.Start, null)]
    [InlineData("UNSTOP", "FR", InboundKind.Start, null)]
    [InlineData("HELP", null, InboundKind.Help, null)]
    [InlineData("help me", null, InboundKind.Help, null)]
    [InlineData("INFO pizza", null, InboundKind.Help, "PIZZA")]
    // Conversation replies go to the business inbox.
    [InlineData("Is the offer valid on Sunday?", null, InboundKind.Unknown, null)]
    [InlineData("What time do you close?", null, InboundKind.Unknown, null)]
    [InlineData("Can I book a table for 4?", null, InboundKind.Unknown, null)]
    [InlineData("I'll be at the end of the street", null, InboundKind.Unknown, null)]
    [InlineData("Where is the nearest bus stop?", null, InboundKind.Unknown, null)]
    [InlineData("Can you stop by at 5?", null, InboundKind.Unknown, null)]
    [InlineData(LongQuestion, null, InboundKind.Unknown, null)]
    [InlineData("🙏🙏", null, InboundKind.Unknown, null)]
    [InlineData("P I Z Z A", null, InboundKind.Unknown, null)] // spelling out is read for opt-outs only
    [InlineData("En de pizza was lekker", "BE", InboundKind.Unknown, null)] // Dutch "and the", not the German ENDE
    [InlineData("Ende der Woche", "BE", InboundKind.Stop, null)] // Belgium speaks German too
    // Keywords stay keywords.
    [InlineData("STOPS", null, InboundKind.Keyword, "STOPS")]
    [InlineData("WEEKEND", null, InboundKind.Keyword, "WEEKEND")]
    [InlineData("HELPDESK", null, InboundKind.Keyword, "HELPDESK")]
    [InlineData("ＰＩＺＺＡ", null, InboundKind.Keyword, "PIZZA")]
    [InlineData("Pizza", "ES", InboundKind.Keyword, "PIZZA")]
    // A country's words only count for its handsets: BAJA from a US (or unknown) number may be a company's keyword.
    [InlineData("BAJA", "US", InboundKind.Keyword, "BAJA")]
    [InlineData("BAJA", null, InboundKind.Keyword, "BAJA")]
    [InlineData("ALTO", "FR", InboundKind.Keyword, "ALTO")]
    [InlineData("STOPP", "GB", InboundKind.Keyword, "STOPP")]
    [InlineData("Arrêt", null, InboundKind.Keyword, "ARRET")]
    [InlineData("Arrêt", "ZZ", InboundKind.Keyword, "ARRET")]
    public void Opt_out_variants_are_read_as_stop_and_nothing_else_is(string text, string? handsetRegion, object kind, string? word)
    {
        var command = InboundCommand.Parse(text, handsetRegion);

        command.Should().Be(new InboundCommand((InboundKind)kind, word), "\"{0}\" from {1}", text, handsetRegion ?? "an unknown country");
    }

    [Fact]
    public void The_long_cases_are_longer_than_one_segment()
    {
        LongStop.Length.Should().BeGreaterThan(160);
        LongPleaseStop.Length.Should().BeInRange(280, 320);
        LongQuestion.Length.Should().BeGreaterThan(160);
    }

    [Fact]
    public void Every_country_word_stops_from_its_country_and_is_a_keyword_from_elsewhere()
    {
        ReservedWords.StopByRegion.Should().ContainKeys("FR", "DE", "ES", "MX", "AR", "CO", "CL", "IT", "NL", "PT", "BR");
        foreach (var (region, words) in ReservedWords.StopByRegion)
        {
            foreach (var word in words)
            {
                InboundCommand.Parse(word, region).Should().Be(new InboundCommand(InboundKind.Stop, null), "{0} is an opt-out word in {1}", word, region);
                InboundCommand.Parse(word.ToLowerInvariant() + " please", region).Kind.Should().Be(InboundKind.Stop);
                InboundCommand.Parse(word, "US").Should().Be(new InboundCommand(InboundKind.Keyword, word), "{0} is not an opt-out word in the US", word);
            }
        }
    }

    [Fact]
    public void A_stop_after_more_than_1600_characters_of_padding_is_read_from_its_start()
    {
        InboundCommand.Parse("STOP " + new string('x', 3000)).Kind.Should().Be(InboundKind.Stop);
        InboundCommand.Parse(new string('x', 3000) + " STOP").Kind.Should().Be(InboundKind.Unknown);
    }

    [Fact]
    public void Without_a_region_the_english_words_apply()
    {
        // The one-argument Parse, which the theory above does not call: English words stop, a country's words do not.
        InboundCommand.Parse("Stop ✋").Should().Be(new InboundCommand(InboundKind.Stop, null));
        InboundCommand.Parse("Baja").Should().Be(new InboundCommand(InboundKind.Keyword, "BAJA"));
    }
}
