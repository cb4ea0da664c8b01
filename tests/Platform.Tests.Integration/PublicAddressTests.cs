using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration;

/// <summary>In Production, with no AllowedHosts configured, the host answers only its public address's host (issue #15).</summary>
public sealed class PublicAddressTests(PublicAddressTests.ProductionFactory factory) : IClassFixture<PublicAddressTests.ProductionFactory>
{
    [Fact]
    public async Task A_request_for_another_host_is_refused_and_the_public_host_is_served()
    {
        using var client = factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://platform.test"), AllowAutoRedirect = false });

        (await client.GetAsync("/healthz")).StatusCode.Should().NotBe(HttpStatusCode.BadRequest);
        using var hostile = new HttpRequestMessage(HttpMethod.Get, "/Accounts/Login");
        hostile.Headers.Host = "attacker.example";
        (await client.SendAsync(hostile)).StatusCode.Should().Be(HttpStatusCode.BadRequest, "host filtering refuses a Host the platform is not");
    }

    public sealed class ProductionFactory : PlatformFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
        {
            ["Platform:PublicBaseUrl"] = "https://platform.test",
        };

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseEnvironment("Production");
        }
    }
}
