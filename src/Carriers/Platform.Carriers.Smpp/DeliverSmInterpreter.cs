using System.Globalization;
using System.Text;
using Platform.Carriers.Abstractions;
using Platform.Carriers.Smpp.Protocol;

namespace Platform.Carriers.Smpp;

/// <summary>Turns a deliver_sm into a <see cref="DeliveryReceipt"/> or the text of an <see cref="InboundMessage"/>.</summary>
internal static class DeliverSmInterpreter
{
    public static bool IsDeliveryReceipt(ShortMessagePdu pdu) => (pdu.EsmClass & EsmClass.DeliveryReceipt) != 0;

    /// <summary>
    /// Reads a receipt from the receipted_message_id / message_state / network_error_code TLVs, falling back to the
    /// de-facto text format of SMPP 3.4 appendix B: <c>id:… sub:… dlvr:… submit date:… done date:… stat:… err:… text:…</c>.
    /// Returns null when neither gives a message id.
    /// </summary>
    public static DeliveryReceipt? ReadReceipt(ShortMessagePdu pdu, DateTimeOffset receivedAt)
    {
        var text = Encoding.Latin1.GetString(pdu.ShortMessage.Length > 0 ? pdu.ShortMessage : pdu.FindTlv(SmppTag.MessagePayload) ?? []);
        var idTlv = pdu.FindTlv(SmppTag.ReceiptedMessageId);
        var id = idTlv is { Length: > 0 } ? SmppCodec.CStringValue(idTlv) : Field(text, "id:");
        if (string.IsNullOrEmpty(id))
        {
            return null;
        }
        var stateTlv = pdu.FindTlv(SmppTag.MessageState);
        var status = stateTlv is { Length: 1 } ? FromMessageState(stateTlv[0]) : FromStatText(Field(text, "stat:"));
        var networkError = pdu.FindTlv(SmppTag.NetworkErrorCode);
        var errorCode = networkError is { Length: 3 }
            ? ((networkError[1] << 8) | networkError[2]).ToString(CultureInfo.InvariantCulture)
            : Field(text, "err:");
        var timestamp = ParseSmppDate(Field(text, "done date:")) ?? receivedAt;
        return new DeliveryReceipt(id, status, errorCode, timestamp);
    }

    /// <summary>Decodes short_message (or message_payload) by data_coding, leaving out a user data header.</summary>
    public static string ReadText(ShortMessagePdu pdu, out ConcatenationInfo? concatenation)
    {
        concatenation = null;
        ReadOnlySpan<byte> payload = pdu.ShortMessage.Length > 0 ? pdu.ShortMessage : pdu.FindTlv(SmppTag.MessagePayload) ?? [];
        if ((pdu.EsmClass & EsmClass.UdhIndicator) != 0 && payload.Length > 0 && payload[0] + 1 <= payload.Length)
        {
            concatenation = FindConcatenation(payload[1..(payload[0] + 1)]);
            payload = payload[(payload[0] + 1)..];
        }
        return pdu.DataCoding switch
        {
            DataCoding.SmscDefault => SmsEncoding.DecodeGsm7(payload),
            DataCoding.Ia5 => Encoding.ASCII.GetString(payload),
            DataCoding.Ucs2 => SmsEncoding.DecodeUcs2(payload),
            // Data coding group 1111: bit 2 clear is the GSM default alphabet.
            >= 0xF0 when (pdu.DataCoding & 0x04) == 0 => SmsEncoding.DecodeGsm7(payload),
            _ => Encoding.Latin1.GetString(payload),
        };
    }

    private static ConcatenationInfo? FindConcatenation(ReadOnlySpan<byte> header)
    {
        for (var i = 0; i + 1 < header.Length;)
        {
            var element = header[i];
            var length = header[i + 1];
            var data = i + 2 + length <= header.Length ? header.Slice(i + 2, length) : [];
            if (element == 0x00 && data.Length == 3 && data[1] > 0)
            {
                return new ConcatenationInfo(data[0], data[1], data[2]);
            }
            if (element == 0x08 && data.Length == 4 && data[2] > 0)
            {
                return new ConcatenationInfo((data[0] << 8) | data[1], data[2], data[3]);
            }
            i += 2 + length;
        }
        return null;
    }

    private static DeliveryStatus FromMessageState(byte state) => state switch
    {
        2 => DeliveryStatus.Delivered,     // DELIVERED
        3 => DeliveryStatus.Expired,       // EXPIRED
        4 => DeliveryStatus.Failed,        // DELETED
        5 => DeliveryStatus.Failed,        // UNDELIVERABLE
        8 => DeliveryStatus.Rejected,      // REJECTED
        _ => DeliveryStatus.Unknown,       // ENROUTE, ACCEPTED, UNKNOWN
    };

    private static DeliveryStatus FromStatText(string? stat) => stat?.ToUpperInvariant() switch
    {
        "DELIVRD" => DeliveryStatus.Delivered,
        "EXPIRED" => DeliveryStatus.Expired,
        "DELETED" or "UNDELIV" => DeliveryStatus.Failed,
        "REJECTD" => DeliveryStatus.Rejected,
        _ => DeliveryStatus.Unknown,
    };

    // The value after "name" up to the next space, case-insensitive ("done date:" contains a space itself).
    private static string? Field(string text, string name)
    {
        var start = 0;
        while (true)
        {
            var at = text.IndexOf(name, start, StringComparison.OrdinalIgnoreCase);
            if (at < 0)
            {
                return null;
            }
            // "id:" must not match inside "...sid:"; the name starts the text or follows a space.
            if (at == 0 || text[at - 1] == ' ')
            {
                var valueStart = at + name.Length;
                var valueEnd = text.IndexOf(' ', valueStart);
                return text[valueStart..(valueEnd < 0 ? text.Length : valueEnd)];
            }
            start = at + 1;
        }
    }

    // YYMMDDhhmm or YYMMDDhhmmss, taken as UTC.
    private static DateTimeOffset? ParseSmppDate(string? value) =>
        value is not null && DateTime.TryParseExact(value, ["yyMMddHHmm", "yyMMddHHmmss"], CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed)
            ? new DateTimeOffset(parsed, TimeSpan.Zero)
            : null;
}

/// <summary>The concatenation element of a user data header: which part of which message this is.</summary>
internal sealed record ConcatenationInfo(int Reference, int TotalParts, int PartNumber);
