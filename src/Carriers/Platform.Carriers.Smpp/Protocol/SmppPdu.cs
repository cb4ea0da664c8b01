namespace Platform.Carriers.Smpp.Protocol;

/// <summary>An optional parameter: tag, and the value's octets (the length is the value's length).</summary>
internal readonly record struct Tlv(ushort Tag, byte[] Value);

/// <summary>A decoded or to-be-encoded SMPP PDU. The header's command_length is computed when encoding.</summary>
internal abstract record SmppPdu(SmppCommand Command)
{
    public uint Status { get; init; }

    public uint Sequence { get; init; }

    public bool IsResponse => ((uint)Command & 0x80000000) != 0;
}

/// <summary>A PDU whose body is empty: enquire_link(_resp), unbind(_resp), generic_nack, and error responses
/// whose body the SMSC left out.</summary>
internal sealed record EmptyPdu(SmppCommand Command) : SmppPdu(Command);

/// <summary>bind_transmitter, bind_receiver or bind_transceiver (section 4.1).</summary>
internal sealed record BindPdu(
    SmppCommand Command,
    string SystemId,
    string Password,
    string SystemType,
    byte InterfaceVersion,
    byte AddressTon,
    byte AddressNpi,
    string AddressRange) : SmppPdu(Command);

/// <summary>bind_*_resp (section 4.1): the SMSC's system_id and optional parameters.</summary>
internal sealed record BindRespPdu(SmppCommand Command, string SystemId, IReadOnlyList<Tlv> Tlvs) : SmppPdu(Command);

/// <summary>submit_sm_resp or deliver_sm_resp: a message_id.</summary>
internal sealed record MessageIdRespPdu(SmppCommand Command, string MessageId) : SmppPdu(Command);

/// <summary>submit_sm or deliver_sm (sections 4.4 and 4.6 share the body layout).</summary>
internal sealed record ShortMessagePdu(SmppCommand Command) : SmppPdu(Command)
{
    public string ServiceType { get; init; } = "";
    public byte SourceTon { get; init; }
    public byte SourceNpi { get; init; }
    public string SourceAddress { get; init; } = "";
    public byte DestinationTon { get; init; }
    public byte DestinationNpi { get; init; }
    public string DestinationAddress { get; init; } = "";
    public byte EsmClass { get; init; }
    public byte ProtocolId { get; init; }
    public byte PriorityFlag { get; init; }
    public string ScheduleDeliveryTime { get; init; } = "";
    public string ValidityPeriod { get; init; } = "";
    public byte RegisteredDelivery { get; init; }
    public byte ReplaceIfPresent { get; init; }
    public byte DataCoding { get; init; }
    public byte DefaultMessageId { get; init; }
    public byte[] ShortMessage { get; init; } = [];
    public IReadOnlyList<Tlv> Tlvs { get; init; } = [];

    public byte[]? FindTlv(ushort tag)
    {
        foreach (var tlv in Tlvs)
        {
            if (tlv.Tag == tag)
            {
                return tlv.Value;
            }
        }
        return null;
    }
}
