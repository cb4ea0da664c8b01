using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>
/// The sending host (simulator carrier, fast maintenance) with the send API's webhooks posted every second, to
/// receivers on loopback (private webhook addresses allowed; <see cref="PublicWebhookFactory"/> keeps the default).
/// </summary>
public partial class ApiFactory : SendingFactory
{
    protected virtual bool AllowPrivateWebhookAddresses => true;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Platform:Campaigns:Api:WebhookSeconds"] = "1",
        ["Platform:Campaigns:Api:WebhookBackoff"] = "00:00:01",
        ["Platform:Campaigns:Api:RequestsPerSecond"] = "1000",
        ["Platform:Campaigns:Api:AllowPrivateWebhookAddresses"] = AllowPrivateWebhookAddresses ? "true" : "false",
    };

    /// <summary>Creates a key on the keys page as the owner and returns it (read from the page that shows it once).</summary>
    public static async Task<string> CreateKeyAsync(FormClient owner, string name = "Order system")
    {
        var response = await owner.PostFormAsync("/Campaigns/ApiKeys", new() { ["Input.Name"] = name }, "Create");
        var html = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, html);
        var match = KeyPattern().Match(html);
        match.Success.Should().BeTrue("the new key is shown once on the page");
        return match.Value;
    }

    public HttpClient ApiClient(string? key)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost"), AllowAutoRedirect = false });
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static StringContent Json(object body) => Json(JsonSerializer.Serialize(body));

    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    /// <summary>Polls GET /api/v1/messages/{id} until the status is final (not queued, sending or submitted).</summary>
    public static async Task<JsonElement> WaitForFinalAsync(HttpClient api, string id, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        JsonElement message;
        do
        {
            var response = await api.GetAsync($"/api/v1/messages/{id}");
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            message = await ReadAsync(response);
            if (message.GetProperty("status").GetString() is not ("queued" or "sending" or "submitted"))
            {
                return message;
            }

            await Task.Delay(250);
        }
        while (DateTime.UtcNow < deadline);

        throw new TimeoutException($"Message {id} is still {message.GetProperty("status").GetString()}.");
    }

    [GeneratedRegex("plat_[0-9a-f]{10}_[A-Za-z0-9_-]{43}")]
    public static partial Regex KeyPattern();
}
