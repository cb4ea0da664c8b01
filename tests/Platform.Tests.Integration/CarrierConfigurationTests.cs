using System.Net;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using Platform.Host.Carriers;
using Platform.Modules.Shared;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration;

/// <summary>An admin configures carrier instances and routes on the Carriers page; a fresh host (database) each.</summary>
public sealed class CarrierConfigurationTests : IAsyncLifetime
{
    private readonly PlatformFactory factory = new();
    private FormClient admin = null!;

    public async Task InitializeAsync()
    {
        await factory.InitializeAsync();
        admin = await factory.LoginAsync(PlatformFactory.AdminEmail, PlatformFactory.AdminPassword);
    }

    public async Task DisposeAsync() => await factory.DisposeAsync();

    private CarrierHost Carriers => factory.Services.GetRequiredService<CarrierHost>();

    private async Task<SendSmsResult> SendAsync(string to)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(new SendSms("+15550100100", to, "hello"));
    }

    private Task<HttpResponseMessage> SaveInstanceAsync(string name, string kind, string settings, string rate = "0", string inFlight = "0") =>
        admin.PostFormAsync("/Admin/Carriers", new()
        {
            ["Instance.Name"] = name,
            ["Instance.Kind"] = kind,
            ["Instance.Enabled"] = "true",
            ["Instance.MaxPerSecond"] = rate,
            ["Instance.MaxInFlight"] = inFlight,
            ["Instance.Settings"] = settings,
        }, "SaveInstance");

    [Fact]
    public async Task The_demo_simulator_is_seeded_from_configuration_once()
    {
        Carriers.Configuration.Instances.Should().ContainSingle(i => i.Name == "simulator" && i.Kind == "simulator");
        Carriers.Configuration.Routes.Should().ContainSingle(r => r.Instance == "simulator");
        (await factory.Database.ScalarAsync<bool>("SELECT seeded FROM platform.carrier_configuration")).Should().BeTrue();
    }

    [Fact]
    public async Task A_second_simulator_instance_and_a_longer_prefix_route_take_the_traffic_for_that_prefix()
    {
        (await SaveInstanceAsync("simulator-uk", "simulator", "ReceiptDelayMs=50", rate: "500", inFlight: "10")).StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await admin.PostFormAsync("/Admin/Carriers", new() { ["Route.Prefix"] = "+44", ["Route.Instance"] = "simulator-uk", ["Route.Priority"] = "10" }, "AddRoute"))
            .StatusCode.Should().Be(HttpStatusCode.Redirect);

        (await SendAsync("+447700900123")).CarrierInstance.Should().Be("simulator-uk");
        (await SendAsync("+15551230001")).CarrierInstance.Should().Be("simulator");

        var (_, page) = await admin.GetAsync("/Admin/Carriers");
        page.Should().Contain("data-instance=\"simulator-uk\"").And.Contain("500/s cluster").And.Contain("10 in flight");
    }

    [Fact]
    public async Task Failover_goes_to_the_next_route_when_a_carrier_is_down()
    {
        // An SMPP instance pointing at a port nobody listens on: configured, but never connected.
        (await SaveInstanceAsync("smpp-down", "smpp", "Host=127.0.0.1\nPort=1\nSystemId=nobody\nPassword=secret1")).StatusCode.Should().Be(HttpStatusCode.Redirect);
        await admin.PostFormAsync("/Admin/Carriers", new() { ["Route.Prefix"] = "+1555", ["Route.Instance"] = "smpp-down", ["Route.Priority"] = "1" }, "AddRoute");
        await admin.PostFormAsync("/Admin/Carriers", new() { ["Route.Prefix"] = "+1555", ["Route.Instance"] = "simulator", ["Route.Priority"] = "2" }, "AddRoute");

        var result = await SendAsync("+15551230001");

        result.Accepted.Should().BeTrue(result.Error);
        result.CarrierInstance.Should().Be("simulator", "the SMPP carrier is down, so its route fails over");
        var (_, page) = await admin.GetAsync("/Admin/Carriers?edit=smpp-down");
        page.Should().Contain("Password=********").And.NotContain("secret1", "secrets are never shown back");
    }

    [Fact]
    public async Task A_destination_without_a_route_is_refused_with_a_reason()
    {
        var routeId = Carriers.Configuration.Routes.Single().Id;
        (await admin.PostFormAsync("/Admin/Carriers", new() { ["id"] = routeId.ToString() }, "DeleteRoute")).StatusCode.Should().Be(HttpStatusCode.Redirect);

        var result = await SendAsync("+15551230001");

        result.Accepted.Should().BeFalse();
        result.Error.Should().Contain("no carrier route");
    }

    [Theory]
    [InlineData("Bad Name!", "simulator", "ReceiptDelayMs=10", "Use 2–40 lower-case letters")]
    [InlineData("pigeon", "carrier-pigeon", "", "Choose an installed kind")]
    [InlineData("smpp-bad", "smpp", "Port=notanumber", "Port")]
    [InlineData("sim-bad", "simulator", "this line has no equals sign", "is not Key=Value")]
    public async Task Bad_carrier_configuration_gets_a_clear_message_and_changes_nothing(string name, string kind, string settings, string message)
    {
        var versionBefore = await factory.Database.ScalarAsync<long>("SELECT version FROM platform.carrier_configuration");

        var response = await SaveInstanceAsync(name, kind, settings);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()).Should().Contain(message);
        (await factory.Database.ScalarAsync<long>("SELECT version FROM platform.carrier_configuration")).Should().Be(versionBefore);
        Carriers.Instances.Should().NotContain(i => i.Name == name);
    }

    [Fact]
    public async Task A_bad_route_is_refused()
    {
        var response = await admin.PostFormAsync("/Admin/Carriers", new() { ["Route.Prefix"] = "44abc", ["Route.Instance"] = "nobody", ["Route.Priority"] = "1" }, "AddRoute");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()).Should().Contain("A prefix is + and up to 15 digits");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM platform.carrier_routes")).Should().Be(1);
    }
}
