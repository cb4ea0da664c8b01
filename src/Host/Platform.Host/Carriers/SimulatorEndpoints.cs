using Microsoft.AspNetCore.Mvc;
using Platform.Carriers.Simulator;
using Platform.Modules.Shared;

namespace Platform.Host.Carriers;

/// <summary>
/// Development and test endpoints around the simulator carrier (only when Platform:Simulator:DevEndpoints
/// is on): inject a message as if a handset had texted the platform, and read what a handset received.
/// </summary>
internal static class SimulatorEndpoints
{
    public const int MaxTextLength = 1600;

    /// <summary>The longest address an SMS carries (SMPP 3.4's destination_addr): a longer 'to' is no platform number, and was logged whole.</summary>
    internal const int MaxAddressLength = 21;

    internal sealed record InboundRequest(string? From, string? To, string? Text);

    internal sealed record OutboxItem(string From, string To, string Text, DateTimeOffset At);

    public static IEndpointRouteBuilder MapSimulator(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/simulator").AllowAnonymous().DisableAntiforgery();
        group.MapPost("/inbound", InjectAsync).RequireRateLimiting(RateLimitPolicies.Inbound);
        group.MapGet("/outbox", (string? to, SimulatorNetwork network) =>
        {
            if (!PhoneNumbers.TryNormalizeE164(to, out var handset))
            {
                return Results.Problem(title: "The request is not valid.", detail: "Give ?to= as a number in E.164, for example +15551230001.", statusCode: 400);
            }

            return Results.Ok(network.ReceivedBy(handset).Select(m => new OutboxItem(WithPlus(m.From), WithPlus(m.To), m.Text, m.At)));
        });
        return endpoints;
    }

    private static async Task<IResult> InjectAsync([FromBody] InboundRequest? request, SimulatorNetwork network, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (!PhoneNumbers.TryNormalizeE164(request?.From, out var from))
        {
            errors["from"] = ["The sender must be a number in E.164, for example +15551230001."];
        }

        if (string.IsNullOrWhiteSpace(request?.To))
        {
            errors["to"] = ["Give the platform number the message was sent to."];
        }
        else if (request!.To!.Trim().Length > MaxAddressLength)
        {
            errors["to"] = [$"A platform number has at most {MaxAddressLength} characters."];
        }

        if (request?.Text is null)
        {
            errors["text"] = ["Give the text of the message (it may be empty)."];
        }
        else if (request.Text.Length > MaxTextLength)
        {
            errors["text"] = [$"A message can have at most {MaxTextLength} characters."];
        }

        if (errors.Count > 0)
        {
            return Results.ValidationProblem(errors);
        }

        var delivered = await network.InjectInboundAsync(from, request!.To!.Trim(), request.Text!, cancellationToken: cancellationToken);
        return delivered
            ? Results.Accepted()
            : Results.Problem(title: "No simulator carrier is running.", detail: "Configure an instance of kind 'simulator' under Platform:Carriers.", statusCode: 503);
    }

    /// <summary>International digits as E.164 ("+" added); an alphanumeric Sender ID ("WALKBAKERY") or a short code as the handset shows it.</summary>
    private static string WithPlus(string number) =>
        number.Length >= 8 && number.All(char.IsAsciiDigit) ? "+" + number : number;
}
