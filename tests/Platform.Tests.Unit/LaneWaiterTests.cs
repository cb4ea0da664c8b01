using FluentAssertions;
using Platform.Modules.Campaigns.Sending;
using Xunit;

namespace Platform.Tests.Unit;

/// <summary>
/// A lane campaign's run (ADR 40) claims once per batch appended: after claiming, it waits for the next batch, so a batch
/// appended while it was claiming must not be missed (it would then sit until the next poll or be found by claiming
/// again and again, which is what the run did before).
/// </summary>
public sealed class LaneWaiterTests
{
    [Fact]
    public async Task A_batch_appended_while_the_worker_was_claiming_ends_its_next_wait_at_once_and_only_that_one()
    {
        var lanes = new LaneCampaigns(poll: TimeSpan.FromMinutes(5));
        var campaign = Guid.CreateVersion7();
        using var worker = lanes.Join(campaign);

        lanes.Appended(campaign);
        var first = worker.WaitAsync(CancellationToken.None);
        first.IsCompletedSuccessfully.Should().BeTrue("the batch was appended before the wait began");

        using var stop = new CancellationTokenSource();
        var second = worker.WaitAsync(stop.Token);
        second.IsCompleted.Should().BeFalse("that batch was taken by the first wait; no other came");
        lanes.Appended(campaign);
        await second;
    }

    [Fact]
    public void Batches_of_other_campaigns_and_batches_after_the_worker_left_wake_nobody()
    {
        var lanes = new LaneCampaigns(poll: TimeSpan.FromMinutes(5));
        var campaign = Guid.CreateVersion7();
        var left = lanes.Join(campaign);
        left.Dispose();
        lanes.Appended(campaign);
        using var worker = lanes.Join(campaign);
        lanes.Appended(Guid.CreateVersion7());

        worker.WaitAsync(CancellationToken.None).IsCompleted.Should().BeFalse("the batch came before this worker joined, and the other is another campaign's");
    }

    [Fact]
    public async Task Every_worker_of_the_run_is_told()
    {
        var lanes = new LaneCampaigns(poll: TimeSpan.FromMinutes(5));
        var campaign = Guid.CreateVersion7();
        using var one = lanes.Join(campaign);
        using var two = lanes.Join(campaign);
        var waits = new[] { one.WaitAsync(CancellationToken.None), two.WaitAsync(CancellationToken.None) };

        lanes.Appended(campaign);

        await Task.WhenAll(waits);
    }
}
