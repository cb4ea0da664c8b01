using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Platform.Host.Infrastructure;
using Platform.Modules.Shared;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration;

public sealed class PlatformBasicsTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    [Fact]
    public async Task Healthz_reports_database_and_jobs()
    {
        var (status, body) = await factory.CreateFormClient().GetAsync("/healthz");

        status.Should().Be(HttpStatusCode.OK);
        using var json = JsonDocument.Parse(body);
        json.RootElement.GetProperty("status").GetString().Should().Be("Healthy");
        json.RootElement.GetProperty("checks").GetProperty("database").GetProperty("status").GetString().Should().Be("Healthy");
        json.RootElement.GetProperty("checks").GetProperty("jobs").GetProperty("description").GetString().Should().MatchRegex(@"^\d+ live Hangfire server\(s\)$|^No Hangfire server");
    }

    [Fact]
    public async Task Every_page_carries_the_security_headers()
    {
        var response = await factory.CreateFormClient().Http.GetAsync("/Accounts/Login");

        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        csp.Should().Contain("default-src 'self'").And.Contain("frame-ancestors 'none'").And.NotContain("unsafe-inline");
        response.Headers.GetValues("X-Content-Type-Options").Single().Should().Be("nosniff");
        response.Headers.GetValues("Referrer-Policy").Single().Should().Be("strict-origin-when-cross-origin");
        response.Headers.GetValues("X-Frame-Options").Single().Should().Be("DENY");
    }

    [Fact]
    public async Task HSTS_is_sent_outside_development()
    {
        // UseHsts leaves localhost out on purpose (a developer's browser would remember it), so ask as a real host name.
        var client = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://platform.example") });
        var response = await client.GetAsync("/");
        response.Headers.GetValues("Strict-Transport-Security").Single().Should().Contain("max-age=");
    }

    [Fact]
    public async Task An_unknown_page_is_a_friendly_404()
    {
        var (status, body) = await factory.CreateFormClient().GetAsync("/no/such/page");

        status.Should().Be(HttpStatusCode.NotFound);
        body.Should().Contain("Page not found");
    }

    [Fact]
    public async Task Migrations_were_applied_once_each_and_recorded_with_checksums()
    {
        var modules = factory.Services.GetServices<IModule>().ToList();
        var files = modules.Sum(m => ModuleMigrator.ReadMigrations(m).Count);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM platform.schema_migrations")).Should().Be(files);
        (await factory.Database.ScalarAsync<long>("SELECT count(DISTINCT module) FROM platform.schema_migrations")).Should().Be(modules.Count);
        foreach (var schema in ModuleRegistry.Modules.Select(m => m.Schema))
        {
            (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM information_schema.schemata WHERE schema_name = @s", ("s", schema)))
                .Should().Be(1, $"module schema {schema} exists");
        }
    }
}
