using Platform.Modules.Campaigns.Domain;

namespace Platform.Tests.Unit;

/// <summary>The A/B split's arithmetic (ADR 36): exact sizes that add up to the audience, the same bounds the audience statement cuts at.</summary>
public sealed class AbSplitTests
{
    [Theory]
    [InlineData(1000, 20, new short[] { 50, 50 }, new long[] { 100, 100 }, 800)]
    [InlineData(1000, 100, new short[] { 50, 50 }, new long[] { 500, 500 }, 0)]
    [InlineData(10, 20, new short[] { 50, 50 }, new long[] { 1, 1 }, 8)]
    [InlineData(999, 10, new short[] { 33, 33, 34 }, new long[] { 32, 33, 34 }, 900)]
    [InlineData(3, 50, new short[] { 50, 50 }, new long[] { 0, 1 }, 2)]
    [InlineData(0, 20, new short[] { 20, 20, 20, 20, 20 }, new long[] { 0, 0, 0, 0, 0 }, 0)]
    public void The_sizes_are_exact_and_add_up_to_the_audience(long sendable, int testPercent, short[] percents, long[] expected, long held)
    {
        var (sizes, rest) = AbSplit.Sizes(sendable, testPercent, percents);
        sizes.Should().Equal(expected);
        rest.Should().Be(held);
        (sizes.Sum() + rest).Should().Be(sendable);
    }

    [Fact]
    public void The_bounds_end_at_the_test_size_and_never_go_back()
    {
        var bounds = AbSplit.Bounds(AbSplit.TestSize(1_000_000, 37), [7, 13, 29, 31, 20]);
        bounds[^1].Should().Be(370_000);
        bounds.Should().BeInAscendingOrder();
    }
}
