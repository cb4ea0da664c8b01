using System.Net;
using System.Net.Sockets;

namespace Platform.Tests.Integration.Infrastructure;

/// <summary>
/// A TCP proxy inside the test between the hosts and PostgreSQL, to stall the network: while stalled, connections stay
/// open but no byte passes in either direction and new connections are accepted but not connected through — what a
/// hung switch or a cloud network blip looks like to both ends (no reset, no FIN, just silence).
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener listener;
    private readonly IPEndPoint target;
    private readonly CancellationTokenSource stopping = new();
    private readonly List<TcpClient> connections = [];
    private readonly Task accepting;
    private TaskCompletionSource flowing = Completed();

    private TcpProxy(IPEndPoint target)
    {
        this.target = target;
        listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    public static TcpProxy Start(int targetPort) => new(new IPEndPoint(IPAddress.Loopback, targetPort));

    /// <summary>From now on nothing passes until <see cref="Resume"/>.</summary>
    public void Stall()
    {
        lock (connections)
        {
            if (flowing.Task.IsCompleted)
            {
                flowing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>Everything held back passes, in order.</summary>
    public void Resume()
    {
        lock (connections)
        {
            flowing.TrySetResult();
        }
    }

    private Task Flowing
    {
        get
        {
            lock (connections)
            {
                return flowing.Task;
            }
        }
    }

    private static TaskCompletionSource Completed()
    {
        var source = new TaskCompletionSource();
        source.SetResult();
        return source;
    }

    private async Task AcceptAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stopping.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var upstream = new TcpClient();
        try
        {
            await Flowing.WaitAsync(stopping.Token);
            await upstream.ConnectAsync(target, stopping.Token);
            lock (connections)
            {
                connections.Add(client);
                connections.Add(upstream);
            }

            using var done = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
            var up = PumpAsync(client.GetStream(), upstream.GetStream(), done.Token);
            var down = PumpAsync(upstream.GetStream(), client.GetStream(), done.Token);
            await Task.WhenAny(up, down);
            await done.CancelAsync();
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
        }
        finally
        {
            lock (connections)
            {
                connections.Remove(client);
                connections.Remove(upstream);
            }

            client.Dispose();
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReadAsync(buffer, cancellationToken);
                if (read == 0)
                {
                    return;
                }

                await Flowing.WaitAsync(cancellationToken);
                await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or ObjectDisposedException or SocketException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        listener.Stop();
        Resume();
        lock (connections)
        {
            foreach (var connection in connections)
            {
                connection.Dispose();
            }
        }

        await accepting;
        stopping.Dispose();
    }
}
