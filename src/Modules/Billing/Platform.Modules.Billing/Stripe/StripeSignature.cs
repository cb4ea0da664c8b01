using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Platform.Modules.Billing.Stripe;

/// <summary>
/// Verifies Stripe's <c>Stripe-Signature</c> header (<c>t=…,v1=…[,v1=…]</c>): HMAC-SHA256 of <c>{t}.{payload}</c>
/// with the endpoint secret, hex, compared in constant time, and the timestamp within the tolerance.
/// </summary>
internal static class StripeSignature
{
    public static string? Verify(string? header, string payload, string secret, DateTimeOffset now, TimeSpan tolerance)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return "Missing Stripe-Signature header.";
        }

        long? timestamp = null;
        var signatures = new List<string>();
        foreach (var part in header.Split(','))
        {
            var pair = part.Split('=', 2);
            if (pair.Length != 2)
            {
                continue;
            }

            var key = pair[0].Trim();
            var value = pair[1].Trim();
            if (key == "t" && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var t))
            {
                timestamp = t;
            }
            else if (key == "v1")
            {
                signatures.Add(value);
            }
        }

        if (timestamp is null || signatures.Count == 0)
        {
            return "Malformed Stripe-Signature header: a timestamp (t) and at least one v1 signature are required.";
        }

        var age = now - DateTimeOffset.FromUnixTimeSeconds(timestamp.Value);
        if (age.Duration() > tolerance)
        {
            return $"Stripe-Signature timestamp is outside the {tolerance.TotalSeconds:0}-second tolerance.";
        }

        var expected = Compute(secret, timestamp.Value, payload);
        foreach (var signature in signatures)
        {
            byte[] actual;
            try
            {
                actual = Convert.FromHexString(signature);
            }
            catch (FormatException)
            {
                continue;
            }

            if (CryptographicOperations.FixedTimeEquals(actual, expected))
            {
                return null;
            }
        }

        return "Stripe-Signature does not match the payload.";
    }

    public static byte[] Compute(string secret, long timestamp, string payload) =>
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp.ToString(CultureInfo.InvariantCulture)}.{payload}"));
}
