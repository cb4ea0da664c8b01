using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Platform.Modules.OptIns.Features.ConsentProof;

/// <summary>
/// The text a consent record's leaf hashes (format <c>consent-record/1</c>): each field as
/// <c>&lt;UTF-8 byte length&gt;:&lt;value&gt;</c>, concatenated, so no value can be read as two. The database trigger
/// (<c>optins.consent_leaf_text</c>, migration 0008) writes leaves from the same text and docs/privacy.md documents it for
/// anyone verifying offline: the three must stay in step.
/// </summary>
internal static class ConsentLeafText
{
    public const string Format = "consent-record/1";

    /// <summary>The time as the leaf hashes it: UTC, microseconds (PostgreSQL's precision), a trailing Z.</summary>
    public static string Timestamp(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    public static string Build(long recordId, Guid companyId, string phone, string? keyword, bool optedIn, string via,
        string recordedAt, string? messageText, string? prevHashHex)
    {
        var text = new StringBuilder();
        foreach (var field in new[]
                 {
                     Format, recordId.ToString(CultureInfo.InvariantCulture), companyId.ToString("D"), phone, keyword ?? string.Empty,
                     optedIn ? "in" : "out", via, recordedAt, messageText ?? string.Empty, prevHashHex ?? string.Empty,
                 })
        {
            text.Append(Encoding.UTF8.GetByteCount(field).ToString(CultureInfo.InvariantCulture)).Append(':').Append(field);
        }

        return text.ToString();
    }

    /// <summary>RFC 6962's leaf hash of (salt || text): SHA-256(0x00 || salt || UTF-8 text).</summary>
    public static byte[] LeafHash(byte[] salt, string text) => MerkleTree.HashOf(0x00, salt, Encoding.UTF8.GetBytes(text));
}

/// <summary>
/// Merkle tree hashes as Certificate Transparency defines them (RFC 6962 §2.1; the audit-path check of RFC 9162 §2.1.3.2):
/// a batch's root over its leaf hashes in order, the audit path of one leaf, and the root a leaf and its path lead to.
/// </summary>
internal static class MerkleTree
{
    public static byte[] Root(IReadOnlyList<byte[]> leaves) => leaves.Count == 0 ? SHA256.HashData([]) : Root(leaves, 0, leaves.Count);

    /// <summary>The sibling hashes from the leaf at <paramref name="index"/> up to the root, lowest first.</summary>
    public static IReadOnlyList<byte[]> AuditPath(IReadOnlyList<byte[]> leaves, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, leaves.Count);
        var path = new List<byte[]>();
        AuditPath(leaves, 0, leaves.Count, index, path);
        return path;
    }

    /// <summary>The root the leaf and its audit path lead to, or null when the path cannot belong to a tree of that size.</summary>
    public static byte[]? RootFromPath(byte[] leaf, long index, long size, IReadOnlyList<byte[]> path)
    {
        if (index < 0 || index >= size)
        {
            return null;
        }

        long fn = index, sn = size - 1;
        var r = leaf;
        foreach (var p in path)
        {
            if (sn == 0)
            {
                return null;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                r = Node(p, r);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                r = Node(r, p);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 ? r : null;
    }

    public static byte[] Node(byte[] left, byte[] right) => HashOf(0x01, left, right);

    /// <summary>SHA-256(prefix || first || second): the prefix keeps leaves (0x00), nodes (0x01) and chain links (0x02) apart.</summary>
    public static byte[] HashOf(byte prefix, byte[] first, byte[] second)
    {
        var input = new byte[1 + first.Length + second.Length];
        input[0] = prefix;
        first.CopyTo(input, 1);
        second.CopyTo(input, 1 + first.Length);
        return SHA256.HashData(input);
    }

    private static byte[] Root(IReadOnlyList<byte[]> leaves, int start, int count)
    {
        if (count == 1)
        {
            return leaves[start];
        }

        var k = LargestPowerOfTwoBelow(count);
        return Node(Root(leaves, start, k), Root(leaves, start + k, count - k));
    }

    private static void AuditPath(IReadOnlyList<byte[]> leaves, int start, int count, int index, List<byte[]> path)
    {
        if (count == 1)
        {
            return;
        }

        var k = LargestPowerOfTwoBelow(count);
        if (index < k)
        {
            AuditPath(leaves, start, k, index, path);
            path.Add(Root(leaves, start + k, count - k));
        }
        else
        {
            AuditPath(leaves, start + k, count - k, index - k, path);
            path.Add(Root(leaves, start, k));
        }
    }

    private static int LargestPowerOfTwoBelow(int n)
    {
        var k = 1;
        while (k << 1 < n)
        {
            k <<= 1;
        }

        return k;
    }
}

/// <summary>A company's chain of batch roots: each link is SHA-256(0x02 || previous link || root), 32 zero bytes before the first.</summary>
internal static class ConsentChain
{
    public static byte[] Start => new byte[32];

    public static byte[] Next(byte[] previous, byte[] root) => MerkleTree.HashOf(0x02, previous, root);
}
