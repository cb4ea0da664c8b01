using System.Buffers.Binary;
using Platform.Carriers.Smpp.Protocol;

namespace Platform.Carriers.Tests.Smpp;

public sealed class SmppCodecTests
{
    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    private static T RoundTrip<T>(T pdu) where T : SmppPdu
    {
        var bytes = SmppCodec.Encode(pdu);
        BinaryPrimitives.ReadUInt32BigEndian(bytes).Should().Be((uint)bytes.Length, "command_length covers the whole PDU");
        var decoded = SmppCodec.Decode(bytes, out var error);
        error.Should().BeNull();
        return decoded.Should().BeOfType<T>().Subject;
    }

    [Fact]
    public void Enquire_link_is_a_bare_header()
    {
        var bytes = SmppCodec.Encode(new EmptyPdu(SmppCommand.EnquireLink) { Sequence = 7 });
        bytes.Should().Equal(Hex("00000010 00000015 00000000 00000007"));
    }

    [Fact]
    public void Bind_transceiver_encodes_like_the_spec_layout()
    {
        var bytes = SmppCodec.Encode(new BindPdu(SmppCommand.BindTransceiver, "sys", "pw", "", 0x34, 0, 0, "") { Sequence = 1 });
        bytes.Should().Equal(Hex("0000001C 00000009 00000000 00000001 737973 00 7077 00 00 34 00 00 00"));
    }

    [Fact]
    public void Bind_round_trips()
    {
        var bind = new BindPdu(SmppCommand.BindTransmitter, "platform", "secret", "SMS", 0x34, 1, 1, "467.*") { Sequence = 42 };
        RoundTrip(bind).Should().Be(bind);
    }

    [Fact]
    public void Bind_resp_with_tlv_round_trips()
    {
        var resp = new BindRespPdu(SmppCommand.BindTransceiverResp, "SMSC", [new Tlv(SmppTag.ScInterfaceVersion, [0x34])]) { Sequence = 1 };
        var decoded = RoundTrip(resp);
        decoded.SystemId.Should().Be("SMSC");
        decoded.Tlvs.Should().ContainSingle().Which.Value.Should().Equal(0x34);
    }

    [Fact]
    public void Submit_sm_round_trips_with_all_fields_and_tlvs()
    {
        var submit = new ShortMessagePdu(SmppCommand.SubmitSm)
        {
            Sequence = 99,
            ServiceType = "CMT",
            SourceTon = 5,
            SourceNpi = 0,
            SourceAddress = "Platform",
            DestinationTon = 1,
            DestinationNpi = 1,
            DestinationAddress = "46701234567",
            EsmClass = EsmClass.UdhIndicator,
            ProtocolId = 0,
            PriorityFlag = 1,
            ScheduleDeliveryTime = "",
            ValidityPeriod = "000001000000000R",
            RegisteredDelivery = 1,
            DataCoding = DataCoding.Ucs2,
            ShortMessage = [0x05, 0x00, 0x03, 0x01, 0x02, 0x01, 0x04, 0x1F],
            Tlvs = [new Tlv(0x1403, [1, 2, 3])],
        };
        var decoded = RoundTrip(submit);
        decoded.ShortMessage.Should().Equal(submit.ShortMessage);
        decoded.Tlvs.Should().ContainSingle().Which.Value.Should().Equal(1, 2, 3);
        (decoded with { ShortMessage = submit.ShortMessage, Tlvs = submit.Tlvs }).Should().Be(submit);
    }

    [Fact]
    public void Submit_sm_resp_and_deliver_sm_resp_round_trip()
    {
        RoundTrip(new MessageIdRespPdu(SmppCommand.SubmitSmResp, "0000abcd") { Sequence = 3 }).MessageId.Should().Be("0000abcd");
        SmppCodec.Encode(new MessageIdRespPdu(SmppCommand.DeliverSmResp, "") { Sequence = 4 })
            .Should().Equal(Hex("00000011 80000005 00000000 00000004 00"));
    }

    [Fact]
    public void An_error_response_without_a_body_decodes()
    {
        var pdu = SmppCodec.Decode(Hex("00000010 80000004 00000058 00000009"), out var error);
        error.Should().BeNull();
        pdu.Should().BeOfType<EmptyPdu>().Which.Status.Should().Be(SmppStatus.Throttled);
        pdu!.Sequence.Should().Be(9);
    }

    [Fact]
    public void Generic_nack_decodes_as_a_response()
    {
        var pdu = SmppCodec.Decode(Hex("00000010 80000000 00000003 00000005"), out _);
        pdu!.IsResponse.Should().BeTrue();
        pdu.Command.Should().Be(SmppCommand.GenericNack);
    }

    [Fact]
    public void Deliver_sm_with_receipt_tlvs_decodes()
    {
        var deliver = new ShortMessagePdu(SmppCommand.DeliverSm)
        {
            Sequence = 5,
            SourceAddress = "46701234567",
            DestinationAddress = "Platform",
            EsmClass = EsmClass.DeliveryReceipt,
            ShortMessage = "id:abc stat:DELIVRD"u8.ToArray(),
            Tlvs = [new Tlv(SmppTag.ReceiptedMessageId, "abc\0"u8.ToArray()), new Tlv(SmppTag.MessageState, [2])],
        };
        var decoded = RoundTrip(deliver);
        SmppCodec.CStringValue(decoded.FindTlv(SmppTag.ReceiptedMessageId)!).Should().Be("abc");
        decoded.FindTlv(SmppTag.MessageState).Should().Equal(2);
    }

    [Theory]
    [InlineData("0000000F 00000015 00000000 00000001", SmppStatus.InvalidCommandLength)] // shorter than a header
    [InlineData("00000014 00000015 00000000 00000001", SmppStatus.InvalidCommandLength)] // length says 20, 16 framed
    [InlineData("00000010 00000999 00000000 00000001", SmppStatus.InvalidCommandId)]     // unknown command id
    [InlineData("00000010 00000103 00000000 00000001", SmppStatus.InvalidCommandId)]     // data_sm: known, not supported
    [InlineData("00000014 00000015 00000000 00000001 01020304", SmppStatus.InvalidCommandLength)] // enquire_link with a body
    [InlineData("00000013 80000004 00000000 00000001 616263", SmppStatus.InvalidCommandLength)]   // message_id without NUL
    [InlineData("00000015 00000009 00000000 00000001 61006200 63", SmppStatus.InvalidCommandLength)] // bind cut short
    public void Malformed_pdus_give_the_status_to_answer_with(string hex, uint expectedStatus)
    {
        var pdu = SmppCodec.Decode(Hex(hex), out var error);
        pdu.Should().BeNull();
        error!.Status.Should().Be(expectedStatus);
        error.Message.Should().NotBeNullOrWhiteSpace();
    }

    [Fact]
    public void Malformed_pdu_errors_keep_the_sequence_number_for_the_nack()
    {
        SmppCodec.Decode(Hex("00000010 00000999 00000000 0000004D"), out var error);
        error!.Sequence.Should().Be(0x4D);
        error.CommandId.Should().Be(0x999);
    }

    private static byte[] DeliverSmWithTail(byte[] tail, byte smLength = 2)
    {
        var body = new List<byte>();
        body.AddRange(Hex("00 01 01 343637303100 01 01 373230303000 00 00 00 00 00 00 00 00 00"));
        body.Add(smLength);
        body.AddRange("hi"u8.ToArray());
        body.AddRange(tail);
        var pdu = new byte[16 + body.Count];
        BinaryPrimitives.WriteUInt32BigEndian(pdu, (uint)pdu.Length);
        BinaryPrimitives.WriteUInt32BigEndian(pdu.AsSpan(4), (uint)SmppCommand.DeliverSm);
        BinaryPrimitives.WriteUInt32BigEndian(pdu.AsSpan(12), 11);
        body.CopyTo(pdu, 16);
        return pdu;
    }

    [Fact]
    public void A_well_formed_deliver_sm_built_by_hand_decodes()
    {
        var pdu = SmppCodec.Decode(DeliverSmWithTail([]), out var error);
        error.Should().BeNull();
        var deliver = pdu.Should().BeOfType<ShortMessagePdu>().Subject;
        deliver.SourceAddress.Should().Be("46701");
        deliver.DestinationAddress.Should().Be("72000");
        deliver.ShortMessage.Should().Equal("hi"u8.ToArray());
    }

    [Fact]
    public void A_tlv_longer_than_the_pdu_is_invalid_parameter_length()
    {
        SmppCodec.Decode(DeliverSmWithTail(Hex("0427 0005 02")), out var error).Should().BeNull();
        error!.Status.Should().Be(SmppStatus.InvalidParameterLength);
    }

    [Fact]
    public void A_truncated_tlv_header_is_an_invalid_optional_parameter_stream()
    {
        SmppCodec.Decode(DeliverSmWithTail(Hex("04 27 00")), out var error).Should().BeNull();
        error!.Status.Should().Be(SmppStatus.InvalidOptionalParameterStream);
    }

    [Fact]
    public void An_sm_length_past_the_end_is_invalid_message_length()
    {
        SmppCodec.Decode(DeliverSmWithTail([], smLength: 50), out var error).Should().BeNull();
        error!.Status.Should().Be(SmppStatus.InvalidMessageLength);
    }

    [Theory]
    [InlineData(15u, false)]
    [InlineData(16u, true)]
    [InlineData(70_000u, true)]
    [InlineData(70_001u, false)]
    [InlineData(0xFFFFFFFFu, false)]
    public void Command_length_bounds(uint length, bool valid) => SmppCodec.IsValidCommandLength(length).Should().Be(valid);

    [Fact]
    public void Status_classification()
    {
        SmppStatus.IsThrottling(SmppStatus.Throttled).Should().BeTrue();
        SmppStatus.IsThrottling(SmppStatus.MessageQueueFull).Should().BeTrue();
        SmppStatus.IsTransient(SmppStatus.SystemError).Should().BeTrue();
        SmppStatus.IsTransient(SmppStatus.InvalidDestinationAddress).Should().BeFalse();
        SmppStatus.Describe(0x58).Should().Be("ESME_RTHROTTLED (0x00000058)");
    }

    [Fact]
    public void A_short_message_over_254_octets_is_refused_when_encoding()
    {
        var encode = () => SmppCodec.Encode(new ShortMessagePdu(SmppCommand.SubmitSm) { ShortMessage = new byte[255] });
        encode.Should().Throw<ArgumentException>();
    }
}
