using System.Net;
using System.Text.RegularExpressions;
using Platform.Tests.Integration.Infrastructure;
using Platform.Tests.Integration.SenderIds;

namespace Platform.Tests.Integration.Accounts;

/// <summary>
/// Email notices (issue #17): a Sender ID decision and a new team member are emailed to the company's users, except to
/// whoever turned that notice off on /Accounts/Notices (and the new member about themselves).
/// </summary>
public sealed partial class NoticeTests(SenderIdsFactory factory) : IClassFixture<SenderIdsFactory>
{
    [Fact]
    public async Task A_Sender_ID_decision_and_a_new_member_are_emailed_to_the_users_who_want_them()
    {
        var ownerEmail = $"{Guid.NewGuid():N}@notices.example";
        var owner = await factory.RegisterCompanyAsync($"Notice Pizza {Guid.NewGuid():N}"[..30], ownerEmail);

        // A member joins through the invitation: the owner is told, the member is not told about themselves.
        var memberEmail = $"{Guid.NewGuid():N}@notices.example";
        var invite = await owner.PostFormAsync("/Accounts/Team", new() { ["Input.Email"] = memberEmail, ["Input.Role"] = "Member" });
        var token = Uri.UnescapeDataString(WebUtility.HtmlDecode(InvitationToken().Match(await invite.Content.ReadAsStringAsync()).Groups[1].Value));
        var joined = await factory.CreateFormClient().PostFormAsync($"/Accounts/AcceptInvitation?token={Uri.EscapeDataString(token)}",
            new(PlatformFactory.InvitationAcceptanceForm(token)) { ["Input.AcceptTerms"] = "true" });
        joined.StatusCode.Should().Be(HttpStatusCode.Redirect, WebUtility.HtmlDecode(await joined.Content.ReadAsStringAsync()));
        (await EmailsAsync("notice.invitation-accepted", ownerEmail)).Should().Be(1);
        (await EmailsAsync("notice.invitation-accepted", memberEmail)).Should().Be(0);

        // The member turns Sender ID decisions off; the page shows the choice back.
        var member = await factory.LoginAsync(memberEmail, "Teammate9Pass");
        var saved = await member.PostFormAsync("/Accounts/Notices", new() { ["Wanted[0]"] = "campaign-needs-attention", ["Wanted[1]"] = "sender-id-submitted" });
        saved.StatusCode.Should().Be(HttpStatusCode.Redirect);
        var (_, page) = await member.GetAsync("/Accounts/Notices");
        page.Should().MatchRegex("id=\"notice-sender-id-decided\"(?![^>]*checked)").And.MatchRegex("value=\"campaign-needs-attention\"[^>]*checked");

        var applicationId = await SenderIdsFactory.ApplyAsync(owner, "NOTICEPZ", "GB");
        await SenderIdsFactory.SubmitAsync(owner, applicationId);
        (await EmailsAsync("notice.sender-id-submitted", ownerEmail)).Should().Be(1);
        (await EmailsAsync("notice.sender-id-submitted", memberEmail)).Should().Be(1, "the member turned off decisions, not submissions");
        var decided = await SenderIdsFactory.DecideAsync(await factory.AdminAsync(), applicationId, "Reject", "The documents do not name the brand.");
        decided.StatusCode.Should().Be(HttpStatusCode.Redirect, WebUtility.HtmlDecode(await decided.Content.ReadAsStringAsync()));

        (await EmailsAsync("notice.sender-id-decided", ownerEmail)).Should().Be(1);
        (await factory.Database.ScalarAsync<string>("SELECT text_body FROM platform.emails WHERE kind = 'notice.sender-id-decided' AND to_address = @e", ("e", ownerEmail)))
            .Should().Contain("NOTICEPZ").And.Contain("The documents do not name the brand.").And.Contain("/SenderIds");
        (await EmailsAsync("notice.sender-id-decided", memberEmail)).Should().Be(0, "the member turned it off");
    }

    private async Task<long> EmailsAsync(string kind, string to) =>
        await factory.Database.ScalarAsync<long>("SELECT count(*) FROM platform.emails WHERE kind = @k AND to_address = @t", ("k", kind), ("t", to));

    [GeneratedRegex("AcceptInvitation\\?token=([^\"&<]+)")]
    private static partial Regex InvitationToken();
}
