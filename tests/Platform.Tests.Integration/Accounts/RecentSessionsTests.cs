using Platform.Host.Sessions;

namespace Platform.Tests.Integration.Accounts;

/// <summary>
/// The node's memory of sessions it just read (ADR 39), without a database: what it answers, for how long, and that a
/// session ended while its row was being read is not remembered as live.
/// </summary>
public sealed class RecentSessionsTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private static readonly byte[] KeyHash = [1, 2, 3, 4];

    [Fact]
    public void A_session_read_is_answered_from_memory_until_forgotten()
    {
        var recent = new RecentSessions(TimeSpan.FromMinutes(1));
        recent.Remember(recent.Generation, "scheme", KeyHash, Row(Now.AddHours(1)));

        recent.Find("scheme", KeyHash, Now).Should().NotBeNull();
        recent.Find("other", KeyHash, Now).Should().BeNull("a key opens only its own scheme");

        recent.Forget(e => e.Subject == "user-1");
        recent.Find("scheme", KeyHash, Now).Should().BeNull();
    }

    [Fact]
    public void A_session_ended_while_its_row_was_read_is_not_remembered()
    {
        var recent = new RecentSessions(TimeSpan.FromMinutes(1));
        var readSince = recent.Generation;

        recent.Forget(e => e.Subject == "user-1"); // "sign out everywhere" commits while the row (read before it) is on its way
        recent.Remember(readSince, "scheme", KeyHash, Row(Now.AddHours(1)));

        recent.Find("scheme", KeyHash, Now).Should().BeNull();
    }

    [Fact]
    public void An_expired_session_is_refused_whatever_is_remembered()
    {
        var recent = new RecentSessions(TimeSpan.FromMinutes(1));
        recent.Remember(recent.Generation, "scheme", KeyHash, Row(Now.AddSeconds(-1)));

        recent.Find("scheme", KeyHash, Now).Should().BeNull();
    }

    [Fact]
    public async Task A_remembered_session_is_read_again_after_the_lifetime()
    {
        var recent = new RecentSessions(TimeSpan.FromMilliseconds(200));
        recent.Remember(recent.Generation, "scheme", KeyHash, Row(Now.AddHours(1)));
        recent.Find("scheme", KeyHash, Now).Should().NotBeNull();

        await Task.Delay(TimeSpan.FromMilliseconds(300));

        recent.Find("scheme", KeyHash, Now).Should().BeNull();
    }

    [Fact]
    public void A_lifetime_of_zero_remembers_nothing()
    {
        var recent = new RecentSessions(TimeSpan.Zero);
        recent.Remember(recent.Generation, "scheme", KeyHash, Row(Now.AddHours(1)));

        recent.Find("scheme", KeyHash, Now).Should().BeNull();
    }

    private static RecentSessions.Entry Row(DateTimeOffset expiresAt) =>
        new(Guid.NewGuid(), "scheme", "user-1", KeyHash, [9, 9], expiresAt);
}
