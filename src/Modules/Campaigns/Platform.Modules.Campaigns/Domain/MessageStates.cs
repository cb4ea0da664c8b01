namespace Platform.Modules.Campaigns.Domain;

/// <summary>States of a message; the numbers are stored, and they only move forward (see the migration).</summary>
internal enum MessageState : short
{
    /// <summary>
    /// An A/B test's recipient held for the winner (ADR 36): becomes Queued with the winning variant, or is dropped. Before
    /// Queued in number, so even that move is forward; no claim (state 0) sees it.
    /// </summary>
    Held = -1,
    Queued = 0,
    Submitting = 1,
    Submitted = 2,
    Delivered = 3,
    Failed = 4,
    Expired = 5,
    Suppressed = 6,
    Unknown = 7,
}

/// <summary>
/// <see cref="MessageState"/> as SQL text, for the statements of sending: constants, so they are interpolated into
/// <c>const</c> SQL and the text stays what the partial indexes on <c>state</c> were made with (<c>WHERE state = 0</c>:
/// a parameter in its place would keep the planner from using them). A unit test holds each to the enum.
/// </summary>
internal static class MessageStateSql
{
    public const string Held = "-1";
    public const string Queued = "0";
    public const string Submitting = "1";
    public const string Submitted = "2";
    public const string Delivered = "3";
    public const string Failed = "4";
    public const string Expired = "5";
    public const string Suppressed = "6";
    public const string Unknown = "7";

    /// <summary>The first final state: Delivered and every state after it are final (the webhook index is made with <c>state &gt;= 3</c>).</summary>
    public const string FirstFinal = Delivered;
}
