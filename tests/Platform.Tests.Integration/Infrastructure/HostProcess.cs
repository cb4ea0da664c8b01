using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Platform.Tests.Integration.Infrastructure;

/// <summary>
/// The built host started as a real process on a free loopback port, exactly as it runs in production:
/// Kestrel, its own Hangfire server, its own migrations at start-up. Used for the cluster and browser tests.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private HostProcess(Process process, string baseUrl, string instanceName)
    {
        this.process = process;
        BaseUrl = baseUrl;
        InstanceName = instanceName;
    }

    public string BaseUrl { get; }

    public string InstanceName { get; }

    /// <summary>The host's process id, which names it in <c>campaigns.campaign_runs.node</c> (machine:pid).</summary>
    public int ProcessId => process.Id;

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Platform.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Cannot find Platform.sln above the test output.");
    }

    public static HostProcess Start(string connectionString, string instanceName, IDictionary<string, string>? settings = null)
    {
        var root = RepositoryRoot();
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var hostDirectory = Path.Combine(root, "src", "Host", "Platform.Host");
        var dll = Path.Combine(hostDirectory, "bin", configuration, "net10.0", "Platform.Host.dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"Build the host first: {dll} is missing.");
        }

        var port = FreePort();
        var baseUrl = $"http://localhost:{port}";
        var start = new ProcessStartInfo("dotnet", $"\"{dll}\"")
        {
            WorkingDirectory = hostDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_URLS"] = baseUrl;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        start.Environment["ConnectionStrings__Platform"] = connectionString;
        start.Environment["Platform__Jobs__ServerName"] = instanceName;
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["Platform__Security__AllowHttp"] = "true";
        // "{BaseUrl}" in a setting is this host's own address (the port is only known here), e.g. for a fake on the host itself.
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value.Replace("{BaseUrl}", baseUrl, StringComparison.Ordinal);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the host.");
        var host = new HostProcess(process, baseUrl, instanceName);
        process.OutputDataReceived += (_, e) => host.Append(e.Data);
        process.ErrorDataReceived += (_, e) => host.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    /// <summary>A browser-like form client for this host over plain HTTP: cookies kept (Secure ones too), redirects not followed.</summary>
    public FormClient CreateFormClient() =>
        new(new HttpClient(new CookieJar { InnerHandler = new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false } })
        {
            BaseAddress = new Uri(BaseUrl),
        });

    /// <summary>Waits until /healthz answers 200, or fails with the host's own output.</summary>
    public Task WaitUntilHealthyAsync(TimeSpan timeout) =>
        WaitForHealthAsync(status => status == HttpStatusCode.OK, timeout, "was not healthy");

    /// <summary>Waits until /healthz answers, and answers something else than 200: the host noticed a fault and says so
    /// (a probe that hangs does not count).</summary>
    public Task WaitUntilUnhealthyAsync(TimeSpan timeout) =>
        WaitForHealthAsync(status => status is { } answered && answered != HttpStatusCode.OK, timeout, "still reported healthy");

    /// <summary>Polls /healthz until <paramref name="reached"/> holds for its status (null: no answer within 10 s).</summary>
    private async Task WaitForHealthAsync(Func<HttpStatusCode?, bool> reached, TimeSpan timeout, string failure)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"Host {InstanceName} exited with {process.ExitCode}:\n{Output}");
            }

            HttpStatusCode? status = null;
            try
            {
                using var response = await http.GetAsync($"{BaseUrl}/healthz");
                status = response.StatusCode;
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
            }

            if (reached(status))
            {
                return;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"Host {InstanceName} {failure} within {timeout}:\n{Output}");
    }

    public bool HasExited => process.HasExited;

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>SIGKILL: the process gets no chance to finish anything (no graceful shutdown, no unbind).</summary>
    public async Task KillAsync()
    {
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }
}
