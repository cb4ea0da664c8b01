namespace Platform.Host.Mail;

/// <summary>Where an email in <c>platform.emails</c> stands (the column <c>state</c>; the migration's CHECK lists the same values).</summary>
internal enum EmailState : short
{
    /// <summary>Waiting for its (next) attempt at <c>next_attempt_at</c>.</summary>
    Queued = 0,

    /// <summary>Being handed to the SMTP server now; left in this state only by a sender that died, and then it becomes <see cref="Unknown"/>.</summary>
    Sending = 1,

    Sent = 2,

    /// <summary>Refused for good (5xx) or deferred more than <see cref="MailOptions.MaxAttempts"/> times.</summary>
    Failed = 3,

    /// <summary>The server may or may not have taken it (the connection or the sender died after the data went out): never resent.</summary>
    Unknown = 4,
}
