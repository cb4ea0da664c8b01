using System.Reflection;
using Platform.Modules.Campaigns.Domain;
using Platform.Modules.Campaigns.Features.Api;

namespace Platform.Tests.Unit;

/// <summary>Pins the campaign lifecycle: every move allowed or refused, who makes it, and the buttons per status.</summary>
public sealed class CampaignLifecycleTests
{
    /// <summary>The whole table, "Step: From → To": a move not listed here must be refused.</summary>
    private static readonly string[] Table =
    [
        "Schedule: Draft → Scheduled",
        "Schedule: NeedsAttention → Scheduled",
        "Schedule: NeedsAttention → Sending",
        "Pause: Scheduled → Paused",
        "Pause: Sending → Paused",
        "Resume: Paused → Scheduled",
        "Resume: Paused → Sending",
        "Cancel: Draft → Cancelled",
        "Cancel: Scheduled → Cancelled",
        "Cancel: Sending → Cancelled",
        "Cancel: Paused → Cancelled",
        "Cancel: NeedsAttention → Cancelled",
        "Start: Scheduled → Sending",
        "Complete: Sending → Completed",
        "Refuse: Scheduled → NeedsAttention",
        "Refuse: Paused → NeedsAttention",
        "Revoke: Scheduled → NeedsAttention",
        "Revoke: Sending → NeedsAttention",
        "Revoke: Paused → NeedsAttention",
    ];

    [Fact]
    public void Every_move_of_every_step_between_every_two_statuses_is_allowed_exactly_when_the_table_lists_it()
    {
        foreach (var step in Enum.GetValues<CampaignStep>())
        {
            foreach (var from in CampaignStatus.All)
            {
                foreach (var to in CampaignStatus.All)
                {
                    var listed = Table.Contains($"{step}: {from} → {to}");
                    CampaignLifecycle.Allows(step, from, to).Should().Be(listed, $"{step}: {from} → {to}");
                    if (listed)
                    {
                        CampaignLifecycle.Require(step, from, to).Should().Be(to);
                    }
                    else
                    {
                        FluentActions.Invoking(() => CampaignLifecycle.Require(step, from, to)).Should().Throw<InvalidOperationException>();
                    }
                }
            }
        }

        CampaignLifecycle.Transitions.Select(t => $"{t.Step}: {t.From} → {t.To}").Should().BeEquivalentTo(Table);
    }

    [Fact]
    public void Finished_campaigns_never_move_again()
    {
        foreach (var ended in CampaignLifecycle.Ended)
        {
            CampaignLifecycle.Transitions.Should().NotContain(t => t.From == ended);
        }
    }

    [Theory]
    [InlineData("Schedule", "Company")]
    [InlineData("Pause", "Company")]
    [InlineData("Resume", "Company")]
    [InlineData("Cancel", "Company")]
    [InlineData("Start", "Engine")]
    [InlineData("Complete", "Engine")]
    [InlineData("Refuse", "Engine")]
    [InlineData("Revoke", "SenderIdReview")]
    public void Each_step_has_one_actor(string step, string actor) =>
        CampaignLifecycle.ActorOf(Enum.Parse<CampaignStep>(step)).Should().Be(Enum.Parse<CampaignActor>(actor));

    [Theory]
    [InlineData(CampaignStatus.Draft, "Edit Schedule Cancel")]
    [InlineData(CampaignStatus.NeedsAttention, "Edit Schedule Cancel")]
    [InlineData(CampaignStatus.Scheduled, "Pause Cancel")]
    [InlineData(CampaignStatus.Sending, "Pause Cancel")]
    [InlineData(CampaignStatus.Paused, "Resume Cancel")]
    [InlineData(CampaignStatus.Completed, "")]
    [InlineData(CampaignStatus.Cancelled, "")]
    public void The_page_shows_the_buttons_of_the_companys_steps_from_the_status(string status, string buttons) =>
        string.Join(" ", CampaignLifecycle.ActionsFor(status)).Should().Be(buttons);

    [Fact]
    public void A_button_posts_the_value_that_names_its_step_and_nothing_else_names_a_step()
    {
        foreach (var (action, step) in CampaignLifecycle.CompanySteps)
        {
            CampaignLifecycle.StepFor(CampaignLifecycle.FormValue(action)).Should().Be(step);
            CampaignLifecycle.ActorOf(step).Should().Be(CampaignActor.Company);
        }

        CampaignLifecycle.FormValue(CampaignAction.Pause).Should().Be("pause");
        CampaignLifecycle.StepFor("edit").Should().BeNull();
        CampaignLifecycle.StepFor("Pause").Should().BeNull();
        CampaignLifecycle.StepFor(null).Should().BeNull();
    }

    [Fact]
    public void The_groups_of_statuses_are_what_the_engine_and_the_page_select_by()
    {
        CampaignLifecycle.Running.Should().Equal(CampaignStatus.Scheduled, CampaignStatus.Sending);
        CampaignLifecycle.Ended.Should().Equal(CampaignStatus.Completed, CampaignStatus.Cancelled);
        CampaignLifecycle.AwaitingCompany.Should().Equal(CampaignStatus.Draft, CampaignStatus.NeedsAttention);
        CampaignStatus.All.Where(CampaignLifecycle.IsEditable).Should().Equal(CampaignStatus.Draft, CampaignStatus.NeedsAttention);
        CampaignStatus.All.Where(CampaignLifecycle.IsAtRest).Should().BeEquivalentTo(
            [CampaignStatus.Draft, CampaignStatus.Completed, CampaignStatus.Cancelled, CampaignStatus.NeedsAttention]);
        CampaignLifecycle.From(CampaignStep.Revoke).Should().BeEquivalentTo([CampaignStatus.Scheduled, CampaignStatus.Sending, CampaignStatus.Paused]);
        CampaignLifecycle.To(CampaignStep.Complete).Should().Be(CampaignStatus.Completed);
        FluentActions.Invoking(() => CampaignLifecycle.To(CampaignStep.Resume)).Should().Throw<InvalidOperationException>();
    }

    [Theory]
    [InlineData(false, false, CampaignStatus.Scheduled)]
    [InlineData(true, false, CampaignStatus.Scheduled)]
    [InlineData(true, true, CampaignStatus.Sending)]
    public void Resuming_goes_on_sending_only_a_campaign_that_had_started(bool prepared, bool started, string status) =>
        CampaignLifecycle.ScheduleTarget(prepared, started).Should().Be(status);
}

/// <summary>The message states SQL uses are the enum's, name for name and number for number.</summary>
public sealed class MessageStateSqlTests
{
    private static readonly Dictionary<string, string> SqlConstants = typeof(MessageStateSql)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f is { IsLiteral: true } && f.Name != nameof(MessageStateSql.FirstFinal))
        .ToDictionary(f => f.Name, f => (string)f.GetRawConstantValue()!);

    [Fact]
    public void Every_state_has_its_SQL_constant_with_the_stored_number_and_no_other_constant_exists()
    {
        var states = Enum.GetValues<MessageState>().ToDictionary(s => s.ToString(), s => ((short)s).ToString(System.Globalization.CultureInfo.InvariantCulture));
        SqlConstants.Should().Equal(states);
    }

    [Fact]
    public void The_first_final_state_is_delivered_and_every_state_from_it_on_is_final()
    {
        MessageStateSql.FirstFinal.Should().Be(((short)MessageState.Delivered).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Enum.GetValues<MessageState>().Where(s => (short)s >= (short)MessageState.Delivered).Should().BeEquivalentTo(
            [MessageState.Delivered, MessageState.Failed, MessageState.Expired, MessageState.Suppressed, MessageState.Unknown]);
    }

    [Theory]
    [InlineData("Queued", "queued")]
    [InlineData("Submitting", "sending")]
    [InlineData("Submitted", "submitted")]
    [InlineData("Delivered", "delivered")]
    [InlineData("Failed", "failed")]
    [InlineData("Expired", "expired")]
    [InlineData("Suppressed", "suppressed")]
    [InlineData("Unknown", "unknown")]
    public void The_send_API_names_each_state(string state, string name) =>
        ApiJson.StatusName((short)Enum.Parse<MessageState>(state)).Should().Be(name);
}
