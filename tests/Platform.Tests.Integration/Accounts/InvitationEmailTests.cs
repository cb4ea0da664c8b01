using System.Net;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Accounts;

/// <summary>An Owner's invitation is emailed (issue #17): over real SMTP, with a link on the configured address, that works.</summary>
public sealed class InvitationEmailTests(MailPlatformFactory factory) : IClassFixture<MailPlatformFactory>
{
    [Fact]
    public async Task The_invited_person_gets_the_invitation_by_email_and_joins_through_its_link()
    {
        var company = $"Invite Pizza {Guid.NewGuid():N}";
        var invitee = $"{Guid.NewGuid():N}@member.example";
        var owner = await factory.RegisterCompanyAsync(company, $"{Guid.NewGuid():N}@owner.example");
        owner.Http.DefaultRequestHeaders.Host = "attacker.example";

        var invite = await owner.PostFormAsync("/Accounts/Team", new() { ["Input.Email"] = invitee, ["Input.Role"] = "Member" });

        (await invite.Content.ReadAsStringAsync()).Should().Contain($"Invitation emailed to <strong>{invitee}</strong>")
            .And.Contain($"{MailPlatformFactory.PublicBaseUrl}/Accounts/AcceptInvitation?token=").And.NotContain("attacker.example");
        var message = await factory.Smtp.WaitForAsync(m => m.To.Mailboxes.Any(b => b.Address == invitee));
        message.Subject.Should().Be($"Ada Lovelace invited you to {company} on Platform");
        message.TextBody.Should().Contain("as a Member").And.NotContain("attacker.example");
        var link = MailPlatformFactory.LinkIn(message, "/Accounts/AcceptInvitation");
        var token = Uri.UnescapeDataString(link[(link.IndexOf("token=", StringComparison.Ordinal) + 6)..]);

        var member = factory.CreateFormClient();
        (await member.GetAsync(link)).Body.Should().Contain(company);
        var accepted = await member.PostFormAsync(link, new(PlatformFactory.InvitationAcceptanceForm(token)) { ["Input.AcceptTerms"] = "true" });

        accepted.StatusCode.Should().Be(HttpStatusCode.Redirect, WebUtility.HtmlDecode(await accepted.Content.ReadAsStringAsync()));
        (await factory.Database.ScalarAsync<string>("SELECT c.name FROM accounts.users u JOIN accounts.companies c ON c.id = u.company_id WHERE u.email = @e", ("e", invitee)))
            .Should().Be(company);
    }

    [Fact]
    public async Task Inviting_an_address_that_has_an_account_answers_the_same_and_tells_its_holder()
    {
        var existing = $"{Guid.NewGuid():N}@taken.example";
        await factory.RegisterCompanyAsync($"Taken Pizza {Guid.NewGuid():N}", existing);
        var owner = await factory.RegisterCompanyAsync($"Inviter Pizza {Guid.NewGuid():N}", $"{Guid.NewGuid():N}@owner.example");

        var invite = await owner.PostFormAsync("/Accounts/Team", new() { ["Input.Email"] = existing, ["Input.Role"] = "Member" });

        // The Owner sees what any invitation shows: no "already has an account" (issue #15).
        invite.StatusCode.Should().Be(HttpStatusCode.OK);
        var page = await invite.Content.ReadAsStringAsync();
        page.Should().Contain($"Invitation emailed to <strong>{existing}</strong>").And.NotContain("already has an account");
        var notice = await factory.Smtp.WaitForAsync(m => m.To.Mailboxes.Any(b => b.Address == existing) && m.Subject?.StartsWith("Ada Lovelace tried", StringComparison.Ordinal) == true);
        notice.Subject.Should().StartWith("Ada Lovelace tried to add you to");
        notice.TextBody.Should().Contain("already has a Platform account");

        // The link the Owner was shown cannot make a second account for the address, and says nothing about it.
        var token = Uri.UnescapeDataString(WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(page, "AcceptInvitation\\?token=([^\"&<]+)").Groups[1].Value));
        var accepted = await factory.CreateFormClient().PostFormAsync($"/Accounts/AcceptInvitation?token={Uri.EscapeDataString(token)}",
            new(PlatformFactory.InvitationAcceptanceForm(token)) { ["Input.AcceptTerms"] = "true" });
        accepted.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await accepted.Content.ReadAsStringAsync()).Should().Contain("This invitation link is not valid any more").And.NotContain("already exists");
    }
}
