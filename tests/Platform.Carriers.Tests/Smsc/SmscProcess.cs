using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Threading.Channels;

namespace Platform.Carriers.Tests.Smsc;

/// <summary>
/// Runs the npm "smpp" SMSC (tests/Platform.Carriers.Tests/smsc/smsc.js) as a real peer on 127.0.0.1 and talks to it
/// over its stdin/stdout control channel. Shared by the tests and the SMPP benchmark (linked source).
/// </summary>
internal sealed class SmscProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _replies = Channel.CreateUnbounded<string>();
    private readonly SemaphoreSlim _commandLock = new(1, 1);
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SmscProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary>CPU time the Node process has used so far (user + system).</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    public static async Task<SmscProcess> StartAsync()
    {
        var directory = FindSmscDirectory();
        await NodeModules.EnsureAsync(directory, "smpp").ConfigureAwait(false);
        var port = FreePort();
        var start = new ProcessStartInfo("node", ["smsc.js", port.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            WorkingDirectory = directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");
        var smsc = new SmscProcess(process, port);
        process.OutputDataReceived += (_, e) => smsc.OnOutput(e.Data);
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var started = await Task.WhenAny(smsc._listening.Task, Task.Delay(TimeSpan.FromSeconds(20))).ConfigureAwait(false);
        if (started != smsc._listening.Task)
        {
            await smsc.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"The SMSC did not start listening on port {port} within 20 s.");
        }
        return smsc;
    }

    /// <summary>Sends one control command and returns its reply line ("OK cmd", "STATS {...}" or "ERR ...").</summary>
    public async Task<string> CommandAsync(object command)
    {
        await _commandLock.WaitAsync().ConfigureAwait(false);
        try
        {
            await _process.StandardInput.WriteLineAsync(JsonSerializer.Serialize(command)).ConfigureAwait(false);
            await _process.StandardInput.FlushAsync().ConfigureAwait(false);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            return await _replies.Reader.ReadAsync(timeout.Token).ConfigureAwait(false);
        }
        finally
        {
            _commandLock.Release();
        }
    }

    public async Task<JsonElement> StatsAsync()
    {
        var reply = await CommandAsync(new { cmd = "stats" }).ConfigureAwait(false);
        if (!reply.StartsWith("STATS ", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Unexpected reply to stats: {reply}");
        }
        return JsonDocument.Parse(reply["STATS ".Length..]).RootElement.Clone();
    }

    /// <summary>For the receipts answered since the last reset: how many, and the median, 99th percentile and largest time
    /// in ms from the SMSC sending each deliver_sm to the client's deliver_sm_resp (sent once the client stored it).</summary>
    public async Task<(int Count, double P50, double P99, double Max)> ReceiptLagsAsync()
    {
        var reply = await CommandAsync(new { cmd = "lags" }).ConfigureAwait(false);
        if (!reply.StartsWith("LAGS ", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Unexpected reply to lags: {reply}");
        }
        var json = JsonDocument.Parse(reply["LAGS ".Length..]).RootElement;
        return (json.GetProperty("count").GetInt32(), json.GetProperty("p50").GetDouble(), json.GetProperty("p99").GetDouble(), json.GetProperty("max").GetDouble());
    }

    /// <summary>Polls the SMSC's stats until <paramref name="condition"/> holds; throws with the last stats when
    /// <paramref name="patience"/> runs out (an upper bound: a condition that holds returns at once).</summary>
    public async Task<JsonElement> WaitForStatsAsync(string what, Func<JsonElement, bool> condition, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        JsonElement stats;
        do
        {
            stats = await StatsAsync().ConfigureAwait(false);
            if (condition(stats))
            {
                return stats;
            }

            await Task.Delay(50).ConfigureAwait(false);
        }
        while (DateTime.UtcNow < deadline);

        throw new TimeoutException($"The SMSC did not see {what} within {patience.TotalSeconds:0} s: {stats}");
    }

    /// <summary>The destination of every submit_sm the SMSC received since its last reset, in arrival order.</summary>
    public async Task<IReadOnlyList<string>> ReceivedAsync()
    {
        var reply = await CommandAsync(new { cmd = "received" }).ConfigureAwait(false);
        if (!reply.StartsWith("RECEIVED ", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Unexpected reply to received: {reply}");
        }
        return JsonSerializer.Deserialize<List<string>>(reply["RECEIVED ".Length..])!;
    }

    /// <summary>How many submit_sm the SMSC received since its last reset, for how many destinations, and each destination
    /// it received more than once with its count (the SMSC's own log: a handset that got a message twice).</summary>
    public async Task<(int Received, int Distinct, IReadOnlyDictionary<string, int> Twice)> DuplicatesAsync()
    {
        var reply = await CommandAsync(new { cmd = "duplicates" }).ConfigureAwait(false);
        if (!reply.StartsWith("DUPLICATES ", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Unexpected reply to duplicates: {reply}");
        }
        var json = JsonDocument.Parse(reply["DUPLICATES ".Length..]).RootElement;
        var twice = json.GetProperty("twice").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        return (json.GetProperty("received").GetInt32(), json.GetProperty("distinct").GetInt32(), twice);
    }

    public async Task ExpectOkAsync(object command)
    {
        var reply = await CommandAsync(command).ConfigureAwait(false);
        if (!reply.StartsWith("OK ", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The SMSC refused {JsonSerializer.Serialize(command)}: {reply}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
        _process.Dispose();
        _commandLock.Dispose();
    }

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            return;
        }
        if (line.StartsWith("LISTENING", StringComparison.Ordinal))
        {
            _listening.TrySetResult();
        }
        else if (line.StartsWith("OK ", StringComparison.Ordinal) || line.StartsWith("STATS ", StringComparison.Ordinal) || line.StartsWith("ERR", StringComparison.Ordinal)
            || line.StartsWith("RECEIVED ", StringComparison.Ordinal) || line.StartsWith("DUPLICATES ", StringComparison.Ordinal) || line.StartsWith("LAGS ", StringComparison.Ordinal))
        {
            _replies.Writer.TryWrite(line);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FindSmscDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "tests", "Platform.Carriers.Tests", "smsc");
            if (File.Exists(Path.Combine(candidate, "smsc.js")))
            {
                return candidate;
            }
        }
        throw new InvalidOperationException("Could not find tests/Platform.Carriers.Tests/smsc/smsc.js above " + AppContext.BaseDirectory);
    }
}
