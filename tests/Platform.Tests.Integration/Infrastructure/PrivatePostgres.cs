using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Platform.Tests.Integration.Infrastructure;

/// <summary>
/// A PostgreSQL cluster of the test's own (initdb into a temporary folder, its own port), for tests that stop, restart
/// or stall the server: the shared server every other fixture uses is never touched. Uses the binaries of the local
/// installation ./test sets up; as root (CI) the server runs as the <c>postgres</c> user, since PostgreSQL refuses root.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private readonly string binaries;
    private readonly string dataDirectory;

    private PrivatePostgres(string binaries, string dataDirectory, int port)
    {
        this.binaries = binaries;
        this.dataDirectory = dataDirectory;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The server's maintenance database as the superuser (trust authentication on loopback only).</summary>
    public string ServerConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=false";

    public static async Task<PrivatePostgres> StartAsync()
    {
        var binaries = Directory.GetDirectories("/usr/lib/postgresql")
            .Select(d => Path.Combine(d, "bin"))
            .Where(d => File.Exists(Path.Combine(d, "initdb")))
            .OrderBy(d => Version.Parse(Path.GetFileName(Path.GetDirectoryName(d)!) + ".0"))
            .LastOrDefault() ?? throw new InvalidOperationException("No PostgreSQL installation under /usr/lib/postgresql (./test installs one).");
        var dataDirectory = Path.Combine(Path.GetTempPath(), $"platform-private-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dataDirectory);
        if (IsRoot)
        {
            await RunAsync("chown", $"postgres \"{dataDirectory}\"");
        }

        var server = new PrivatePostgres(binaries, dataDirectory, FreePort());
        await server.RunPostgresToolAsync("initdb", $"-D \"{dataDirectory}/data\" -U postgres -A trust --no-sync -E UTF8");
        await File.AppendAllTextAsync(Path.Combine(dataDirectory, "data", "postgresql.conf"), string.Join('\n',
            $"port = {server.Port}",
            "listen_addresses = '127.0.0.1'",
            $"unix_socket_directories = '{dataDirectory}'",
            "max_connections = 200",
            // Durability is not what these tests prove (a restart here is a clean or fast shutdown, never a power cut).
            "fsync = off",
            "synchronous_commit = off",
            "full_page_writes = off",
            string.Empty));
        if (IsRoot)
        {
            await RunAsync("chown", $"-R postgres \"{dataDirectory}\"");
        }

        await server.StartServerAsync();
        return server;
    }

    /// <summary>Starts the server (after <see cref="StopServerAsync"/>) and returns once it takes connections.</summary>
    public Task StartServerAsync() =>
        RunPostgresToolAsync("pg_ctl", $"-D \"{dataDirectory}/data\" -l \"{dataDirectory}/server.log\" -w -t 60 start");

    /// <summary>A fast shutdown, as an operator's restart does: every client connection is closed by the server.</summary>
    public Task StopServerAsync() =>
        RunPostgresToolAsync("pg_ctl", $"-D \"{dataDirectory}/data\" -m fast -w -t 60 stop");

    public string ServerLog => File.Exists(Path.Combine(dataDirectory, "server.log")) ? File.ReadAllText(Path.Combine(dataDirectory, "server.log")) : string.Empty;

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        try
        {
            await RunPostgresToolAsync("pg_ctl", $"-D \"{dataDirectory}/data\" -m immediate -w -t 30 stop");
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }

        Directory.Delete(dataDirectory, recursive: true);
    }

    private static bool IsRoot => Environment.UserName == "root";

    private Task RunPostgresToolAsync(string tool, string arguments) => IsRoot
        ? RunAsync("runuser", $"-u postgres -- \"{Path.Combine(binaries, tool)}\" {arguments}")
        : RunAsync(Path.Combine(binaries, tool), arguments);

    private static async Task RunAsync(string fileName, string arguments)
    {
        var start = new ProcessStartInfo(fileName, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{fileName} {arguments} exited with {process.ExitCode}: {await output}{await error}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
