using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Platform.Carriers.Http;

/// <summary>
/// The webhook signature: header <c>X-Platform-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256&gt;</c>, where the
/// HMAC is computed with the instance's <c>WebhookSecret</c> over the UTF-8 bytes of <c>"&lt;t&gt;."</c> followed by the raw
/// request body. A signature older or newer than <see cref="Tolerance"/> is refused (replay protection). Several
/// <c>v1=</c> entries are allowed (one matching is enough), so a sender can sign with an old and a new secret while
/// rotating.
/// </summary>
internal static class WebhookSignature
{
    public const string HeaderName = "X-Platform-Signature";

    public static TimeSpan Tolerance { get; } = TimeSpan.FromSeconds(300);

    /// <summary>Signs <paramref name="body"/> at <paramref name="timestamp"/>: the header value a sender puts in <see cref="HeaderName"/>.</summary>
    public static string Sign(string secret, DateTimeOffset timestamp, ReadOnlySpan<byte> body)
    {
        var t = timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"t={t},v1={Convert.ToHexStringLower(Compute(secret, t, body))}";
    }

    /// <summary>Checks <paramref name="header"/> against <paramref name="body"/>; null when valid, else why not (safe to
    /// show to the sender: it never contains the expected signature).</summary>
    public static string? Verify(string secret, string? header, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return $"the {HeaderName} header is missing.";
        }
        string? t = null;
        var signatures = new List<byte[]>();
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                return $"the {HeaderName} header is malformed: expected 't=<unix seconds>,v1=<hex HMAC-SHA256>'.";
            }
            var key = part[..equals];
            var value = part[(equals + 1)..];
            if (key == "t")
            {
                t = value;
            }
            else if (key == "v1")
            {
                if (value.Length != 64 || !value.All(char.IsAsciiHexDigit))
                {
                    return $"the {HeaderName} header is malformed: v1 must be 64 hexadecimal characters (HMAC-SHA256).";
                }
                signatures.Add(Convert.FromHexString(value));
            }
            // Other keys (future schemes) are ignored.
        }
        if (t is null || !long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var unixSeconds))
        {
            return $"the {HeaderName} header is malformed: it needs t=<unix seconds>.";
        }
        if (signatures.Count == 0)
        {
            return $"the {HeaderName} header is malformed: it needs v1=<hex HMAC-SHA256>.";
        }
        var age = now.ToUnixTimeSeconds() - unixSeconds;
        if (Math.Abs(age) > (long)Tolerance.TotalSeconds)
        {
            return $"the signature's timestamp is {Math.Abs(age)} s {(age > 0 ? "old" : "in the future")}; at most {Tolerance.TotalSeconds:0} s is accepted (check the sender's clock).";
        }
        var expected = Compute(secret, t, body);
        var match = false;
        foreach (var signature in signatures)
        {
            // Constant time, and every candidate is compared, so timing says nothing about which one (or how much) matched.
            match |= CryptographicOperations.FixedTimeEquals(expected, signature);
        }
        return match ? null : "the signature does not match (wrong WebhookSecret, or the body was changed).";
    }

    private static byte[] Compute(string secret, string t, ReadOnlySpan<byte> body)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret));
        hmac.AppendData(Encoding.UTF8.GetBytes(t + "."));
        hmac.AppendData(body);
        return hmac.GetHashAndReset();
    }
}
