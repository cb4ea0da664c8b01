using System.Net;
using System.Net.Http;
using System.Net.Sockets;

namespace Platform.Modules.Campaigns.Features.Api;

/// <summary>
/// Keeps webhook posts off the platform's own network (server-side request forgery): a company chooses the URL, so
/// without this it could make the platform post to the cloud metadata service (169.254.169.254), the database host or
/// anything else on a private network. The address is checked when the connection is made, after DNS — which whoever
/// owns the domain controls and can change after the URL was saved — and only public addresses are dialled.
/// <c>Platform:Campaigns:Api:AllowPrivateWebhookAddresses</c> turns the check off (Development, tests with a local receiver).
/// </summary>
internal static class WebhookAddresses
{
    public const string Refusal = "The webhook URL must point to a public internet address, not a private or local one.";

    /// <summary>True for an address on the public internet; false for loopback, private, link-local, shared (CGNAT), multicast and reserved ranges.</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address))
        {
            return false;
        }

        var b = address.GetAddressBytes();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return !(b[0] is 0 or 10 or 127 or >= 224                 // "this network", private, loopback, multicast and reserved
                || (b[0] == 100 && (b[1] & 0xC0) == 64)                 // 100.64.0.0/10 shared address space (CGNAT)
                || (b[0] == 169 && b[1] == 254)                         // link-local, cloud metadata services
                || (b[0] == 172 && (b[1] & 0xF0) == 16)                 // 172.16.0.0/12 private
                || (b[0] == 192 && b[1] == 168)                         // 192.168.0.0/16 private
                || (b[0] == 192 && b[1] == 0 && b[2] == 0)              // 192.0.0.0/24 protocol assignments
                || (b[0] == 198 && (b[1] & 0xFE) == 18));               // 198.18.0.0/15 benchmarking
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        if (address.Equals(IPAddress.IPv6Any) || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6UniqueLocal)
        {
            return false;
        }

        // NAT64 (64:ff9b::/96) carries an IPv4 address in its last four bytes: judge that one.
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0)
        {
            return IsPublic(new IPAddress(b.AsSpan(12, 4)));
        }

        return true;
    }

    /// <summary>Why the saved URL's host is refused before any DNS lookup (an address or a local name), or null.</summary>
    public static string? Problem(Uri uri)
    {
        var host = uri.IdnHost.Trim('[', ']');
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            return Refusal;
        }

        return IPAddress.TryParse(host, out var address) && !IsPublic(address) ? Refusal : null;
    }

    /// <summary>The webhook client's connect step: resolve, keep the public addresses, dial one of them.</summary>
    public static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        var allowed = addresses.Where(IsPublic).ToArray();
        if (allowed.Length == 0)
        {
            throw new HttpRequestException($"{host} has no public internet address; webhooks are posted to public addresses only.");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
