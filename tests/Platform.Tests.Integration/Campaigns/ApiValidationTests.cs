using System.Net;
using System.Text.Json;

namespace Platform.Tests.Integration.Campaigns;

public sealed class ApiValidationTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private async Task<(HttpClient Api, Guid CompanyId)> ApiAsync(string company)
    {
        var (owner, companyId) = await factory.CompanyAsync(company);
        return (factory.ApiClient(await ApiFactory.CreateKeyAsync(owner)), companyId);
    }

    private Task<long> CampaignsAsync(Guid companyId) =>
        factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.campaigns WHERE company_id = @c", ("c", companyId));

    [Fact]
    public async Task A_batch_of_1001_is_refused_clearly_and_nothing_is_stored()
    {
        var (api, companyId) = await ApiAsync("Api Big Pizza");
        var messages = Enumerable.Range(0, 1001).Select(i => new { to = $"+4477009{i:D5}", text = "Hi" }).ToArray();

        var response = await api.PostAsync("/api/v1/messages", ApiFactory.Json(new { from = "PLATFORM", messages }));

        response.StatusCode.Should().Be(HttpStatusCode.UnprocessableEntity);
        var problem = await ApiFactory.ReadAsync(response);
        problem.GetProperty("errors").GetProperty("messages")[0].GetString().Should().Contain("at most 1000");
        (await CampaignsAsync(companyId)).Should().Be(0);
    }

    [Fact]
    public async Task Bad_numbers_and_texts_get_field_errors_and_nothing_is_stored()
    {
        var (api, companyId) = await ApiAsync("Api Fields Pizza");
        var response = await api.PostAsync("/api/v1/messages", ApiFactory.Json(new
        {
            from = "PLATFORM",
            messages = new[]
            {
                new { to = "07700900123", text = "Not E.164" },
                new { to = "+44 7700 900124", text = "Spaces" },
                new { to = "+447700900125", text = "" },
                new { to = "+447700900126", text = new string('a', 1601) },
                new { to = "+447700900127", text = new string('a', 1600) },
            },
        }));

        response.StatusCode.Should().Be(HttpStatusCode.UnprocessableEntity);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var errors = (await ApiFactory.ReadAsync(response)).GetProperty("errors");
        errors.GetProperty("messages[0].to")[0].GetString().Should().Contain("E.164");
        errors.GetProperty("messages[1].to")[0].GetString().Should().Contain("+447700900124");
        errors.GetProperty("messages[2].text")[0].GetString().Should().Contain("empty");
        errors.GetProperty("messages[3].text")[0].GetString().Should().Contain("1601");
        errors.TryGetProperty("messages[4].text", out _).Should().BeFalse("1,600 characters are allowed");
        (await CampaignsAsync(companyId)).Should().Be(0);
    }

    [Theory]
    [InlineData("{\"from\":\"PLATFORM\",\"to\":\"+447700900130\",", "body")]
    [InlineData("{\"from\":\"PLATFORM\",\"to\":447700900130,\"text\":\"Hi\"}", "to")]
    [InlineData("{\"from\":\"PLATFORM\",\"to\":\"+447700900130\",\"text\":\"Hi\",\"marketing\":\"yes\"}", "marketing")]
    [InlineData("{\"from\":\"PLATFORM\",\"too\":\"+447700900130\",\"text\":\"Hi\"}", "too")]
    [InlineData("[1,2,3]", "body")]
    [InlineData("null", "body")]
    public async Task Malformed_json_and_wrong_types_are_400_never_500(string json, string field)
    {
        var (api, companyId) = await ApiAsync($"Api Json Pizza {Guid.NewGuid():N}");

        var response = await api.PostAsync("/api/v1/messages", ApiFactory.Json(json));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest, await response.Content.ReadAsStringAsync());
        var problem = await ApiFactory.ReadAsync(response);
        problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).Should().Contain(field);
        (await CampaignsAsync(companyId)).Should().Be(0);
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_415_and_a_sender_id_the_company_may_not_use_is_422()
    {
        var (api, companyId) = await ApiAsync("Api Sender Pizza");
        var text = await api.PostAsync("/api/v1/messages", new StringContent("to=+447700900140&text=hi", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"));
        text.StatusCode.Should().Be(HttpStatusCode.UnsupportedMediaType);

        var spoof = await api.PostAsync("/api/v1/messages", ApiFactory.Json(new { from = "BANK", to = "+447700900140", text = "Your account" }));
        spoof.StatusCode.Should().Be(HttpStatusCode.UnprocessableEntity);
        (await ApiFactory.ReadAsync(spoof)).GetProperty("errors").GetProperty("from")[0].GetString().Should().Contain("not an approved Sender ID");
        (await CampaignsAsync(companyId)).Should().Be(0);
    }

    [Fact]
    public async Task A_replayed_idempotency_key_returns_the_same_answer_and_with_another_body_is_refused()
    {
        var (api, companyId) = await ApiAsync("Api Idem Pizza");
        var body = "{\"from\":\"PLATFORM\",\"to\":\"+447700900150\",\"text\":\"Once only\"}";
        HttpRequestMessage Request(string json) => new(HttpMethod.Post, "/api/v1/messages") { Content = ApiFactory.Json(json), Headers = { { "Idempotency-Key", "order-42" } } };

        var first = await api.SendAsync(Request(body));
        first.StatusCode.Should().Be(HttpStatusCode.Accepted);
        var firstBody = await first.Content.ReadAsStringAsync();

        var again = await api.SendAsync(Request(body));
        again.StatusCode.Should().Be(HttpStatusCode.Accepted);
        (await again.Content.ReadAsStringAsync()).Should().Be(firstBody);
        again.Headers.GetValues("Idempotent-Replayed").Should().Contain("true");

        var other = await api.SendAsync(Request(body.Replace("Once only", "Twice")));
        other.StatusCode.Should().Be(HttpStatusCode.UnprocessableEntity);
        (await ApiFactory.ReadAsync(other)).GetProperty("title").GetString().Should().Contain("different body");

        (await CampaignsAsync(companyId)).Should().Be(1);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.messages WHERE company_id = @c", ("c", companyId))).Should().Be(1, "the retry made no second message");

        // The key belongs to the company: another company may use the same key for its own request.
        var (otherApi, _) = await ApiAsync("Api Idem Other Pizza");
        var theirs = await otherApi.SendAsync(Request(body));
        theirs.StatusCode.Should().Be(HttpStatusCode.Accepted);
        (await theirs.Content.ReadAsStringAsync()).Should().NotBe(firstBody);
    }

    [Fact]
    public async Task Insufficient_credits_is_402_and_nothing_is_left_behind()
    {
        var (api, companyId) = await ApiAsync("Api Broke Pizza");
        for (var i = 0; i < 40 && await factory.Database.ScalarAsync<long>("SELECT count(*) FROM billing.credit_accounts WHERE company_id = @c", ("c", companyId)) == 0; i++)
        {
            await Task.Delay(250); // the trial credits arrive with the company's registration event
        }

        await factory.Database.ExecuteAsync($"UPDATE billing.credit_accounts SET available = 0 WHERE company_id = '{companyId}'");

        var response = await api.PostAsync("/api/v1/messages", ApiFactory.Json(new { from = "PLATFORM", to = "+447700900160", text = "No credits" }));

        response.StatusCode.Should().Be(HttpStatusCode.PaymentRequired, await response.Content.ReadAsStringAsync());
        (await ApiFactory.ReadAsync(response)).GetProperty("detail").GetString().Should().Contain("Nothing was sent");
        (await CampaignsAsync(companyId)).Should().Be(0);
    }

    [Fact]
    public async Task The_openapi_document_describes_the_real_endpoints_and_the_error_schema()
    {
        var response = await factory.ApiClient(null).GetAsync("/api/v1/openapi.json");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var document = await ApiFactory.ReadAsync(response);

        document.GetProperty("openapi").GetString().Should().StartWith("3.");
        var paths = document.GetProperty("paths");
        var post = paths.GetProperty("/api/v1/messages").GetProperty("post");
        post.GetProperty("responses").EnumerateObject().Select(r => r.Name).Should().Contain(["202", "400", "401", "402", "409", "422", "429"]);
        post.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _).Should().BeTrue();
        var get = paths.GetProperty("/api/v1/messages/{id}").GetProperty("get");
        get.GetProperty("responses").EnumerateObject().Select(r => r.Name).Should().Contain(["200", "401", "404"]);
        paths.EnumerateObject().Select(p => p.Name).Should().OnlyContain(p => p.StartsWith("/api/v1/"), "pages are not part of the API document");

        var schemas = document.GetProperty("components").GetProperty("schemas");
        schemas.GetProperty("ProblemDetails").GetProperty("properties").EnumerateObject().Select(p => p.Name).Should().Contain(["type", "title", "status", "detail"]);
        var send = schemas.GetProperty("SendMessagesBody").GetProperty("properties").EnumerateObject().Select(p => p.Name).ToList();
        send.Should().BeEquivalentTo(["from", "to", "text", "marketing", "messages"]);

        // The documented response fields are the ones a real answer has.
        var (api, _) = await ApiAsync("Api Doc Pizza");
        var real = await ApiFactory.ReadAsync(await api.PostAsync("/api/v1/messages", ApiFactory.Json(new { from = "PLATFORM", to = "+447700900170", text = "Doc" })));
        var documented = schemas.GetProperty("SendMessagesResponse").GetProperty("properties").EnumerateObject().Select(p => p.Name);
        real.EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo(documented);
        var item = schemas.GetProperty("AcceptedMessage").GetProperty("properties").EnumerateObject().Select(p => p.Name);
        real.GetProperty("messages")[0].EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo(item);
    }
}
