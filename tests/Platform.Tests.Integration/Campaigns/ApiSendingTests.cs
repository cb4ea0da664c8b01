using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Platform.Tests.Integration.Campaigns;

public sealed class ApiSendingTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task One_message_and_a_batch_are_accepted_and_reach_their_final_states_through_the_simulator()
    {
        var (owner, companyId) = await factory.CompanyAsync("Api Send Pizza");
        using var api = factory.ApiClient(await ApiFactory.CreateKeyAsync(owner));

        var one = await api.PostAsync("/api/v1/messages", ApiFactory.Json(new { from = "PLATFORM", to = "+447700900101", text = "Your order is on its way" }));
        var oneBody = await one.Content.ReadAsStringAsync();
        one.StatusCode.Should().Be(HttpStatusCode.Accepted, oneBody);
        var single = JsonDocument.Parse(oneBody).RootElement.GetProperty("messages")[0];
        single.GetProperty("status").GetString().Should().Be("queued");
        single.GetProperty("segments").GetInt32().Should().Be(1);

        // Simulator: …13 gets a Failed receipt, …15 is refused at submit, others are delivered.
        var batch = await api.PostAsync("/api/v1/messages", ApiFactory.Json(new
        {
            from = "PLATFORM",
            messages = new[]
            {
                new { to = "+447700900201", text = "Batch one" },
                new { to = "+447700900213", text = "Batch two" },
                new { to = "+447700900215", text = "Batch three" },
                new { to = "+447700900202", text = new string('x', 161) },
            },
        }));
        var batchBody = await batch.Content.ReadAsStringAsync();
        batch.StatusCode.Should().Be(HttpStatusCode.Accepted, batchBody);
        var accepted = JsonDocument.Parse(batchBody).RootElement.GetProperty("messages").EnumerateArray().ToList();
        accepted.Should().HaveCount(4);
        accepted[3].GetProperty("segments").GetInt32().Should().Be(2);

        (await ApiFactory.WaitForFinalAsync(api, single.GetProperty("id").GetString()!, TimeSpan.FromSeconds(60))).GetProperty("status").GetString().Should().Be("delivered");
        var expected = new[] { "delivered", "failed", "failed", "delivered" };
        for (var i = 0; i < accepted.Count; i++)
        {
            var final = await ApiFactory.WaitForFinalAsync(api, accepted[i].GetProperty("id").GetString()!, TimeSpan.FromSeconds(60));
            final.GetProperty("status").GetString().Should().Be(expected[i], accepted[i].GetProperty("to").GetString());
            final.GetProperty("to").GetString().Should().Be(accepted[i].GetProperty("to").GetString());
            final.GetProperty("from").GetString().Should().Be("PLATFORM");
        }

        var (_, outbox) = await factory.CreateFormClient().GetAsync("/simulator/outbox?to=%2B447700900202");
        outbox.Should().Contain("xxxxxxxxxx", "each API message is sent with its own text");

        // The requests went to a hidden campaign (their lane's, ADR 40): not on the campaigns page, but its counters add up.
        (await owner.GetAsync("/Campaigns")).Body.Should().NotContain("API messages");
        (await factory.Database.ScalarAsync<long>("SELECT sum(targeted) FROM campaigns.campaigns WHERE company_id = @c AND kind = 'api'", ("c", companyId))).Should().Be(5);
        (await factory.Database.ScalarAsync<long>("SELECT COALESCE(sum(reserved_credits), 0) FROM campaigns.campaigns WHERE company_id = @c", ("c", companyId)))
            .Should().BePositive("credits are reserved for API messages as for campaigns");
    }

    [Fact]
    public async Task A_missing_malformed_unknown_or_revoked_key_gets_401_problem_details()
    {
        var (owner, _) = await factory.CompanyAsync("Api Key Pizza");
        var key = await ApiFactory.CreateKeyAsync(owner);
        var body = new { from = "PLATFORM", to = "+447700900301", text = "Hi" };

        foreach (var bad in new string?[] { null, "not-a-key", key[..^1] + (key[^1] == 'A' ? 'B' : 'A'), "plat_0123456789_" + new string('a', 43) })
        {
            using var client = factory.ApiClient(bad);
            var response = await client.PostAsync("/api/v1/messages", ApiFactory.Json(body));
            response.StatusCode.Should().Be(HttpStatusCode.Unauthorized, bad ?? "no key");
            response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
            response.Headers.WwwAuthenticate.Should().NotBeEmpty();
            (await ApiFactory.ReadAsync(response)).GetProperty("detail").GetString().Should().NotBeNullOrEmpty();
        }

        using var api = factory.ApiClient(key);
        (await api.PostAsync("/api/v1/messages", ApiFactory.Json(body))).StatusCode.Should().Be(HttpStatusCode.Accepted);
        var keyId = await factory.Database.ScalarAsync<Guid>("SELECT id FROM campaigns.api_keys WHERE prefix = @p", ("p", key.Substring(5, 10)));
        (await factory.Database.ScalarAsync<DateTime?>("SELECT last_used_at FROM campaigns.api_keys WHERE id = @id", ("id", keyId))).Should().NotBeNull();

        var revoke = await owner.PostFormAsync($"/Campaigns/ApiKeys?id={keyId}", new(), "Revoke");
        revoke.StatusCode.Should().Be(HttpStatusCode.Redirect);
        var revoked = await api.PostAsync("/api/v1/messages", ApiFactory.Json(body));
        revoked.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await ApiFactory.ReadAsync(revoked)).GetProperty("detail").GetString().Should().Contain("revoked");
        (await owner.GetAsync("/Campaigns/ApiKeys")).Body.Should().Contain("Revoked");
    }

    [Fact]
    public async Task A_key_revoked_on_one_node_is_refused_by_another_once_its_memory_of_keys_has_passed()
    {
        var (owner, _) = await factory.CompanyAsync("Api Two Nodes Pizza");
        var key = await ApiFactory.CreateKeyAsync(owner, "Two nodes");
        var keyId = await factory.Database.ScalarAsync<Guid>("SELECT id FROM campaigns.api_keys WHERE prefix = @p", ("p", key.Substring(5, 10)));
        await using var other = new Infrastructure.SecondNode(factory.Database, "second-api");
        using var here = factory.ApiClient(key);
        using var there = other.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost") });
        there.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        var nobody = $"/api/v1/messages/{Guid.CreateVersion7()}";
        (await there.GetAsync(nobody)).StatusCode.Should().Be(HttpStatusCode.NotFound, "the other node knows the key (and remembers it)");

        (await owner.PostFormAsync($"/Campaigns/ApiKeys?id={keyId}", new(), "Revoke")).StatusCode.Should().Be(HttpStatusCode.Redirect);
        var revoked = System.Diagnostics.Stopwatch.StartNew();
        (await here.GetAsync(nobody)).StatusCode.Should().Be(HttpStatusCode.Unauthorized, "the node that revoked it forgot it at once");

        // The other node remembered the key's row, read before the revocation, for at most its memory's lifetime; once
        // that has passed, its next request reads the row again, however slow the machine is.
        var lifetime = Platform.Modules.Campaigns.Features.Api.ApiKeyAuthenticator.Remembered;
        if (lifetime > revoked.Elapsed)
        {
            await Task.Delay(lifetime - revoked.Elapsed);
        }

        var refused = await there.GetAsync(nobody);
        refused.StatusCode.Should().Be(HttpStatusCode.Unauthorized, "no node keeps a revoked key longer than its memory of keys lasts");
        (await ApiFactory.ReadAsync(refused)).GetProperty("detail").GetString().Should().Contain("revoked");
    }

    [Fact]
    public async Task A_sender_id_revoked_is_refused_by_the_send_api_once_its_memory_of_sender_checks_has_passed()
    {
        var (owner, _) = await factory.CompanyAsync("Api Revoked Sender Pizza");
        using var api = factory.ApiClient(await ApiFactory.CreateKeyAsync(owner));
        var admin = await factory.LoginAsync(Infrastructure.PlatformFactory.AdminEmail, Infrastructure.PlatformFactory.AdminPassword);
        var sender = $"RV{Guid.NewGuid():N}"[..9].ToUpperInvariant();
        var application = await SenderIds.SenderIdsFactory.ApplyAsync(owner, sender, "GB");
        await SenderIds.SenderIdsFactory.SubmitAsync(owner, application);
        (await SenderIds.SenderIdsFactory.DecideAsync(admin, application, "Approve")).StatusCode.Should().Be(HttpStatusCode.Redirect);
        var sent = await api.PostAsync("/api/v1/messages", ApiFactory.Json(new { from = sender, to = "+447700900451", text = "Your table is ready" }));
        sent.StatusCode.Should().Be(HttpStatusCode.Accepted, await sent.Content.ReadAsStringAsync());

        (await SenderIds.SenderIdsFactory.DecideAsync(admin, application, "Revoke", "Used for phishing")).StatusCode.Should().Be(HttpStatusCode.Redirect);
        var revoked = System.Diagnostics.Stopwatch.StartNew();

        // The node remembered the company's Sender IDs, read before the revocation, for at most that memory's lifetime;
        // once it has passed, the next batch reads them again, however slow the machine is.
        var lifetime = Platform.Modules.Campaigns.Features.Api.SendChecksMemory.Short;
        if (lifetime > revoked.Elapsed)
        {
            await Task.Delay(lifetime - revoked.Elapsed);
        }

        var refused = await api.PostAsync("/api/v1/messages", ApiFactory.Json(new { from = sender, to = "+447700900452", text = "Your table is ready" }));
        refused.StatusCode.Should().Be(HttpStatusCode.UnprocessableEntity, "no node sends from a revoked Sender ID longer than its memory of sender checks lasts");
        (await ApiFactory.ReadAsync(refused)).GetProperty("errors").GetProperty("from")[0].GetString().Should().Contain($"{sender} is not an approved Sender ID");
    }

    [Fact]
    public async Task The_key_is_shown_once_and_only_its_hash_is_stored()
    {
        var (owner, companyId) = await factory.CompanyAsync("Api Hash Pizza");
        var key = await ApiFactory.CreateKeyAsync(owner, "Hash check");

        var stored = await factory.Database.ScalarAsync<byte[]>("SELECT key_hash FROM campaigns.api_keys WHERE company_id = @c", ("c", companyId));
        stored.Should().Equal(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.api_keys WHERE company_id = @c AND (name LIKE '%' || @k || '%' OR prefix = @k)", ("c", companyId), ("k", key)))
            .Should().Be(0, "the plain key is stored nowhere");
        var (_, page) = await owner.GetAsync("/Campaigns/ApiKeys");
        page.Should().Contain("Hash check").And.Contain(key.Substring(5, 10)).And.NotContain(key);
    }

    [Fact]
    public async Task Another_companys_message_id_is_404_and_an_id_that_is_not_a_uuid_too()
    {
        var (owner, _) = await factory.CompanyAsync("Api Mine Pizza");
        using var mine = factory.ApiClient(await ApiFactory.CreateKeyAsync(owner));
        var sent = await mine.PostAsync("/api/v1/messages", ApiFactory.Json(new { from = "PLATFORM", to = "+447700900401", text = "Mine" }));
        sent.StatusCode.Should().Be(HttpStatusCode.Accepted);
        var id = (await ApiFactory.ReadAsync(sent)).GetProperty("messages")[0].GetProperty("id").GetString();

        var (other, _) = await factory.CompanyAsync("Api Other Pizza");
        using var theirs = factory.ApiClient(await ApiFactory.CreateKeyAsync(other));
        var response = await theirs.GetAsync($"/api/v1/messages/{id}");
        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        (await theirs.GetAsync("/api/v1/messages/not-a-uuid")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await mine.GetAsync($"/api/v1/messages/{id}")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_suppressed_number_is_not_sent_and_says_so()
    {
        var (owner, companyId) = await factory.CompanyAsync("Api Stop Pizza");
        await factory.Database.ExecuteAsync($"INSERT INTO campaigns.suppressions (company_id, phone, reason, created_at) VALUES ('{companyId}', '+447700900501', 'opted-out', now())");
        using var api = factory.ApiClient(await ApiFactory.CreateKeyAsync(owner));

        var response = await api.PostAsync("/api/v1/messages", ApiFactory.Json(new { from = "PLATFORM", marketing = true, messages = new[] { new { to = "+447700900501", text = "Deal" } } }));

        response.StatusCode.Should().Be(HttpStatusCode.Accepted);
        var message = (await ApiFactory.ReadAsync(response)).GetProperty("messages")[0];
        message.GetProperty("status").GetString().Should().Be("suppressed");
        (await ApiFactory.WaitForFinalAsync(api, message.GetProperty("id").GetString()!, TimeSpan.FromSeconds(5))).GetProperty("status").GetString().Should().Be("suppressed");
        (await factory.CreateFormClient().GetAsync("/simulator/outbox?to=%2B447700900501")).Body.Should().NotContain("Deal");
    }
}
