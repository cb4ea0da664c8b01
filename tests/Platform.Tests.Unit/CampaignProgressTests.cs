using Platform.Modules.Campaigns.Areas.Campaigns.Pages;
using Platform.Modules.Campaigns.Domain;

namespace Platform.Tests.Unit;

/// <summary>
/// The live page tells the truth (issue #20 item 8): "100%" next to "Pending 20" says receipts are awaited and for how long,
/// and the stream keeps going until they are in; nothing is said while messages are still being sent or when none is pending.
/// </summary>
public sealed class CampaignProgressTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    private static Campaign Campaign(string status, int targeted, int submitted, int delivered) => new()
    {
        Name = "Spring",
        SenderId = "PLATFORM",
        Body = "Hi",
        Status = status,
        TimeZone = "UTC",
        Targeted = targeted,
        Submitted = submitted,
        Delivered = delivered,
        PreparedAt = Now,
    };

    [Fact]
    public void Every_message_sent_with_receipts_awaited_is_explained_with_the_receipt_timeout_and_not_finished()
    {
        var progress = Progress.Of(Campaign(CampaignStatus.Completed, 20, 20, 0), Now, TimeSpan.FromHours(48));

        progress.Percent.Should().Be(100);
        progress.Pending.Should().Be(20);
        progress.Finished.Should().BeFalse("the page keeps listening until the receipts are in");
        progress.PendingNote.Should().Be("Every message has gone to the carriers; waiting for 20 delivery receipts. "
            + "Carriers send them within 48 hours; a message still without one then counts as Expired (no receipt).");
        Progress.Of(Campaign(CampaignStatus.Sending, 1, 1, 0), Now, TimeSpan.FromMinutes(30)).PendingNote
            .Should().Contain("waiting for 1 delivery receipt.").And.Contain("within 30 minutes");
    }

    [Fact]
    public void Nothing_is_said_while_messages_are_still_going_out_or_when_every_outcome_is_in()
    {
        Progress.Of(Campaign(CampaignStatus.Sending, 20, 10, 5), Now, TimeSpan.FromHours(48)).PendingNote.Should().BeNull("half the messages are still to send");
        var done = Progress.Of(Campaign(CampaignStatus.Completed, 20, 20, 20), Now, TimeSpan.FromHours(48));
        done.PendingNote.Should().BeNull();
        done.Finished.Should().BeTrue();
    }

    [Fact]
    public void Recipients_whose_zone_is_in_quiet_hours_are_named_with_when_sending_resumes()
    {
        // 12:00 UTC: 12:00 in London (open), 21:00 in Tokyo (closed from 21:00), 07:00 in New York (closed until 08:00).
        var campaign = Campaign(CampaignStatus.Sending, 30, 10, 10);
        campaign.TimeZones = ["Asia/Tokyo", "America/New_York", "Europe/London"];

        var note = Progress.Of(campaign, Now, TimeSpan.FromHours(48)).QuietNote;

        note.Should().Be("Recipients in America/New_York, Asia/Tokyo are in quiet hours now (08:00–21:00 their time is when messages go); "
            + "their messages wait, and the next window opens at 2026-12-04 13:00 UTC.");
        campaign.TimeZones = ["Asia/Tokyo"];
        Progress.Of(campaign, Now, TimeSpan.FromHours(48)).QuietNote.Should().StartWith("Every recipient is in quiet hours now")
            .And.EndWith("the next window opens at 2026-12-04 23:00 UTC.");
        campaign.RespectQuietHours = false;
        Progress.Of(campaign, Now, TimeSpan.FromHours(48)).QuietNote.Should().BeNull("quiet hours are not kept");
        campaign.RespectQuietHours = true;
        campaign.TimeZones = ["Europe/London"];
        Progress.Of(campaign, Now, TimeSpan.FromHours(48)).QuietNote.Should().BeNull("London is open at noon");
    }
}
