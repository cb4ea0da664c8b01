using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MimeKit;
using SmtpServer;
using SmtpServer.ComponentModel;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Platform.Tests.Integration.Infrastructure;

/// <summary>
/// A real SMTP server in the test process (the SmtpServer package) on a free loopback port: the host talks real SMTP to
/// it, and the test reads what arrived. <see cref="Answer"/> lets a test choose the server's reply to the message data
/// (refuse with 4xx/5xx, or hold the answer while the test kills the sender).
/// </summary>
public sealed class SmtpTestServer : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly ConcurrentQueue<MimeMessage> received = new();
    private readonly SemaphoreSlim arrived = new(0);
    private readonly Task running;

    private SmtpTestServer(int port)
    {
        Port = port;
        var options = new SmtpServerOptionsBuilder().ServerName("smtp.test.local").Port(port).Build();
        var services = new ServiceProvider();
        services.Add(new Store(this));
        running = new SmtpServer.SmtpServer(options, services).StartAsync(stop.Token);
    }

    public int Port { get; }

    /// <summary>Decides the reply to each message after it arrived (counted in <see cref="Received"/> either way); default 250.</summary>
    public Func<MimeMessage, Task<SmtpResponse>> Answer { get; set; } = _ => Task.FromResult(SmtpResponse.Ok);

    /// <summary>Every message whose data reached the server, in arrival order (refused ones included).</summary>
    public IReadOnlyList<MimeMessage> Received => [.. received];

    /// <summary>Settings that point the host at this server.</summary>
    public IDictionary<string, string?> HostSettings => new Dictionary<string, string?>
    {
        ["Platform:Mail:Host"] = "127.0.0.1",
        ["Platform:Mail:Port"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Platform:Mail:Security"] = "None",
        ["Platform:Mail:FromAddress"] = "no-reply@platform.test",
        ["Platform:Mail:FromName"] = "Platform",
    };

    public static SmtpTestServer Start()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return new SmtpTestServer(port);
    }

    /// <summary>Waits until a message matching <paramref name="match"/> has arrived; the timeout only bounds a failing test.</summary>
    public async Task<MimeMessage> WaitForAsync(Func<MimeMessage, bool> match, TimeSpan? timeout = null)
    {
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(90));
        while (true)
        {
            if (received.FirstOrDefault(match) is { } message)
            {
                return message;
            }

            try
            {
                await arrived.WaitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No matching email arrived; received: {string.Join(" | ", received.Select(m => $"{m.To} {m.Subject}"))}");
            }
        }
    }

    /// <summary>The messages sent to <paramref name="address"/>.</summary>
    public IReadOnlyList<MimeMessage> To(string address) =>
        [.. received.Where(m => m.To.Mailboxes.Any(b => string.Equals(b.Address, address, StringComparison.OrdinalIgnoreCase)))];

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        try
        {
            await running;
        }
        catch (OperationCanceledException)
        {
            // stopped
        }

        stop.Dispose();
        arrived.Dispose();
    }

    private sealed class Store(SmtpTestServer server) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            await using var stream = new MemoryStream(buffer.ToArray());
            var message = await MimeMessage.LoadAsync(stream, cancellationToken);
            server.received.Enqueue(message);
            server.arrived.Release();
            return await server.Answer(message);
        }
    }
}
