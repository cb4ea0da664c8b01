using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Features.Links;

/// <summary>
/// Short links that say which recipient clicked which link (ADR 33): <c>{base}/s/{code}</c>, where the code is the message
/// id (8 base-62 characters), the link's place in the text (1 digit) and 6 base-62 characters of an HMAC over both with a
/// secret key. Every code has the same length, so a text's length — and its segments and credits — is known before any
/// message exists; nothing is stored per recipient; a guessed code is refused by the HMAC.
/// </summary>
internal sealed partial class TrackedLinks
{
    public const string Path = "/s/";

    /// <summary>At most this many links per text are shortened (one digit says which); later ones are sent as written.</summary>
    public const int MaxLinks = 9;

    private const int IdLength = 8;
    private const int MacLength = 6;
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private readonly ThreadLocal<IncrementalHash> hashes;

    public TrackedLinks(IConfiguration configuration, PublicLinks publicLinks)
    {
        var key = Encoding.UTF8.GetBytes(configuration["Platform:Campaigns:LinkKey"] is { Length: > 0 } configured ? configured : "platform-campaigns-links-v1");
        hashes = new ThreadLocal<IncrementalHash>(() => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key));
        var configuredBase = configuration["Platform:Campaigns:ShortLinkBaseUrl"];
        Prefix = (configuredBase is { Length: > 0 } ? configuredBase.TrimEnd('/') : publicLinks.BaseUrl.ToString().TrimEnd('/')) + Path;
    }

    /// <summary>The short link's text up to the code, e.g. <c>https://sms.example.com/s/</c>.</summary>
    public string Prefix { get; }

    public static int CodeLength => IdLength + 1 + MacLength;

    /// <summary>The campaign's template as it is sent to one message: its links shortened when the campaign tracks them.</summary>
    public string Template(string body, bool trackLinks, long messageId) => trackLinks ? Shorten(body, messageId) : body;

    /// <summary>The URLs a text would have shortened, in order (at most <see cref="MaxLinks"/>).</summary>
    public static IReadOnlyList<string> Find(string text) =>
        Url().Matches(text).Select(m => Trimmed(m.Value)).Where(u => u.Length > 0).Take(MaxLinks).ToList();

    /// <summary>
    /// The text with each of its first <see cref="MaxLinks"/> URLs replaced by the short link of that message and link.
    /// Applied to the template before placeholders are filled, so the link's place is the same for every recipient.
    /// </summary>
    public string Shorten(string text, long messageId) => Shorten(text, index => Code(messageId, index));

    /// <summary>
    /// The same with each link's code as <paramref name="code"/> gives it: the sender shortens a campaign's text once with
    /// a stand-in for each link (<see cref="Sending.CampaignText"/>) and writes each message's codes into it.
    /// </summary>
    public string Shorten(string text, Func<int, string> code)
    {
        var index = 0;
        return Url().Replace(text, match =>
        {
            var url = Trimmed(match.Value);
            if (url.Length == 0 || index >= MaxLinks)
            {
                return match.Value;
            }

            return Prefix + code(index++) + match.Value[url.Length..];
        });
    }

    public string Code(long messageId, int index) =>
        string.Create(CodeLength, (Links: this, messageId, index), static (code, state) => state.Links.WriteCode(code, state.messageId, state.index));

    /// <summary>The code of a message's link written into <paramref name="code"/> (<see cref="CodeLength"/> characters), without allocating.</summary>
    public void WriteCode(Span<char> code, long messageId, int index)
    {
        WriteBase62(code[..IdLength], (ulong)messageId);
        code[IdLength] = (char)('0' + index);
        WriteBase62(code.Slice(IdLength + 1, MacLength), Mac(messageId, index));
    }

    /// <summary>The message and link a code names, when its keyed hash is right.</summary>
    public bool TryRead(string? code, out long messageId, out int index)
    {
        messageId = 0;
        index = 0;
        // 62^8 ids fit a long; the digit is the link's place; the rest must be base 62 before its hash is compared.
        if (code is null || code.Length != CodeLength || !TryBase62(code.AsSpan(0, IdLength), out var id)
            || code[IdLength] is < '0' or > '8' || !TryBase62(code.AsSpan(IdLength + 1), out _))
        {
            return false;
        }

        // Compared in constant time, without allocating: the redirect reads a code per request.
        Span<char> expected = stackalloc char[MacLength];
        WriteBase62(expected, Mac((long)id, code[IdLength] - '0'));
        if (!CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes(expected), MemoryMarshal.AsBytes(code.AsSpan(IdLength + 1))))
        {
            return false;
        }

        messageId = (long)id;
        index = code[IdLength] - '0';
        return true;
    }

    private ulong Mac(long messageId, int index)
    {
        Span<byte> input = stackalloc byte[9];
        BitConverter.TryWriteBytes(input, messageId);
        input[8] = (byte)index;
        Span<byte> hash = stackalloc byte[HMACSHA256.HashSizeInBytes];
        // One keyed hash per thread, reset after each code: the one-shot HMACSHA256.HashData prepares the key anew every
        // call, 1.7 µs of a message's 2.8 µs with a link (BENCH_RENDER=1), a code per tracked link per message.
        var hmac = hashes.Value!;
        hmac.AppendData(input);
        hmac.GetHashAndReset(hash);
        return BitConverter.ToUInt64(hash);
    }

    /// <summary>Fixed width (the span's length): the value modulo 62^width, most significant first.</summary>
    private static void WriteBase62(Span<char> digits, ulong value)
    {
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            digits[i] = Alphabet[(int)(value % 62)];
            value /= 62;
        }
    }

    private static bool TryBase62(ReadOnlySpan<char> text, out ulong value)
    {
        value = 0;
        foreach (var c in text)
        {
            var digit = Alphabet.IndexOf(c, StringComparison.Ordinal);
            if (digit < 0)
            {
                return false;
            }

            value = unchecked((value * 62) + (ulong)digit);
        }

        return true;
    }

    /// <summary>
    /// A URL does not end with the punctuation of the sentence around it ("see https://x.com/a."). One with a placeholder in
    /// it ("https://x.com/{order_id}") differs per recipient, so it is not shortened (empty: left as written).
    /// </summary>
    private static string Trimmed(string url) => url.Contains('{', StringComparison.Ordinal) ? string.Empty : url.TrimEnd('.', ',', ';', ':', '!', '?', ')', '\'', '"');

    [GeneratedRegex(@"https?://[^\s<>""]+", RegexOptions.IgnoreCase)]
    private static partial Regex Url();
}
