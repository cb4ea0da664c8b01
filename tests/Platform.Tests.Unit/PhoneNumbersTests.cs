using Platform.Modules.Shared;

namespace Platform.Tests.Unit;

public sealed class PhoneNumbersTests
{
    [Theory]
    [InlineData("+447700900123", "+447700900123")]
    [InlineData("+44 7700 900-123", "+447700900123")]
    [InlineData("0044 (7700) 900.123", "+447700900123")]
    [InlineData("  +1 555 123 0001 ", "+15551230001")]
    public void Normalises_international_numbers_to_E164(string input, string expected)
    {
        PhoneNumbers.TryNormalizeE164(input, out var e164).Should().BeTrue();
        e164.Should().Be(expected);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("07700900123")]
    [InlineData("+0447700900123")]
    [InlineData("+44 7700 abc")]
    [InlineData("+1234567")]
    [InlineData("+1234567890123456")]
    public void Refuses_what_is_not_an_international_number(string? input)
    {
        PhoneNumbers.TryNormalizeE164(input, out var e164).Should().BeFalse();
        e164.Should().BeEmpty();
    }
}
