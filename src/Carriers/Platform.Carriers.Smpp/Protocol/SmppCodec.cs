using System.Buffers.Binary;
using System.Text;

namespace Platform.Carriers.Smpp.Protocol;

/// <summary>Why a PDU could not be decoded, and the command_status to answer it with.</summary>
internal sealed record PduDecodeError(uint Status, uint CommandId, uint Sequence, string Message);

/// <summary>
/// Encodes and decodes SMPP 3.4 PDUs (section 3.2): a 16-octet header (command_length, command_id, command_status,
/// sequence_number, all big-endian), then the mandatory body (integers, C-Octet strings ending in NUL, octet strings
/// with a length prefix), then optional TLVs (tag, length, value).
/// </summary>
internal static class SmppCodec
{
    public const int HeaderLength = 16;

    /// <summary>The largest PDU accepted. The spec sets no limit; message_payload can carry 64 KiB, so anything larger
    /// is a framing error (a broken or hostile peer), not a message.</summary>
    public const int MaxPduLength = 70_000;

    private static readonly Encoding Latin1 = Encoding.Latin1;

    /// <summary>Reads command_length from the first 4 octets (the caller has at least 4).</summary>
    public static uint ReadCommandLength(ReadOnlySpan<byte> buffer) => BinaryPrimitives.ReadUInt32BigEndian(buffer);

    /// <summary>True when a command_length can be framed at all: at least a header and at most <see cref="MaxPduLength"/>.</summary>
    public static bool IsValidCommandLength(uint length) => length is >= HeaderLength and <= MaxPduLength;

    /// <summary>Decodes one complete PDU (exactly command_length octets). Never throws on bad input.</summary>
    public static SmppPdu? Decode(ReadOnlySpan<byte> pdu, out PduDecodeError? error)
    {
        error = null;
        if (pdu.Length < HeaderLength)
        {
            error = new PduDecodeError(SmppStatus.InvalidCommandLength, 0, 0, $"PDU of {pdu.Length} octets is shorter than the 16-octet header.");
            return null;
        }
        var length = BinaryPrimitives.ReadUInt32BigEndian(pdu);
        var commandId = BinaryPrimitives.ReadUInt32BigEndian(pdu[4..]);
        var status = BinaryPrimitives.ReadUInt32BigEndian(pdu[8..]);
        var sequence = BinaryPrimitives.ReadUInt32BigEndian(pdu[12..]);
        if (length != pdu.Length || !IsValidCommandLength(length))
        {
            error = new PduDecodeError(SmppStatus.InvalidCommandLength, commandId, sequence, $"command_length {length} does not match the {pdu.Length} octets framed.");
            return null;
        }
        if (!Enum.IsDefined(typeof(SmppCommand), commandId))
        {
            error = new PduDecodeError(SmppStatus.InvalidCommandId, commandId, sequence, $"Unknown command_id 0x{commandId:X8}.");
            return null;
        }
        var command = (SmppCommand)commandId;
        var reader = new PduReader(pdu[HeaderLength..]);
        try
        {
            var decoded = DecodeBody(command, status, ref reader);
            if (decoded is null)
            {
                error = new PduDecodeError(SmppStatus.InvalidCommandId, commandId, sequence, $"command_id {command} is not supported by this client.");
                return null;
            }
            return decoded with { Status = status, Sequence = sequence };
        }
        catch (PduFormatException ex)
        {
            error = new PduDecodeError(ex.Status, commandId, sequence, $"Malformed {command}: {ex.Message}");
            return null;
        }
    }

    private static SmppPdu? DecodeBody(SmppCommand command, uint status, ref PduReader reader)
    {
        // An SMSC may leave out the body of an error response (section 3.3: "the body is not returned").
        if (command != SmppCommand.GenericNack && ((uint)command & 0x80000000) != 0 && status != SmppStatus.Ok && reader.Remaining == 0)
        {
            return new EmptyPdu(command);
        }
        switch (command)
        {
            case SmppCommand.GenericNack:
            case SmppCommand.EnquireLink:
            case SmppCommand.EnquireLinkResp:
            case SmppCommand.Unbind:
            case SmppCommand.UnbindResp:
                reader.ExpectEnd();
                return new EmptyPdu(command);
            case SmppCommand.BindTransmitter:
            case SmppCommand.BindReceiver:
            case SmppCommand.BindTransceiver:
                var bind = new BindPdu(command, reader.ReadCString("system_id"), reader.ReadCString("password"), reader.ReadCString("system_type"),
                    reader.ReadByte("interface_version"), reader.ReadByte("addr_ton"), reader.ReadByte("addr_npi"), reader.ReadCString("address_range"));
                reader.ExpectEnd();
                return bind;
            case SmppCommand.BindTransmitterResp:
            case SmppCommand.BindReceiverResp:
            case SmppCommand.BindTransceiverResp:
                return new BindRespPdu(command, reader.ReadCString("system_id"), reader.ReadTlvs());
            case SmppCommand.SubmitSmResp:
            case SmppCommand.DeliverSmResp:
                var resp = new MessageIdRespPdu(command, reader.ReadCString("message_id"));
                reader.ExpectEnd();
                return resp;
            case SmppCommand.SubmitSm:
            case SmppCommand.DeliverSm:
                return DecodeShortMessage(command, ref reader);
            default:
                return null;
        }
    }

    private static ShortMessagePdu DecodeShortMessage(SmppCommand command, ref PduReader reader)
    {
        var pdu = new ShortMessagePdu(command)
        {
            ServiceType = reader.ReadCString("service_type"),
            SourceTon = reader.ReadByte("source_addr_ton"),
            SourceNpi = reader.ReadByte("source_addr_npi"),
            SourceAddress = reader.ReadCString("source_addr"),
            DestinationTon = reader.ReadByte("dest_addr_ton"),
            DestinationNpi = reader.ReadByte("dest_addr_npi"),
            DestinationAddress = reader.ReadCString("destination_addr"),
            EsmClass = reader.ReadByte("esm_class"),
            ProtocolId = reader.ReadByte("protocol_id"),
            PriorityFlag = reader.ReadByte("priority_flag"),
            ScheduleDeliveryTime = reader.ReadCString("schedule_delivery_time"),
            ValidityPeriod = reader.ReadCString("validity_period"),
            RegisteredDelivery = reader.ReadByte("registered_delivery"),
            ReplaceIfPresent = reader.ReadByte("replace_if_present_flag"),
            DataCoding = reader.ReadByte("data_coding"),
            DefaultMessageId = reader.ReadByte("sm_default_msg_id"),
        };
        var smLength = reader.ReadByte("sm_length");
        var shortMessage = reader.ReadOctets(smLength, "short_message", SmppStatus.InvalidMessageLength);
        return pdu with { ShortMessage = shortMessage, Tlvs = reader.ReadTlvs() };
    }

    /// <summary>Encodes a PDU, computing command_length.</summary>
    public static byte[] Encode(SmppPdu pdu)
    {
        var writer = new PduWriter(64 + (pdu is ShortMessagePdu sm ? sm.ShortMessage.Length : 0));
        writer.WriteUInt32(0); // command_length, patched below
        writer.WriteUInt32((uint)pdu.Command);
        writer.WriteUInt32(pdu.Status);
        writer.WriteUInt32(pdu.Sequence);
        switch (pdu)
        {
            case EmptyPdu:
                break;
            case BindPdu bind:
                writer.WriteCString(bind.SystemId);
                writer.WriteCString(bind.Password);
                writer.WriteCString(bind.SystemType);
                writer.WriteByte(bind.InterfaceVersion);
                writer.WriteByte(bind.AddressTon);
                writer.WriteByte(bind.AddressNpi);
                writer.WriteCString(bind.AddressRange);
                break;
            case BindRespPdu bindResp:
                writer.WriteCString(bindResp.SystemId);
                writer.WriteTlvs(bindResp.Tlvs);
                break;
            case MessageIdRespPdu resp:
                writer.WriteCString(resp.MessageId);
                break;
            case ShortMessagePdu message:
                if (message.ShortMessage.Length > 254)
                {
                    throw new ArgumentException("short_message is limited to 254 octets; use the message_payload TLV for more.", nameof(pdu));
                }
                writer.WriteCString(message.ServiceType);
                writer.WriteByte(message.SourceTon);
                writer.WriteByte(message.SourceNpi);
                writer.WriteCString(message.SourceAddress);
                writer.WriteByte(message.DestinationTon);
                writer.WriteByte(message.DestinationNpi);
                writer.WriteCString(message.DestinationAddress);
                writer.WriteByte(message.EsmClass);
                writer.WriteByte(message.ProtocolId);
                writer.WriteByte(message.PriorityFlag);
                writer.WriteCString(message.ScheduleDeliveryTime);
                writer.WriteCString(message.ValidityPeriod);
                writer.WriteByte(message.RegisteredDelivery);
                writer.WriteByte(message.ReplaceIfPresent);
                writer.WriteByte(message.DataCoding);
                writer.WriteByte(message.DefaultMessageId);
                writer.WriteByte((byte)message.ShortMessage.Length);
                writer.WriteBytes(message.ShortMessage);
                writer.WriteTlvs(message.Tlvs);
                break;
            default:
                throw new ArgumentException($"Cannot encode {pdu.GetType().Name}.", nameof(pdu));
        }
        return writer.ToArrayWithLength();
    }

    /// <summary>A C-Octet string value as its text (Latin-1, so every octet survives a round trip).</summary>
    public static string CStringValue(byte[] value)
    {
        var end = Array.IndexOf(value, (byte)0);
        return Latin1.GetString(value, 0, end < 0 ? value.Length : end);
    }

    /// <summary>Reads the body; malformed input raises <see cref="PduFormatException"/> with the status to answer.</summary>
    private ref struct PduReader(ReadOnlySpan<byte> body)
    {
        private readonly ReadOnlySpan<byte> _body = body;
        private int _position;

        public readonly int Remaining => _body.Length - _position;

        public byte ReadByte(string field)
        {
            if (_position >= _body.Length)
            {
                throw new PduFormatException(SmppStatus.InvalidCommandLength, $"the body ends before {field}.");
            }
            return _body[_position++];
        }

        public string ReadCString(string field)
        {
            var terminator = _body[_position..].IndexOf((byte)0);
            if (terminator < 0)
            {
                throw new PduFormatException(SmppStatus.InvalidCommandLength, $"{field} has no NUL terminator before the end of the PDU.");
            }
            var value = Latin1.GetString(_body.Slice(_position, terminator));
            _position += terminator + 1;
            return value;
        }

        public byte[] ReadOctets(int count, string field, uint status)
        {
            if (count > Remaining)
            {
                throw new PduFormatException(status, $"{field} claims {count} octets but only {Remaining} remain.");
            }
            var value = _body.Slice(_position, count).ToArray();
            _position += count;
            return value;
        }

        public IReadOnlyList<Tlv> ReadTlvs()
        {
            if (Remaining == 0)
            {
                return [];
            }
            var tlvs = new List<Tlv>(2);
            while (Remaining > 0)
            {
                if (Remaining < 4)
                {
                    throw new PduFormatException(SmppStatus.InvalidOptionalParameterStream, $"{Remaining} octets left where a TLV header needs 4.");
                }
                var tag = BinaryPrimitives.ReadUInt16BigEndian(_body[_position..]);
                var length = BinaryPrimitives.ReadUInt16BigEndian(_body[(_position + 2)..]);
                _position += 4;
                if (length > Remaining)
                {
                    throw new PduFormatException(SmppStatus.InvalidParameterLength, $"TLV 0x{tag:X4} claims {length} octets but only {Remaining} remain.");
                }
                tlvs.Add(new Tlv(tag, _body.Slice(_position, length).ToArray()));
                _position += length;
            }
            return tlvs;
        }

        public readonly void ExpectEnd()
        {
            if (Remaining != 0)
            {
                throw new PduFormatException(SmppStatus.InvalidCommandLength, $"{Remaining} unexpected octets after the body.");
            }
        }
    }

    private sealed class PduWriter(int capacity)
    {
        private byte[] _buffer = new byte[capacity];
        private int _length;

        public void WriteByte(byte value)
        {
            Ensure(1);
            _buffer[_length++] = value;
        }

        public void WriteUInt32(uint value)
        {
            Ensure(4);
            BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(_length), value);
            _length += 4;
        }

        public void WriteCString(string value)
        {
            Ensure(value.Length + 1);
            _length += Latin1.GetBytes(value, _buffer.AsSpan(_length));
            _buffer[_length++] = 0;
        }

        public void WriteBytes(ReadOnlySpan<byte> value)
        {
            Ensure(value.Length);
            value.CopyTo(_buffer.AsSpan(_length));
            _length += value.Length;
        }

        public void WriteTlvs(IReadOnlyList<Tlv> tlvs)
        {
            foreach (var tlv in tlvs)
            {
                if (tlv.Value.Length > ushort.MaxValue)
                {
                    throw new ArgumentException($"TLV 0x{tlv.Tag:X4} value is longer than 65535 octets.", nameof(tlvs));
                }
                Ensure(4 + tlv.Value.Length);
                BinaryPrimitives.WriteUInt16BigEndian(_buffer.AsSpan(_length), tlv.Tag);
                BinaryPrimitives.WriteUInt16BigEndian(_buffer.AsSpan(_length + 2), (ushort)tlv.Value.Length);
                _length += 4;
                WriteBytes(tlv.Value);
            }
        }

        public byte[] ToArrayWithLength()
        {
            BinaryPrimitives.WriteUInt32BigEndian(_buffer, (uint)_length);
            return _buffer.AsSpan(0, _length).ToArray();
        }

        private void Ensure(int more)
        {
            if (_length + more > _buffer.Length)
            {
                Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + more));
            }
        }
    }
}

/// <summary>A malformed PDU body, with the command_status that answers it.</summary>
internal sealed class PduFormatException(uint status, string message) : Exception(message)
{
    public uint Status { get; } = status;
}
