using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MediatR;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Platform.Modules.Shared;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration;

/// <summary>Records what the carrier layer publishes, to prove the host turns carrier callbacks into events.</summary>
public sealed class InboundRecorder : INotificationHandler<InboundSmsReceived>, INotificationHandler<DeliveryReceiptReceived>
{
    public static readonly ConcurrentQueue<InboundSmsReceived> Inbound = new();
    public static readonly ConcurrentQueue<DeliveryReceiptReceived> Receipts = new();

    public Task Handle(InboundSmsReceived notification, CancellationToken cancellationToken)
    {
        Inbound.Enqueue(notification);
        return Task.CompletedTask;
    }

    public Task Handle(DeliveryReceiptReceived notification, CancellationToken cancellationToken)
    {
        Receipts.Enqueue(notification);
        return Task.CompletedTask;
    }
}

public sealed class CarrierWiringTests : IClassFixture<PlatformFactory>
{
    private readonly Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> host;

    public CarrierWiringTests(PlatformFactory factory)
    {
        // The same host with a recorder of the events the carrier layer publishes.
        host = factory.WithWebHostBuilder(b => b.UseSetting("Platform:Jobs:ServerName", $"wiring-{Guid.NewGuid():N}").ConfigureTestServices(services =>
        {
            services.AddScoped<INotificationHandler<InboundSmsReceived>, InboundRecorder>();
            services.AddScoped<INotificationHandler<DeliveryReceiptReceived>, InboundRecorder>();
        }));
    }

    private HttpClient Client() => host.CreateClient();

    [Fact]
    public async Task A_message_injected_at_the_simulator_reaches_the_modules_as_an_event()
    {
        var client = Client();
        var response = await client.PostAsJsonAsync("/simulator/inbound", new { from = "+1 555 123 0001", to = "+15550100100", text = "PIZZA" });

        response.StatusCode.Should().Be(HttpStatusCode.Accepted);
        InboundRecorder.Inbound.Should().Contain(m => m.From == "+15551230001" && m.Text == "PIZZA" && m.CarrierInstance == "simulator");
    }

    [Fact]
    public async Task A_transactional_sms_goes_through_the_routed_carrier_to_the_handset_with_a_receipt()
    {
        var client = Client();
        await using var scope = host.Services.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<IMediator>().Send(new SendSms("+15550100100", "+15551230077", "Your code is ABC234"));

        result.Accepted.Should().BeTrue(result.Error);
        result.CarrierInstance.Should().Be("simulator");
        var outbox = await client.GetFromJsonAsync<JsonElement>("/simulator/outbox?to=%2B15551230077");
        outbox.EnumerateArray().Select(m => m.GetProperty("text").GetString()).Should().Contain("Your code is ABC234");
        outbox.EnumerateArray().Last().GetProperty("from").GetString().Should().Be("+15550100100");

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline && !InboundRecorder.Receipts.Any(r => r.CarrierMessageId == result.CarrierMessageId))
        {
            await Task.Delay(100);
        }

        InboundRecorder.Receipts.Should().Contain(r => r.CarrierMessageId == result.CarrierMessageId && r.Status == "Delivered");
    }

    [Fact]
    public async Task An_alphanumeric_sender_reaches_the_handset_as_the_name_not_as_a_number()
    {
        await using var scope = host.Services.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<IMediator>().Send(new SendSms("WALKBAKERY", "+15551230078", "Fresh bread at 7"));

        result.Accepted.Should().BeTrue(result.Error);
        var outbox = await Client().GetFromJsonAsync<JsonElement>("/simulator/outbox?to=%2B15551230078");
        outbox.EnumerateArray().Last().GetProperty("from").GetString().Should().Be("WALKBAKERY", "issue #20: it showed +WALKBAKERY");
    }

    [Theory]
    [InlineData("{\"from\":\"12345\",\"to\":\"+15550100100\",\"text\":\"HI\"}", "from")]
    [InlineData("{\"from\":\"+15551230001\",\"to\":\"\",\"text\":\"HI\"}", "to")]
    [InlineData("{\"from\":\"+15551230001\",\"to\":\"+15550100100\"}", "text")]
    public async Task Bad_simulator_input_gets_a_clear_400(string json, string field)
    {
        var response = await Client().PostAsync("/simulator/inbound", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).Should().Contain($"\"{field}\"");
    }

    [Fact]
    public async Task Text_over_1600_characters_and_malformed_json_are_refused()
    {
        var client = Client();
        (await client.PostAsJsonAsync("/simulator/inbound", new { from = "+15551230001", to = "+15550100100", text = new string('x', 1601) }))
            .StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await client.PostAsync("/simulator/inbound", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json")))
            .StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await client.GetAsync("/simulator/outbox?to=nobody")).StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }
}

public sealed class SendSmsBatchTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    [Fact]
    public async Task A_batch_gets_one_result_per_message_in_order()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var messages = new[]
        {
            new OutgoingSms(Guid.NewGuid(), "+15550100100", "+15551230101", "one"),
            new OutgoingSms(Guid.NewGuid(), "+15550100100", "+15551230115", "rejected by the simulator's rule for numbers ending in 15"),
            new OutgoingSms(Guid.NewGuid(), "+15550100100", "+15551230102", "three"),
        };

        var results = await scope.ServiceProvider.GetRequiredService<IMediator>().Send(new SendSmsBatch(messages));

        results.Should().HaveCount(3);
        results[0].Accepted.Should().BeTrue();
        results[1].Accepted.Should().BeFalse();
        results[2].Accepted.Should().BeTrue();
        results.Where(r => r.Accepted).Select(r => r.CarrierMessageId).Should().OnlyHaveUniqueItems();
    }
}
