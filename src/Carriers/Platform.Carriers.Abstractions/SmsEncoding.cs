using System.Text;

namespace Platform.Carriers.Abstractions;

/// <summary>The alphabet a text is sent in.</summary>
public enum SmsAlphabet
{
    /// <summary>GSM 03.38 default alphabet (7-bit septets) with its extension table; 160 characters a single SMS.</summary>
    Gsm7 = 0,
    /// <summary>UCS-2 (UTF-16 big-endian); 70 characters a single SMS.</summary>
    Ucs2 = 1,
}

/// <summary>What <see cref="SmsEncoding.Analyze"/> found out about a text.</summary>
/// <param name="Alphabet">GSM-7 when every character is in the GSM 03.38 tables, else UCS-2.</param>
/// <param name="Length">Length in the alphabet's units: septets for GSM-7 (extension characters count 2),
/// UTF-16 code units for UCS-2 (characters outside the BMP count 2).</param>
/// <param name="Segments">How many SMS parts the text needs (0 for an empty text).</param>
/// <param name="FirstNonGsmCharacter">The first character that forced UCS-2 (a whole surrogate pair when outside the BMP), or null.</param>
/// <param name="FirstNonGsmIndex">Its index in the text, or null.</param>
public sealed record SmsTextInfo(SmsAlphabet Alphabet, int Length, int Segments, string? FirstNonGsmCharacter, int? FirstNonGsmIndex);

/// <summary>
/// GSM-7 / UCS-2 helpers: which alphabet a text needs, how many parts it takes, how to encode and split it.
/// All members are thread-safe and allocation-light, fit for the send path.
/// </summary>
public static class SmsEncoding
{
    /// <summary>Septets in a single-part GSM-7 SMS.</summary>
    public const int Gsm7SinglePartLength = 160;
    /// <summary>Septets in each part of a concatenated GSM-7 SMS (the 6-octet UDH takes 7 septets).</summary>
    public const int Gsm7MultiPartLength = 153;
    /// <summary>UTF-16 code units in a single-part UCS-2 SMS.</summary>
    public const int Ucs2SinglePartLength = 70;
    /// <summary>UTF-16 code units in each part of a concatenated UCS-2 SMS (the 6-octet UDH takes 3 units).</summary>
    public const int Ucs2MultiPartLength = 67;
    /// <summary>The septet that escapes into the extension table.</summary>
    public const byte Gsm7Escape = 0x1B;

    // GSM 03.38 default alphabet, indexed by septet. 0x1B is the escape, never a character of its own.
    private const string BasicTable =
        "@£$¥èéùìòÇ\nØø\rÅå" +
        "Δ_ΦΓΛΩΠΨΣΘΞ\u001BÆæßÉ" +
        " !\"#¤%&'()*+,-./" +
        "0123456789:;<=>?" +
        "¡ABCDEFGHIJKLMNO" +
        "PQRSTUVWXYZÄÖÑÜ§" +
        "¿abcdefghijklmno" +
        "pqrstuvwxyzäöñüà";

    private static readonly (byte Septet, char Character)[] ExtensionTable =
    [
        (0x0A, '\f'), (0x14, '^'), (0x28, '{'), (0x29, '}'), (0x2F, '\\'),
        (0x3C, '['), (0x3D, '~'), (0x3E, ']'), (0x40, '|'), (0x65, '€'),
    ];

    // char -> septet, tagged: 0 = not in GSM-7, BasicFlag | septet, ExtensionFlag | septet.
    // A flat table (128 KiB) makes the per-character lookup a single array read on the send path.
    private const ushort BasicFlag = 0x100;
    private const ushort ExtensionFlag = 0x200;
    private static readonly ushort[] CharToSeptet = BuildCharToSeptet();
    private static readonly char[] ExtensionSeptetToChar = BuildExtensionSeptetToChar();

    private static ushort[] BuildCharToSeptet()
    {
        var table = new ushort[char.MaxValue + 1];
        for (var septet = 0; septet < BasicTable.Length; septet++)
        {
            if (septet != Gsm7Escape)
            {
                table[BasicTable[septet]] = (ushort)(BasicFlag | septet);
            }
        }
        foreach (var (septet, character) in ExtensionTable)
        {
            table[character] = (ushort)(ExtensionFlag | septet);
        }
        return table;
    }

    private static char[] BuildExtensionSeptetToChar()
    {
        var table = new char[128];
        foreach (var (septet, character) in ExtensionTable)
        {
            table[septet] = character;
        }
        return table;
    }

    /// <summary>True when <paramref name="character"/> is in the GSM 03.38 basic or extension table.</summary>
    public static bool IsGsm7(char character) => CharToSeptet[character] != 0;

    /// <summary>True when <paramref name="character"/> is in the extension table (costs two septets).</summary>
    public static bool IsGsm7Extension(char character) => (CharToSeptet[character] & ExtensionFlag) != 0;

    /// <summary>The alphabet <paramref name="text"/> needs: GSM-7 unless one character is outside the GSM 03.38 tables.</summary>
    public static SmsAlphabet DetectAlphabet(string text) => FindFirstNonGsm(text) < 0 ? SmsAlphabet.Gsm7 : SmsAlphabet.Ucs2;

    /// <summary>Works out the alphabet, length, number of parts and, for UCS-2, which character caused it.</summary>
    public static SmsTextInfo Analyze(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var firstNonGsm = FindFirstNonGsm(text);
        if (firstNonGsm < 0)
        {
            var septets = CountGsm7Septets(text);
            return new SmsTextInfo(SmsAlphabet.Gsm7, septets, CountParts(text, SmsAlphabet.Gsm7, septets), null, null);
        }
        var offender = char.IsHighSurrogate(text[firstNonGsm]) && firstNonGsm + 1 < text.Length && char.IsLowSurrogate(text[firstNonGsm + 1])
            ? text.Substring(firstNonGsm, 2)
            : text[firstNonGsm].ToString();
        return new SmsTextInfo(SmsAlphabet.Ucs2, text.Length, CountParts(text, SmsAlphabet.Ucs2, text.Length), offender, firstNonGsm);
    }

    /// <summary>The length of <paramref name="text"/> in <paramref name="alphabet"/> units (septets or UTF-16 code units).</summary>
    public static int CountUnits(string text, SmsAlphabet alphabet)
    {
        ArgumentNullException.ThrowIfNull(text);
        return alphabet == SmsAlphabet.Gsm7 ? CountGsm7Septets(text) : text.Length;
    }

    /// <summary>Splits <paramref name="text"/> into the parts it is sent as, in its own alphabet (see <see cref="DetectAlphabet"/>).</summary>
    public static IReadOnlyList<string> Split(string text) => Split(text, DetectAlphabet(text));

    /// <summary>
    /// Splits <paramref name="text"/> into SMS parts for <paramref name="alphabet"/>: one part when it fits a single SMS
    /// (160 septets / 70 units), otherwise parts of at most 153 septets / 67 units. An extension character's escape
    /// and a surrogate pair are never split across parts. An empty text is one empty part.
    /// </summary>
    public static IReadOnlyList<string> Split(string text, SmsAlphabet alphabet)
    {
        ArgumentNullException.ThrowIfNull(text);
        var total = CountUnits(text, alphabet);
        var (single, multi) = Limits(alphabet);
        if (total <= single)
        {
            return [text];
        }
        var parts = new List<string>(total / multi + 1);
        var start = 0;
        var used = 0;
        for (var i = 0; i < text.Length;)
        {
            var width = CharacterWidth(text, i, alphabet, out var charsTaken);
            if (used + width > multi)
            {
                parts.Add(text[start..i]);
                start = i;
                used = 0;
            }
            used += width;
            i += charsTaken;
        }
        parts.Add(text[start..]);
        return parts;
    }

    /// <summary>Encodes <paramref name="text"/> in <paramref name="alphabet"/>: unpacked septets for GSM-7, UTF-16BE for UCS-2.</summary>
    /// <exception cref="ArgumentException">GSM-7 was asked for and a character is not in the GSM 03.38 tables.</exception>
    public static byte[] Encode(string text, SmsAlphabet alphabet) =>
        alphabet == SmsAlphabet.Gsm7 ? EncodeGsm7(text) : EncodeUcs2(text);

    /// <summary>
    /// Encodes to GSM-7 as unpacked septets, one octet each (the form SMPP data_coding 0 uses); extension characters
    /// become the escape 0x1B followed by their septet.
    /// </summary>
    /// <exception cref="ArgumentException">A character is not in the GSM 03.38 tables; the message names it.</exception>
    public static byte[] EncodeGsm7(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var output = new byte[CountGsm7SeptetsOrThrow(text)];
        var position = 0;
        foreach (var character in text)
        {
            var entry = CharToSeptet[character];
            if ((entry & ExtensionFlag) != 0)
            {
                output[position++] = Gsm7Escape;
            }
            output[position++] = (byte)(entry & 0x7F);
        }
        return output;
    }

    /// <summary>Decodes unpacked GSM-7 septets. An escape followed by a septet the extension table lacks decodes as
    /// that septet's basic character (GSM 03.38's fallback); octets above 0x7F decode as '?'.</summary>
    public static string DecodeGsm7(ReadOnlySpan<byte> septets)
    {
        var builder = new StringBuilder(septets.Length);
        for (var i = 0; i < septets.Length; i++)
        {
            var septet = septets[i];
            if (septet > 0x7F)
            {
                builder.Append('?');
            }
            else if (septet == Gsm7Escape)
            {
                if (i + 1 >= septets.Length)
                {
                    break;
                }
                var next = septets[++i];
                var extension = next < 0x80 ? ExtensionSeptetToChar[next] : '\0';
                builder.Append(extension != '\0' ? extension : next < 0x80 && next != Gsm7Escape ? BasicTable[next] : '?');
            }
            else
            {
                builder.Append(BasicTable[septet]);
            }
        }
        return builder.ToString();
    }

    /// <summary>Encodes to UCS-2 as big-endian UTF-16 (surrogate pairs pass through as two units).</summary>
    public static byte[] EncodeUcs2(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Encoding.BigEndianUnicode.GetBytes(text);
    }

    /// <summary>Decodes big-endian UTF-16; a trailing odd octet is ignored.</summary>
    public static string DecodeUcs2(ReadOnlySpan<byte> octets) => Encoding.BigEndianUnicode.GetString(octets[..(octets.Length & ~1)]);

    /// <summary>
    /// The 6-octet user data header of one part of a concatenated SMS (8-bit reference):
    /// <c>05 00 03 reference total partNumber</c>. Put it before the part's encoded text and set the UDHI bit
    /// (esm_class 0x40 in SMPP).
    /// </summary>
    /// <param name="reference">The same for every part of one message; differs between messages.</param>
    /// <param name="totalParts">1 to 255.</param>
    /// <param name="partNumber">1-based, up to <paramref name="totalParts"/>.</param>
    public static byte[] CreateConcatenationHeader(byte reference, int totalParts, int partNumber)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(totalParts, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(totalParts, 255);
        ArgumentOutOfRangeException.ThrowIfLessThan(partNumber, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(partNumber, totalParts);
        return [0x05, 0x00, 0x03, reference, (byte)totalParts, (byte)partNumber];
    }

    private static (int Single, int Multi) Limits(SmsAlphabet alphabet) => alphabet == SmsAlphabet.Gsm7
        ? (Gsm7SinglePartLength, Gsm7MultiPartLength)
        : (Ucs2SinglePartLength, Ucs2MultiPartLength);

    private static int FindFirstNonGsm(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        for (var i = 0; i < text.Length; i++)
        {
            if (CharToSeptet[text[i]] == 0)
            {
                return i;
            }
        }
        return -1;
    }

    // Septets of a text known to be GSM-7 (characters outside it count 1; callers check the alphabet first).
    private static int CountGsm7Septets(string text)
    {
        var septets = 0;
        foreach (var character in text)
        {
            septets += (CharToSeptet[character] & ExtensionFlag) != 0 ? 2 : 1;
        }
        return septets;
    }

    private static int CountGsm7SeptetsOrThrow(string text)
    {
        var firstNonGsm = FindFirstNonGsm(text);
        if (firstNonGsm >= 0)
        {
            throw new ArgumentException(
                $"The character '{text[firstNonGsm]}' (U+{(int)text[firstNonGsm]:X4}) at index {firstNonGsm} is not in the GSM 03.38 alphabet; send the text as UCS-2.",
                nameof(text));
        }
        return CountGsm7Septets(text);
    }

    private static int CharacterWidth(string text, int index, SmsAlphabet alphabet, out int charsTaken)
    {
        if (alphabet == SmsAlphabet.Gsm7)
        {
            charsTaken = 1;
            return IsGsm7Extension(text[index]) ? 2 : 1;
        }
        charsTaken = char.IsHighSurrogate(text[index]) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1]) ? 2 : 1;
        return charsTaken;
    }

    private static int CountParts(string text, SmsAlphabet alphabet, int totalUnits)
    {
        if (totalUnits == 0)
        {
            return 0;
        }
        var (single, multi) = Limits(alphabet);
        if (totalUnits <= single)
        {
            return 1;
        }
        var parts = 1;
        var used = 0;
        for (var i = 0; i < text.Length;)
        {
            var width = CharacterWidth(text, i, alphabet, out var charsTaken);
            if (used + width > multi)
            {
                parts++;
                used = 0;
            }
            used += width;
            i += charsTaken;
        }
        return parts;
    }
}
