namespace Platform.Modules.Campaigns.Domain;

/// <summary>What decides an A/B test's winner (ADR 36).</summary>
internal static class AbMetrics
{
    /// <summary>Delivered ÷ sent: the body carriers deliver best (e.g. a shorter one, or one without a word filters dislike).</summary>
    public const string Delivered = "delivered";

    /// <summary>Recipients who clicked a tracked link ÷ sent.</summary>
    public const string Clicks = "clicks";

    public static readonly IReadOnlyList<(string Value, string Label)> Choices =
        [(Delivered, "Delivery rate (delivered ÷ sent)"), (Clicks, "Click rate (recipients who clicked ÷ sent)")];
}

/// <summary>
/// The limits of an A/B test and how its audience is split. The split is exact, not a coin per recipient: of
/// <c>n</c> sendable recipients the first <c>n × test% ÷ 100</c> (rounded down) in the test's random order are the test,
/// and variant <c>i</c> takes the ones between <c>test × (p₀+…+pᵢ₋₁) ÷ 100</c> and <c>test × (p₀+…+pᵢ) ÷ 100</c>.
/// The preparation's SQL computes the same bounds (<see cref="Bounds"/>), so the page's planned sizes are the rows.
/// </summary>
internal static class AbSplit
{
    public const int MinVariants = 2;
    public const int MaxVariants = 5;
    public const int MinWindowHours = 1;
    public const int MaxWindowHours = 168;

    /// <summary>How many of <paramref name="sendable"/> recipients are in the test.</summary>
    public static long TestSize(long sendable, int testPercent) => sendable * testPercent / 100;

    /// <summary>The upper bound (1-based row number, inclusive) of each variant in the test's order.</summary>
    public static long[] Bounds(long testSize, IReadOnlyList<short> percents)
    {
        var bounds = new long[percents.Count];
        long cumulative = 0;
        for (var i = 0; i < percents.Count; i++)
        {
            cumulative += percents[i];
            bounds[i] = testSize * cumulative / 100;
        }

        return bounds;
    }

    /// <summary>Recipients per variant and held for the winner, of <paramref name="sendable"/>.</summary>
    public static (long[] PerVariant, long Held) Sizes(long sendable, int testPercent, IReadOnlyList<short> percents)
    {
        var test = TestSize(sendable, testPercent);
        var bounds = Bounds(test, percents);
        var sizes = bounds.Select((b, i) => b - (i == 0 ? 0 : bounds[i - 1])).ToArray();
        return (sizes, sendable - test);
    }
}
