using System.Net;
using MediatR;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Platform.Modules.Accounts.Contracts;
using Platform.Modules.OptIns.Contracts;
using Platform.Modules.Privacy.Contracts;
using Platform.Tests.Integration.Infrastructure;
using Platform.Tests.Integration.OptIns;
using static Platform.Tests.Integration.Privacy.PrivacyTestKit;

namespace Platform.Tests.Integration.Privacy;

/// <summary>Admins: k-anonymous statistics, visitor analytics, the disclosures register, audited staff views.</summary>
public sealed class AdminPrivacyTests(OptInsFactory factory) : IClassFixture<OptInsFactory>
{
    private const string SecondAdminEmail = "admin2@test.local";

    [Fact]
    public async Task Statistics_never_identify_a_single_person_and_a_filter_that_would_isolate_one_is_refused()
    {
        await factory.CompanyWithKeywordAsync("Stats Pizza", "STATPZ");
        for (var i = 0; i < 6; i++)
        {
            await SubscriberAsync(factory, "STATPZ", $"stat{i}", gender: "Female", country: "Iceland");
        }

        await SubscriberAsync(factory, "STATPZ", "lonely", gender: "Male", country: "Iceland");

        var everyone = await factory.SendAsync(new GetSubscriberStatistics(new StatisticsFilter()));
        everyone.People.Should().Be(7);
        everyone.Genders.Single(c => c.Label == "Male").Count.Should().BeNull("one man is fewer than 5 people");
        everyone.Genders.Single(c => c.Label == "Female").Count.Should().BeNull("otherwise 7 − 6 would reveal the hidden cell");

        // Crafted filters that would single out the one man, directly or by difference with the total.
        (await factory.SendAsync(new GetSubscriberStatistics(new StatisticsFilter(Gender: "Male")))).Refused.Should().NotBeNull();
        (await factory.SendAsync(new GetSubscriberStatistics(new StatisticsFilter(Gender: "Female")))).Refused.Should().NotBeNull("7 people minus 6 Female is one person");
        (await factory.SendAsync(new GetSubscriberStatistics(new StatisticsFilter(Gender: "Female", Country: "iceland")))).Refused.Should().NotBeNull();
        var iceland = await factory.SendAsync(new GetSubscriberStatistics(new StatisticsFilter(Country: "iceland")));
        iceland.Refused.Should().BeNull("everyone is in Iceland: nobody is singled out");
        iceland.Genders.Single(c => c.Label == "Male").Count.Should().BeNull();
        iceland.AgeBands.Single(c => c.Label == "31-40").Count.Should().Be(7);
        iceland.HoursOfDay.Where(c => c.Count is > 0).Should().OnlyContain(c => c.Count >= GetSubscriberStatistics.MinimumCell);

        var admin = await factory.LoginAsync(PlatformFactory.AdminEmail, PlatformFactory.AdminPassword);
        var (status, page) = await admin.GetAsync("/Admin/Privacy?Gender=Male");
        status.Should().Be(HttpStatusCode.OK);
        page.Should().Contain("id=\"refused\"");
        var (_, all) = await admin.GetAsync("/Admin/Privacy");
        WebUtility.HtmlDecode(all).Should().Contain("<tr data-cell=\"Male\"><td>Male</td><td class=\"text-end\">< 5</td></tr>");
        (await factory.CreateFormClient().Http.GetAsync("/Admin/Privacy")).StatusCode.Should().Be(HttpStatusCode.Redirect, "admins only");
    }

    [Fact]
    public async Task Visitors_are_counted_without_cookies_and_with_the_IP_address_truncated_before_storage()
    {
        var response = await factory.Server.SendAsync(context =>
        {
            context.Request.Method = "GET";
            context.Request.Scheme = "https";
            context.Request.Host = new Microsoft.AspNetCore.Http.HostString("localhost");
            context.Request.Path = "/privacy";
            context.Request.Headers.UserAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0";
            context.Request.Headers.Referer = "https://news.example.org/story?who=someone@example.com";
            context.Connection.RemoteIpAddress = IPAddress.Parse("203.0.113.77");
        });
        var v6 = await factory.Server.SendAsync(context =>
        {
            context.Request.Method = "GET";
            context.Request.Scheme = "https";
            context.Request.Host = new Microsoft.AspNetCore.Http.HostString("localhost");
            context.Request.Path = "/privacy";
            context.Request.Headers.UserAgent = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1";
            context.Connection.RemoteIpAddress = IPAddress.Parse("2001:db8:abcd:12:34:56:78:9a");
        });
        response.Response.StatusCode.Should().Be(200);
        response.Response.Headers.SetCookie.ToString().Should().NotContain("visit", "no cookie is used for analytics");
        await factory.Services.GetRequiredService<IPageViewRecorder>().FlushAsync(CancellationToken.None);

        (await factory.Database.ScalarAsync<string>("SELECT network_prefix FROM privacy.page_view_counts WHERE browser = 'Firefox'")).Should().Be("203.0.113.0/24");
        (await factory.Database.ScalarAsync<string>("SELECT network_prefix FROM privacy.page_view_counts WHERE browser = 'Safari'")).Should().Be("2001:db8:abcd::/48");
        (await factory.Database.ScalarAsync<string>("SELECT operating_system || '|' || referrer_host || '|' || path FROM privacy.page_view_counts WHERE browser = 'Firefox'"))
            .Should().Be("Windows|news.example.org|/Privacy");
        (await FindEverywhereAsync(factory.Database, "203.0.113.77")).Should().BeEmpty("the full address is never stored");
        (await FindEverywhereAsync(factory.Database, "someone@example.com")).Should().BeEmpty("only the referrer's host is kept");

        var admin = await factory.LoginAsync(PlatformFactory.AdminEmail, PlatformFactory.AdminPassword);
        (await admin.GetAsync("/Admin/Privacy")).Body.Should().Contain("news.example.org").And.Contain("Firefox").And.Contain("iOS");
    }

    [Fact]
    public async Task A_legal_disclosure_needs_a_second_admin_cannot_be_edited_and_every_staff_view_is_audited()
    {
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<IMediator>().Send(new EnsurePlatformAdmin(SecondAdminEmail, PlatformFactory.AdminPassword, TestAdmins.AuthenticatorKey));
        }

        await factory.CompanyWithKeywordAsync("Court Pizza", "COURTPZ");
        var person = await SubscriberAsync(factory, "COURTPZ", "court");
        var first = await factory.LoginAsync(PlatformFactory.AdminEmail, PlatformFactory.AdminPassword);
        var second = await factory.LoginAsync(SecondAdminEmail, PlatformFactory.AdminPassword);
        var reference = $"ORDER-{Random.Shared.Next(10000, 99999)}";

        var invalid = await first.PostFormAsync("/Admin/Privacy/Disclosures", new() { ["Input.Authority"] = "" });
        invalid.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await invalid.Content.ReadAsStringAsync()).Should().Contain("Name the authority that asks");

        var recorded = await first.PostFormAsync("/Admin/Privacy/Disclosures", new()
        {
            ["Input.Authority"] = "District Court of Testing",
            ["Input.Reference"] = reference,
            ["Input.LegalBasis"] = "Court order under section 1 of the Testing Act",
            ["Input.DataRequested"] = "Opt-in history",
            ["Input.SubjectContact"] = person.Handset,
            ["Input.ReceivedOn"] = "2026-11-20",
        });
        recorded.StatusCode.Should().Be(HttpStatusCode.Redirect);
        var id = (await factory.Database.ScalarAsync<string>("SELECT id::text FROM privacy.disclosures WHERE reference = @r", ("r", reference)))!;

        var early = await first.PostFormAsync("/Admin/Privacy/Disclosures", new() { ["id"] = id }, handler: "Export");
        early.Content.Headers.ContentType?.MediaType.Should().NotBe("application/json", "nothing is exported before a second admin approves");
        var self = await first.PostFormAsync("/Admin/Privacy/Disclosures", new() { ["id"] = id }, handler: "Approve");
        self.StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM privacy.disclosure_approvals WHERE disclosure_id = @d::uuid", ("d", id))).Should().Be(0, "the recording admin cannot approve");

        var approved = await second.PostFormAsync("/Admin/Privacy/Disclosures", new() { ["id"] = id }, handler: "Approve");
        approved.StatusCode.Should().Be(HttpStatusCode.Redirect);
        var export = await first.PostFormAsync("/Admin/Privacy/Disclosures", new() { ["id"] = id }, handler: "Export");
        export.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        (await export.Content.ReadAsStringAsync()).Should().Contain(person.Code);

        var edit = async () => await factory.Database.ExecuteAsync($"UPDATE privacy.disclosures SET reference = 'changed' WHERE id = '{id}'");
        await edit.Should().ThrowAsync<Npgsql.PostgresException>("the register cannot be edited afterwards");
        var delete = async () => await factory.Database.ExecuteAsync($"DELETE FROM privacy.disclosures WHERE id = '{id}'");
        await delete.Should().ThrowAsync<Npgsql.PostgresException>();

        // A staff view without a reason shows nothing; with one it is shown and recorded: who, whose, when, why.
        var noReason = await second.PostFormAsync("/Admin/Privacy/Person", new() { ["EmailOrPhone"] = person.Email, ["Reason"] = "" });
        (await noReason.Content.ReadAsStringAsync()).Should().NotContain("id=\"data\"");
        var viewed = await second.PostFormAsync("/Admin/Privacy/Person", new() { ["EmailOrPhone"] = person.Email, ["Reason"] = "Support ticket 4711" });
        WebUtility.HtmlDecode(await viewed.Content.ReadAsStringAsync()).Should().Contain("id=\"data\"").And.Contain(person.FirstName);
        var secondId = await factory.Database.ScalarAsync<Guid>("SELECT id FROM accounts.users WHERE email = @e", ("e", SecondAdminEmail));
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM privacy.staff_accesses WHERE staff_user_id = @s AND reason = 'Support ticket 4711' AND subject_kind = 'Subscriber'", ("s", secondId)))
            .Should().Be(1);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM privacy.staff_accesses WHERE reason LIKE @r", ("r", $"Legal disclosure {reference}%")))
            .Should().Be(1, "the export for the disclosure is audited too");
    }
}
