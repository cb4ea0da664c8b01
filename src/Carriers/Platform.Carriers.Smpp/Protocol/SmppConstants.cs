namespace Platform.Carriers.Smpp.Protocol;

/// <summary>SMPP 3.4 command ids (section 5.1.2.1). Responses are the request id with the high bit set.</summary>
internal enum SmppCommand : uint
{
    GenericNack = 0x80000000,
    BindReceiver = 0x00000001,
    BindReceiverResp = 0x80000001,
    BindTransmitter = 0x00000002,
    BindTransmitterResp = 0x80000002,
    QuerySm = 0x00000003,
    QuerySmResp = 0x80000003,
    SubmitSm = 0x00000004,
    SubmitSmResp = 0x80000004,
    DeliverSm = 0x00000005,
    DeliverSmResp = 0x80000005,
    Unbind = 0x00000006,
    UnbindResp = 0x80000006,
    ReplaceSm = 0x00000007,
    ReplaceSmResp = 0x80000007,
    CancelSm = 0x00000008,
    CancelSmResp = 0x80000008,
    BindTransceiver = 0x00000009,
    BindTransceiverResp = 0x80000009,
    Outbind = 0x0000000B,
    EnquireLink = 0x00000015,
    EnquireLinkResp = 0x80000015,
    SubmitMulti = 0x00000021,
    SubmitMultiResp = 0x80000021,
    AlertNotification = 0x00000102,
    DataSm = 0x00000103,
    DataSmResp = 0x80000103,
}

/// <summary>SMPP 3.4 command_status values (section 5.1.3) the client produces or reacts to.</summary>
internal static class SmppStatus
{
    public const uint Ok = 0x00000000;
    public const uint InvalidMessageLength = 0x00000001;   // ESME_RINVMSGLEN
    public const uint InvalidCommandLength = 0x00000002;   // ESME_RINVCMDLEN
    public const uint InvalidCommandId = 0x00000003;       // ESME_RINVCMDID
    public const uint IncorrectBindStatus = 0x00000004;    // ESME_RINVBNDSTS
    public const uint AlreadyBound = 0x00000005;           // ESME_RALYBND
    public const uint SystemError = 0x00000008;            // ESME_RSYSERR
    public const uint InvalidDestinationAddress = 0x0000000B; // ESME_RINVDSTADR
    public const uint BindFailed = 0x0000000D;             // ESME_RBINDFAIL
    public const uint InvalidPassword = 0x0000000E;        // ESME_RINVPASWD
    public const uint InvalidSystemId = 0x0000000F;        // ESME_RINVSYSID
    public const uint MessageQueueFull = 0x00000014;       // ESME_RMSGQFUL
    public const uint SubmitFailed = 0x00000045;           // ESME_RSUBMITFAIL
    public const uint Throttled = 0x00000058;              // ESME_RTHROTTLED
    public const uint ReceiverTemporaryAppError = 0x00000064; // ESME_RX_T_APPN
    public const uint InvalidOptionalParameterStream = 0x000000C0; // ESME_RINVOPTPARSTREAM
    public const uint InvalidParameterLength = 0x000000C2; // ESME_RINVPARLEN
    public const uint UnknownError = 0x000000FF;           // ESME_RUNKNOWNERR

    /// <summary>True for statuses that mean "slow down": the message was not taken but may be sent again shortly.</summary>
    public static bool IsThrottling(uint status) => status is Throttled or MessageQueueFull;

    /// <summary>True for statuses worth retrying later (transient); everything else rejects the message for good.</summary>
    public static bool IsTransient(uint status) =>
        IsThrottling(status) || status is SystemError or IncorrectBindStatus or SubmitFailed or ReceiverTemporaryAppError or UnknownError;

    /// <summary>A readable name for logs and failure reasons, for example "ESME_RTHROTTLED (0x00000058)".</summary>
    public static string Describe(uint status) => status switch
    {
        Ok => "ESME_ROK",
        InvalidMessageLength => "ESME_RINVMSGLEN",
        InvalidCommandLength => "ESME_RINVCMDLEN",
        InvalidCommandId => "ESME_RINVCMDID",
        IncorrectBindStatus => "ESME_RINVBNDSTS",
        AlreadyBound => "ESME_RALYBND",
        SystemError => "ESME_RSYSERR",
        0x0000000A => "ESME_RINVSRCADR",
        InvalidDestinationAddress => "ESME_RINVDSTADR",
        BindFailed => "ESME_RBINDFAIL",
        InvalidPassword => "ESME_RINVPASWD",
        InvalidSystemId => "ESME_RINVSYSID",
        MessageQueueFull => "ESME_RMSGQFUL",
        SubmitFailed => "ESME_RSUBMITFAIL",
        Throttled => "ESME_RTHROTTLED",
        ReceiverTemporaryAppError => "ESME_RX_T_APPN",
        InvalidOptionalParameterStream => "ESME_RINVOPTPARSTREAM",
        InvalidParameterLength => "ESME_RINVPARLEN",
        UnknownError => "ESME_RUNKNOWNERR",
        _ => "status",
    } + $" (0x{status:X8})";
}

/// <summary>Optional parameter (TLV) tags used here (section 5.3.2).</summary>
internal static class SmppTag
{
    public const ushort ReceiptedMessageId = 0x001E;
    public const ushort ScInterfaceVersion = 0x0210;
    public const ushort NetworkErrorCode = 0x0423;
    public const ushort MessagePayload = 0x0424;
    public const ushort MessageState = 0x0427;
}

/// <summary>esm_class bits (section 5.2.12).</summary>
internal static class EsmClass
{
    /// <summary>Message type "SMSC delivery receipt" (bits 2-5 = 0001).</summary>
    public const byte DeliveryReceipt = 0x04;
    /// <summary>The short message starts with a user data header.</summary>
    public const byte UdhIndicator = 0x40;
}

/// <summary>data_coding values (section 5.2.19) the client sends or understands.</summary>
internal static class DataCoding
{
    public const byte SmscDefault = 0x00; // sent as GSM 03.38, unpacked
    public const byte Ia5 = 0x01;
    public const byte Latin1 = 0x03;
    public const byte Ucs2 = 0x08;
}
