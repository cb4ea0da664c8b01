using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Platform.Host.Carriers;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration;

/// <summary>
/// A partner's drop-in, end to end: the built sample plugin copied into a plugins folder, plus one built for
/// an incompatible SDK; the host starts, lists the first as loaded and the second as skipped, and can run an
/// instance of the plugin's carrier kind.
/// </summary>
public sealed class PluginDropInTests : IAsyncLifetime
{
    private readonly string pluginsRoot = Path.Combine(Path.GetTempPath(), $"platform-plugins-{Guid.NewGuid():N}");
    private PluginFactory factory = null!;

    private sealed class PluginFactory(string pluginsRoot) : PlatformFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
        {
            ["Platform:Carriers:PluginsPath"] = pluginsRoot,
        };
    }

    public async Task InitializeAsync()
    {
        var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        var built = Path.Combine(HostProcess.RepositoryRoot(), "samples", "Platform.Carriers.SamplePlugin", "bin", configuration, "net10.0");
        File.Exists(Path.Combine(built, "Platform.Carriers.SamplePlugin.dll")).Should().BeTrue($"the sample plugin is built by the solution build ({built})");

        var good = Directory.CreateDirectory(Path.Combine(pluginsRoot, "sample-echo")).FullName;
        File.Copy(Path.Combine(built, "Platform.Carriers.SamplePlugin.dll"), Path.Combine(good, "Platform.Carriers.SamplePlugin.dll"));
        File.Copy(Path.Combine(built, "plugin.json"), Path.Combine(good, "plugin.json"));

        var future = Directory.CreateDirectory(Path.Combine(pluginsRoot, "from-the-future")).FullName;
        File.Copy(Path.Combine(built, "Platform.Carriers.SamplePlugin.dll"), Path.Combine(future, "Platform.Carriers.SamplePlugin.dll"));
        await File.WriteAllTextAsync(Path.Combine(future, "plugin.json"),
            """{ "name": "from-the-future", "version": "9.0.0", "sdkVersion": "2.0", "assembly": "Platform.Carriers.SamplePlugin.dll" }""");

        factory = new PluginFactory(pluginsRoot);
        await factory.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await factory.DisposeAsync();
        Directory.Delete(pluginsRoot, recursive: true);
    }

    [Fact]
    public async Task The_admin_sees_the_plugin_loaded_the_incompatible_one_skipped_and_can_run_its_kind()
    {
        var admin = await factory.LoginAsync(PlatformFactory.AdminEmail, PlatformFactory.AdminPassword);

        var (status, page) = await admin.GetAsync("/Admin/Carriers");
        status.Should().Be(HttpStatusCode.OK);
        page.Should().Contain("sample-echo 1.0.0 (loaded)");
        page.Should().MatchRegex("from-the-future.*\\(skipped\\)");
        factory.Services.GetRequiredService<CarrierHost>().Kinds.Should().Contain("sample-echo");

        var saved = await admin.PostFormAsync("/Admin/Carriers", new()
        {
            ["Instance.Name"] = "echo",
            ["Instance.Kind"] = "sample-echo",
            ["Instance.Enabled"] = "true",
            ["Instance.MaxPerSecond"] = "0",
            ["Instance.MaxInFlight"] = "0",
            ["Instance.Settings"] = "",
        }, "SaveInstance");
        saved.StatusCode.Should().Be(HttpStatusCode.Redirect, WebUtility.HtmlDecode(await saved.Content.ReadAsStringAsync()));
        factory.Services.GetRequiredService<CarrierHost>().Instances.Single(i => i.Name == "echo").State.Connected.Should().BeTrue();
    }
}
