using Microsoft.AspNetCore.Http;
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

    [Theory]
    [InlineData("GB", "07700 900123", "+447700900123")]
    [InlineData("GB", "7700 900123", "+447700900123")]
    [InlineData("GB", "020 7946 0000", "+442079460000")]
    [InlineData("US", "(555) 777-0099", "+15557770099")]
    [InlineData("US", "555-777-0099", "+15557770099")]
    [InlineData("US", "1 202 555 0123", "+12025550123")]
    [InlineData("FR", "06 12 34 56 78", "+33612345678")]
    [InlineData("FR", "01.23.45.67.89", "+33123456789")]
    [InlineData("DE", "0151 23456789", "+4915123456789")]
    [InlineData("DE", "030/123456", "+4930123456")]
    [InlineData("IN", "098765 43210", "+919876543210")]
    [InlineData("IN", "98765 43210", "+919876543210")]
    [InlineData("us", " (555) 777 0099 ", "+15557770099")]
    public void Reads_national_formats_in_the_default_country(string country, string input, string expected)
    {
        var parsed = PhoneNumbers.Parse(input, country);

        parsed.Error.Should().BeNull();
        parsed.E164.Should().Be(expected);
    }

    [Theory]
    [InlineData("US", "+44 7700 900123", "+447700900123")]
    [InlineData("GB", "+1 555 777 0099", "+15557770099")]
    [InlineData("IN", "+33 6 12 34 56 78", "+33612345678")]
    [InlineData("US", "0044 7700 900123", "+447700900123")]
    [InlineData("US", "011 44 7700 900123", "+447700900123")]
    [InlineData(null, "+49 151 23456789", "+4915123456789")]
    [InlineData("XX", "+49 151 23456789", "+4915123456789")]
    public void Reads_international_numbers_whatever_the_default_country(string? country, string input, string expected)
    {
        PhoneNumbers.Parse(input, country).E164.Should().Be(expected);
    }

    [Theory]
    [InlineData("GB", "12345", "too few digits for +44 (United Kingdom)")]
    [InlineData("GB", "07700 900123 456", "too many digits for +44 (United Kingdom)")]
    [InlineData("US", "555 0199", "too few digits for +1 (United States)")]
    [InlineData("GB", "07700 9001", "does not have a length that +44 (United Kingdom) uses")]
    [InlineData("FR", "06 12 34 56", "too few digits for +33 (France)")]
    [InlineData("GB", "+999 1234 5678", "does not start with a country code in use")]
    [InlineData("GB", "not a number", "only digits, spaces, dashes and brackets")]
    [InlineData("GB", "+44 7700 900123 ext 12", "only digits, spaces, dashes and brackets")]
    [InlineData("GB", "", "Enter a mobile number.")]
    public void Refuses_impossible_numbers_with_a_message_that_says_why_and_how(string country, string input, string why)
    {
        var parsed = PhoneNumbers.Parse(input, country);

        parsed.IsTaken.Should().BeFalse();
        parsed.E164.Should().BeNull();
        parsed.Error.Should().Contain(why).And.Contain("international format");
    }

    [Fact]
    public void A_refusal_shows_how_numbers_are_written_in_the_country()
    {
        PhoneNumbers.Parse("12345", "GB").Error.Should().Contain("for example 07400 123456, or in international format, for example +447400123456");
        PhoneNumbers.Parse("12345", "US").Error.Should().Contain("for example (201) 555-0123");
        PhoneNumbers.Parse("12345", null).Error.Should().Be(PhoneNumbers.FormatHint, "without a country only the international format can be asked for");
    }

    [Theory]
    [InlineData("+15555550100")] // the demo owner
    [InlineData("+15550100100")] // the platform number of the tests and the demo
    [InlineData("+15551230001")]
    [InlineData("+1 555 123 0009")]
    [InlineData("+1 555 777 0001")]
    [InlineData("+15551239901")]
    [InlineData("+447700900123")] // Ofcom's drama range
    [InlineData("+44 7700 900999")]
    public void Takes_the_555_and_drama_numbers_of_tests_and_the_demo_with_a_warning_only(string input)
    {
        var parsed = PhoneNumbers.Parse(input, "GB");

        parsed.IsTaken.Should().BeTrue();
        parsed.IsAllocated.Should().BeFalse("these ranges are not allocated, which is a warning, never a refusal");
        PhoneNumbers.TryNormalizeE164(input, out _).Should().BeTrue();
    }

    [Fact]
    public void An_allocated_number_says_so()
    {
        PhoneNumbers.Parse("06 12 34 56 78", "FR").IsAllocated.Should().BeTrue();
    }

    [Theory]
    [InlineData("07700 900123", "44", "+447700900123")]
    [InlineData("7700900123", "44", "+447700900123")]
    [InlineData("555 777 0099", "1", "+15557770099")]
    [InlineData("+33612345678", "44", "+33612345678")]
    public void The_calling_code_overload_reads_national_numbers_of_that_code(string input, string callingCode, string expected)
    {
        PhoneNumbers.TryNormalizeE164(input, callingCode, out var e164).Should().BeTrue();
        e164.Should().Be(expected);
    }

    [Theory]
    [InlineData("+15557770099", "US", "(555) 777-0099")]
    [InlineData("+15557770099", "GB", "+1 555-777-0099")]
    [InlineData("+447700900123", "GB", "07700 900123")]
    [InlineData("+447700900123", "US", "+44 7700 900123")]
    [InlineData("+33612345678", "FR", "06 12 34 56 78")]
    [InlineData("+447700900123", null, "+44 7700 900123")]
    [InlineData("not stored by us", "GB", "not stored by us")]
    public void Shows_national_format_to_someone_in_the_numbers_own_country(string e164, string? viewer, string shown)
    {
        PhoneNumbers.Display(e164, viewer).Should().Be(shown);
    }

    [Theory]
    [InlineData("en-US,en;q=0.9", "US")]
    [InlineData("fr-FR", "FR")]
    [InlineData("de, en-GB;q=0.8", "GB")]
    [InlineData("en", "GB")]
    [InlineData("", "GB")]
    public void The_preferred_country_comes_from_the_browser_language_else_GB(string acceptLanguage, string expected)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.AcceptLanguage = acceptLanguage;

        PhoneCountries.Preferred(context.Request).Should().Be(expected);
    }

    [Fact]
    public void The_country_list_names_ISO_countries_with_their_calling_codes()
    {
        PhoneCountries.Find("gb").Should().Be(new PhoneCountry("GB", "United Kingdom", 44));
        PhoneCountries.Find("US")!.CallingCode.Should().Be(1);
        PhoneCountries.Find("ZZ").Should().BeNull();
        PhoneCountries.All.Should().HaveCountGreaterThan(200).And.BeInAscendingOrder(c => c.Name, StringComparer.Ordinal);
    }
}
