using System.Net;
using Microsoft.AspNetCore.Http;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>The send API's host as in production: webhook URLs must reach public addresses (no SSRF into the platform's network).</summary>
public sealed class PublicWebhookFactory : ApiFactory
{
    protected override bool AllowPrivateWebhookAddresses => false;
}

public sealed class PublicWebhookTests(PublicWebhookFactory factory) : IClassFixture<PublicWebhookFactory>
{
    [Theory]
    [InlineData("https://169.254.169.254/latest/meta-data/")]
    [InlineData("https://10.0.0.7/hook")]
    [InlineData("https://192.168.1.20/hook")]
    [InlineData("https://localhost/hook")]
    [InlineData("https://[::1]/hook")]
    [InlineData("https://[::ffff:127.0.0.1]/hook")]
    public async Task A_webhook_URL_naming_a_private_or_local_address_is_refused_and_nothing_is_saved(string url)
    {
        var (owner, companyId) = await factory.CompanyAsync($"Ssrf Pizza {Guid.NewGuid():N}"[..20]);
        var response = await owner.PostFormAsync("/Campaigns/ApiKeys", new() { ["Hook.Url"] = url }, "Webhook");
        response.StatusCode.Should().Be(HttpStatusCode.OK, "the form is shown again with the message, not an error page");
        WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()).Should().Contain("must point to a public internet address");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.webhooks WHERE company_id = @c", ("c", companyId))).Should().Be(0);
    }

    [Fact]
    public async Task A_saved_webhook_whose_host_now_resolves_to_a_local_address_is_never_dialled_and_the_delivery_says_why()
    {
        // A receiver on loopback that counts posts: nothing may reach it.
        var posts = 0;
        await using var receiver = await HookReceiver.StartAsync(() =>
        {
            Interlocked.Increment(ref posts);
            return Results.Ok();
        });

        // As if the URL had passed when it was saved and its DNS name was pointed at the platform's own network since:
        // the row is written directly, past the form's check. The check that matters is the one at connection time.
        var (owner, companyId) = await factory.CompanyAsync("Rebind Pizza");
        await factory.Database.ExecuteAsync($"""
            INSERT INTO campaigns.webhooks (company_id, url, secret, created_at, updated_at)
            VALUES ('{companyId}', '{receiver.Url}', 'whsec_test', now(), now())
            """);

        using var api = factory.ApiClient(await ApiFactory.CreateKeyAsync(owner));
        var sent = await api.PostAsync("/api/v1/messages", ApiFactory.Json(new { from = "PLATFORM", to = "+447700900602", text = "Rebound" }));
        sent.StatusCode.Should().Be(HttpStatusCode.Accepted, await sent.Content.ReadAsStringAsync());

        string? error = null;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (error is null && DateTime.UtcNow < deadline)
        {
            error = await factory.Database.ScalarAsync<string>(
                "SELECT last_error FROM campaigns.webhook_deliveries WHERE company_id = @c AND last_error IS NOT NULL LIMIT 1", ("c", companyId));
            await Task.Delay(200);
        }

        error.Should().Contain("no public internet address");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.webhook_deliveries WHERE company_id = @c AND delivered_at IS NOT NULL", ("c", companyId)))
            .Should().Be(0);
        posts.Should().Be(0, "the platform never connected to the loopback receiver");
    }
}
