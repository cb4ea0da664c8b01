using System.Net;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>The send API with a rate of 3 requests per second per key.</summary>
public sealed class ApiRateLimitFactory : SendingFactory
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Platform:Campaigns:Api:RequestsPerSecond"] = "3",
    };
}

public sealed class ApiRateLimitTests(ApiRateLimitFactory factory) : IClassFixture<ApiRateLimitFactory>
{
    [Fact]
    public async Task Requests_over_the_keys_rate_get_429_problem_details_and_another_key_is_not_affected()
    {
        var (owner, _) = await factory.CompanyAsync("Api Rate Pizza");
        var busy = await ApiFactory.CreateKeyAsync(owner, "Busy");
        var calm = await ApiFactory.CreateKeyAsync(owner, "Calm");
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", busy);

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 8; i++)
        {
            var response = await client.GetAsync($"/api/v1/messages/{Guid.NewGuid()}");
            statuses.Add(response.StatusCode);
            limited = response.StatusCode == HttpStatusCode.TooManyRequests ? response : limited;
        }

        statuses.Should().Contain(HttpStatusCode.TooManyRequests).And.Contain(HttpStatusCode.NotFound);
        limited!.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        (await ApiFactory.ReadAsync(limited)).GetProperty("detail").GetString().Should().Contain("3 requests per second");

        using var other = factory.CreateClient();
        other.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", calm);
        (await other.GetAsync($"/api/v1/messages/{Guid.NewGuid()}")).StatusCode.Should().Be(HttpStatusCode.NotFound, "the limit is per key");
    }
}
