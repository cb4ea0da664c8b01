using System.Net;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using Platform.Modules.Shared;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration;

public sealed class CarrierPagesTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    [Fact]
    public async Task The_admin_sees_each_carrier_instance_live()
    {
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var sent = await scope.ServiceProvider.GetRequiredService<IMediator>().Send(new SendSms("+15550100100", "+15551230042", "counted"));
            sent.Accepted.Should().BeTrue();
        }

        var admin = await factory.LoginAsync(PlatformFactory.AdminEmail, PlatformFactory.AdminPassword);
        var (status, body) = await admin.GetAsync("/Admin/Carriers");

        status.Should().Be(HttpStatusCode.OK);
        body.Should().Contain("data-instance=\"simulator\"");
        body.Should().MatchRegex("<td>simulator</td>\\s*<td>yes</td>", "the simulator is connected");
        body.Should().MatchRegex("<td>[1-9][0-9]*</td>\\s*<td>0</td>", "the message sent above is counted as sent, none failed");
        body.Should().Contain("simulator").And.Contain("smpp");
    }

    [Fact]
    public async Task A_company_user_cannot_open_the_carriers_page()
    {
        var owner = await factory.RegisterCompanyAsync("Carrier Snoop", "snoop@example.com");
        var response = await owner.Http.GetAsync("/Admin/Carriers");
        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        response.Headers.Location!.ToString().Should().Contain("AccessDenied");
    }

    [Fact]
    public async Task The_simulator_page_sends_as_a_handset_and_shows_what_it_received()
    {
        var handset = factory.CreateFormClient();
        var bad = await handset.PostFormAsync("/Simulator", new() { ["Input.From"] = "12", ["Input.To"] = "+15550100100", ["Input.Text"] = "HELLO" });
        bad.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await bad.Content.ReadAsStringAsync()).Should().Contain("international format");

        var sent = await handset.PostFormAsync("/Simulator", new() { ["Input.From"] = "+15551230055", ["Input.To"] = "+15550100100", ["Input.Text"] = "HELLO" });
        WebUtility.HtmlDecode(await sent.Content.ReadAsStringAsync()).Should().Contain("Sent \"HELLO\" from +15551230055");

        await using (var scope = factory.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<IMediator>().Send(new SendSms("+15550100100", "+15551230055", "Reply to the handset"));
        }

        (await handset.GetAsync("/Simulator?from=%2B15551230055")).Body.Should().Contain("Reply to the handset");
    }
}
