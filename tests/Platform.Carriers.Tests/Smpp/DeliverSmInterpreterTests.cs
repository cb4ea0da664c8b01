using Platform.Carriers.Abstractions;
using Platform.Carriers.Smpp;
using Platform.Carriers.Smpp.Protocol;

namespace Platform.Carriers.Tests.Smpp;

public sealed class DeliverSmInterpreterTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private static ShortMessagePdu Receipt(string text, params Tlv[] tlvs) => new(SmppCommand.DeliverSm)
    {
        EsmClass = EsmClass.DeliveryReceipt,
        ShortMessage = System.Text.Encoding.Latin1.GetBytes(text),
        Tlvs = tlvs,
    };

    [Theory]
    [InlineData("DELIVRD", DeliveryStatus.Delivered)]
    [InlineData("UNDELIV", DeliveryStatus.Failed)]
    [InlineData("EXPIRED", DeliveryStatus.Expired)]
    [InlineData("REJECTD", DeliveryStatus.Rejected)]
    [InlineData("DELETED", DeliveryStatus.Failed)]
    [InlineData("ENROUTE", DeliveryStatus.Unknown)]
    public void The_text_format_is_understood(string stat, DeliveryStatus expected)
    {
        var pdu = Receipt($"id:0000abcd sub:001 dlvr:001 submit date:2601020304 done date:2601020305 stat:{stat} err:042 text:Hello");
        DeliverSmInterpreter.IsDeliveryReceipt(pdu).Should().BeTrue();

        var receipt = DeliverSmInterpreter.ReadReceipt(pdu, Now);

        receipt.Should().Be(new DeliveryReceipt("0000abcd", expected, "042", new DateTimeOffset(2026, 1, 2, 3, 5, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void Tlvs_win_over_the_text()
    {
        var pdu = Receipt("id:wrong stat:UNDELIV err:001",
            new Tlv(SmppTag.ReceiptedMessageId, "right\0"u8.ToArray()),
            new Tlv(SmppTag.MessageState, [2]),
            new Tlv(SmppTag.NetworkErrorCode, [3, 0x01, 0x02]));

        var receipt = DeliverSmInterpreter.ReadReceipt(pdu, Now)!;

        receipt.CarrierMessageId.Should().Be("right");
        receipt.Status.Should().Be(DeliveryStatus.Delivered);
        receipt.ErrorCode.Should().Be("258");
        receipt.Timestamp.Should().Be(Now, "there is no done date");
    }

    [Fact]
    public void A_receipt_without_any_id_is_not_a_receipt()
    {
        DeliverSmInterpreter.ReadReceipt(Receipt("stat:DELIVRD"), Now).Should().BeNull();
    }

    [Fact]
    public void Field_names_match_whole_words_only()
    {
        DeliverSmInterpreter.ReadReceipt(Receipt("sid:nope id:yes stat:DELIVRD"), Now)!.CarrierMessageId.Should().Be("yes");
    }

    [Theory]
    [InlineData(DataCoding.SmscDefault, new byte[] { 0x48, 0x69, 0x1B, 0x65 }, "Hi€")]
    [InlineData(DataCoding.Ia5, new byte[] { 0x48, 0x69 }, "Hi")]
    [InlineData(DataCoding.Latin1, new byte[] { 0x63, 0x61, 0x66, 0xE9 }, "café")]
    [InlineData(DataCoding.Ucs2, new byte[] { 0x04, 0x1F, 0x00, 0x21 }, "П!")]
    [InlineData(0xF1, new byte[] { 0x00 }, "@")]
    public void Inbound_text_is_decoded_by_data_coding(byte dataCoding, byte[] payload, string expected)
    {
        var pdu = new ShortMessagePdu(SmppCommand.DeliverSm) { DataCoding = dataCoding, ShortMessage = payload };
        DeliverSmInterpreter.ReadText(pdu, out var concatenation).Should().Be(expected);
        concatenation.Should().BeNull();
    }

    [Fact]
    public void A_udh_is_stripped_and_its_concatenation_read()
    {
        var pdu = new ShortMessagePdu(SmppCommand.DeliverSm)
        {
            EsmClass = EsmClass.UdhIndicator,
            ShortMessage = [0x05, 0x00, 0x03, 0x7A, 0x02, 0x01, 0x48, 0x69],
        };
        DeliverSmInterpreter.ReadText(pdu, out var concatenation).Should().Be("Hi");
        concatenation.Should().Be(new ConcatenationInfo(0x7A, 2, 1));
    }

    [Fact]
    public void The_message_payload_tlv_is_used_when_short_message_is_empty()
    {
        var pdu = new ShortMessagePdu(SmppCommand.DeliverSm) { DataCoding = DataCoding.Latin1, Tlvs = [new Tlv(SmppTag.MessagePayload, "long"u8.ToArray())] };
        DeliverSmInterpreter.ReadText(pdu, out _).Should().Be("long");
    }

    [Fact]
    public void Concatenated_inbound_parts_are_reassembled_in_order()
    {
        var reassembly = new InboundReassembly();
        reassembly.Add("a", "b", new ConcatenationInfo(9, 3, 3), "!", Now).Should().BeNull();
        reassembly.Add("a", "b", new ConcatenationInfo(9, 3, 1), "Hel", Now).Should().BeNull();
        reassembly.Add("other", "b", new ConcatenationInfo(9, 3, 2), "XX", Now).Should().BeNull();
        reassembly.Add("a", "b", new ConcatenationInfo(9, 3, 2), "lo", Now).Should().Be("Hello!");
    }
}
