namespace Platform.Modules.SenderIds;

/// <summary>Settings under <c>Platform:SenderIds</c>.</summary>
internal sealed class SenderIdsOptions
{
    public const string Section = "Platform:SenderIds";

    /// <summary>The platform's own sender, usable by every company in every country.</summary>
    public string DefaultSender { get; set; } = "PLATFORM";

    /// <summary>Where supporting documents are stored (outside the web root). Default: &lt;content root&gt;/../.data/senderid-documents.</summary>
    public string? DocumentsPath { get; set; }

    /// <summary>Days after the decision when supporting documents are deleted.</summary>
    public int DocumentRetentionDays { get; set; } = 30;

    /// <summary>Largest accepted document.</summary>
    public long MaxDocumentBytes { get; set; } = 5 * 1024 * 1024;
}
