using Platform.Carriers.Abstractions;

namespace Platform.Carriers.Tests.Encoding;

public sealed class SmsEncodingTests
{
    private const string AllBasic =
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
    private const string AllExtension = "\f^{}\\[~]|€";

    [Fact]
    public void Every_basic_table_character_is_gsm7_and_one_septet()
    {
        AllBasic.Length.Should().Be(127);
        SmsEncoding.Analyze(AllBasic).Should().Be(new SmsTextInfo(SmsAlphabet.Gsm7, 127, 1, null, null));
        SmsEncoding.EncodeGsm7(AllBasic).Should().HaveCount(127).And.NotContain(SmsEncoding.Gsm7Escape);
    }

    [Fact]
    public void Extension_characters_count_double_and_encode_with_escape()
    {
        SmsEncoding.CountUnits(AllExtension, SmsAlphabet.Gsm7).Should().Be(20);
        SmsEncoding.EncodeGsm7("€[").Should().Equal(0x1B, 0x65, 0x1B, 0x3C);
        SmsEncoding.IsGsm7Extension('€').Should().BeTrue();
        SmsEncoding.IsGsm7Extension('a').Should().BeFalse();
    }

    [Theory]
    [InlineData("@", new byte[] { 0x00 })]
    [InlineData("A", new byte[] { 0x41 })]
    [InlineData("è", new byte[] { 0x04 })]
    [InlineData("\n", new byte[] { 0x0A })]
    [InlineData("Δ", new byte[] { 0x10 })]
    [InlineData(" ", new byte[] { 0x20 })]
    [InlineData("¤", new byte[] { 0x24 })]
    [InlineData("§", new byte[] { 0x5F })]
    [InlineData("à", new byte[] { 0x7F })]
    [InlineData("^", new byte[] { 0x1B, 0x14 })]
    [InlineData("|", new byte[] { 0x1B, 0x40 })]
    [InlineData("\f", new byte[] { 0x1B, 0x0A })]
    public void Gsm7_encodes_to_the_spec_septets(string text, byte[] septets)
    {
        SmsEncoding.EncodeGsm7(text).Should().Equal(septets);
        SmsEncoding.DecodeGsm7(septets).Should().Be(text);
    }

    [Fact]
    public void Gsm7_round_trips_every_character()
    {
        var text = AllBasic + AllExtension;
        SmsEncoding.DecodeGsm7(SmsEncoding.EncodeGsm7(text)).Should().Be(text);
    }

    [Theory]
    [InlineData("Hello ✓ world", "✓", 6)]
    [InlineData("Привет", "П", 0)]
    [InlineData("price in $ and ` backtick", "`", 15)]
    [InlineData("lowercase ç is not GSM", "ç", 10)]
    public void One_non_gsm_character_switches_to_ucs2_and_is_reported(string text, string offender, int index)
    {
        var info = SmsEncoding.Analyze(text);
        info.Alphabet.Should().Be(SmsAlphabet.Ucs2);
        info.FirstNonGsmCharacter.Should().Be(offender);
        info.FirstNonGsmIndex.Should().Be(index);
        info.Length.Should().Be(text.Length);
    }

    [Fact]
    public void An_emoji_is_reported_whole_and_counts_two_ucs2_units()
    {
        var info = SmsEncoding.Analyze("ok 😀");
        info.FirstNonGsmCharacter.Should().Be("😀");
        info.Length.Should().Be(5);
    }

    [Fact]
    public void Escape_control_character_is_not_gsm7_text()
    {
        SmsEncoding.DetectAlphabet("a\u001Bb").Should().Be(SmsAlphabet.Ucs2);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(160, 1)]
    [InlineData(161, 2)]
    [InlineData(306, 2)]
    [InlineData(307, 3)]
    [InlineData(459, 3)]
    [InlineData(460, 4)]
    public void Gsm7_segments_are_160_then_153(int length, int segments)
    {
        SmsEncoding.Analyze(new string('a', length)).Segments.Should().Be(segments);
    }

    [Theory]
    [InlineData(70, 1)]
    [InlineData(71, 2)]
    [InlineData(134, 2)]
    [InlineData(135, 3)]
    public void Ucs2_segments_are_70_then_67(int length, int segments)
    {
        SmsEncoding.Analyze(new string('Ж', length)).Segments.Should().Be(segments);
    }

    [Fact]
    public void Extension_characters_push_a_text_over_the_single_part_limit()
    {
        var text = new string('a', 150) + "€€€€€"; // 155 characters, 160 septets
        SmsEncoding.Analyze(text).Segments.Should().Be(1);
        SmsEncoding.Analyze(text + "€").Segments.Should().Be(2);
    }

    [Fact]
    public void Split_never_breaks_an_escape_sequence()
    {
        var text = new string('a', 152) + "€" + new string('b', 10); // the € would straddle septet 153
        var parts = SmsEncoding.Split(text);

        parts.Should().HaveCount(2);
        parts[0].Should().Be(new string('a', 152));
        parts[1].Should().StartWith("€");
        string.Concat(parts).Should().Be(text);
        parts.Should().OnlyContain(p => SmsEncoding.CountUnits(p, SmsAlphabet.Gsm7) <= 153);
    }

    [Fact]
    public void Split_never_breaks_a_surrogate_pair()
    {
        var text = new string('Ж', 66) + "😀" + new string('Ж', 10);
        var parts = SmsEncoding.Split(text);

        parts.Should().HaveCount(2);
        parts[0].Should().HaveLength(66);
        parts[1].Should().StartWith("😀");
        string.Concat(parts).Should().Be(text);
    }

    [Fact]
    public void Split_parts_fill_up_to_the_multi_part_limit()
    {
        var parts = SmsEncoding.Split(new string('x', 400));
        parts.Select(p => p.Length).Should().Equal(153, 153, 94);
        SmsEncoding.Split(new string('Ж', 150)).Select(p => p.Length).Should().Equal(67, 67, 16);
        SmsEncoding.Split("short").Should().Equal("short");
        SmsEncoding.Split("").Should().Equal("");
    }

    [Fact]
    public void Ucs2_is_big_endian_utf16()
    {
        SmsEncoding.EncodeUcs2("Aé€😀").Should().Equal(0x00, 0x41, 0x00, 0xE9, 0x20, 0xAC, 0xD8, 0x3D, 0xDE, 0x00);
        SmsEncoding.DecodeUcs2(new byte[] { 0x04, 0x1F, 0x00, 0x21, 0x07 }).Should().Be("П!");
        SmsEncoding.Encode("hi", SmsAlphabet.Ucs2).Should().Equal(0, 0x68, 0, 0x69);
    }

    [Fact]
    public void Encoding_a_non_gsm_text_as_gsm7_names_the_character()
    {
        var encode = () => SmsEncoding.EncodeGsm7("abc✓");
        encode.Should().Throw<ArgumentException>().WithMessage("*'✓'*U+2713*index 3*UCS-2*");
    }

    [Fact]
    public void Decoding_tolerates_bad_septets()
    {
        SmsEncoding.DecodeGsm7(new byte[] { 0x41, 0xC1 }).Should().Be("A?");
        SmsEncoding.DecodeGsm7(new byte[] { 0x41, 0x1B }).Should().Be("A");
        SmsEncoding.DecodeGsm7(new byte[] { 0x1B, 0x41 }).Should().Be("A", "an unknown extension falls back to the basic character");
    }

    [Fact]
    public void Concatenation_header_is_the_8_bit_reference_element()
    {
        SmsEncoding.CreateConcatenationHeader(0x2A, 3, 2).Should().Equal(0x05, 0x00, 0x03, 0x2A, 0x03, 0x02);
        var bad = () => SmsEncoding.CreateConcatenationHeader(1, 2, 3);
        bad.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void Sdk_version_compatibility_is_by_major_version()
    {
        CarrierSdk.Version.Should().Be("1.1");
        CarrierSdk.IsCompatible("1.0").Should().BeTrue("1.1 only added SubmitOutcome.Unknown: plugins built against 1.0 still load");
        CarrierSdk.IsCompatible("1.7").Should().BeTrue();
        CarrierSdk.IsCompatible("2.0").Should().BeFalse();
        CarrierSdk.IsCompatible("").Should().BeFalse();
        CarrierSdk.IsCompatible("x.1").Should().BeFalse();
    }
}
