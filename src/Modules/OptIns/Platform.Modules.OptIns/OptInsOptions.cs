namespace Platform.Modules.OptIns;

/// <summary>Settings under <c>Platform:OptIns</c>.</summary>
internal sealed class OptInsOptions
{
    public const string Section = "Platform:OptIns";

    /// <summary>At most one reply to unrecognised texts (and to "nothing to change") per number in this interval.</summary>
    public TimeSpan UnknownReplyInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>At most one HELP answer per number in this interval.</summary>
    public TimeSpan HelpReplyInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The same keyword texted again within this interval is recorded but not answered again.</summary>
    public TimeSpan KeywordReplyInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Where people reach the site, for the registration link in the first text (falls back to <c>Platform:PublicBaseUrl</c>).</summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>Failed sign-ins before a subscriber account is locked.</summary>
    public int MaxFailedLogins { get; set; } = 5;

    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// The key of the hash kept of an erased subscriber's number (so their STOP keeps holding). Set a secret of your own
    /// in production; changing it makes the kept hashes stop matching.
    /// </summary>
    public string SuppressionKey { get; set; } = "platform-optins-suppression-v1";
}
