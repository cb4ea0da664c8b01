using Platform.Carriers.Abstractions;

namespace Platform.Carriers.Tests.Sdk;

public sealed class CarrierSettingsReaderTests
{
    [Fact]
    public void Reads_values_case_insensitively_and_collects_every_problem()
    {
        var reader = new CarrierSettingsReader(new Dictionary<string, string>
        {
            ["host"] = " smsc.example ",
            ["PORT"] = "abc",
            ["Mode"] = "FAST",
            ["Name"] = "far too long",
        });

        reader.Text("Host", required: true).Should().Be("smsc.example");
        reader.Int("Port", 2775, 1, 65535).Should().Be(2775);
        reader.OneOf("Mode", "Slow", "Slow", "Fast").Should().Be("Fast");
        reader.Text("Name", maxLength: 4);
        reader.Text("SystemId", required: true).Should().BeEmpty();
        reader.OptionalInt("Missing", 0, 5).Should().BeNull();

        reader.Problems.Should().BeEquivalentTo(
            "Port must be a whole number between 1 and 65535, got 'abc'.",
            "Name may be at most 4 characters, got 12.",
            "SystemId is required.");
    }

    [Fact]
    public void Null_settings_are_empty_settings()
    {
        var reader = new CarrierSettingsReader(null);
        reader.Text("Host", required: true);
        reader.Problems.Should().ContainSingle().Which.Should().Be("Host is required.");
    }
}
