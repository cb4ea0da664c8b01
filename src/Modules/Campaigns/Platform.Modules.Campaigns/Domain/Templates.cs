namespace Platform.Modules.Campaigns.Domain;

/// <summary>A saved message text of a company's library (Migrations/0017_templates.sql); a campaign copies its text.</summary>
internal sealed class MessageTemplateEntry
{
    public Guid Id { get; set; }

    public Guid CompanyId { get; set; }

    public string Name { get; set; } = string.Empty;

    public string Body { get; set; } = string.Empty;

    /// <summary>Comma-separated, as typed and tidied ("promo, weekend").</summary>
    public string Tags { get; set; } = string.Empty;

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>A template as it was saved once: its edit history, newest first.</summary>
internal sealed class MessageTemplateVersion
{
    public long Id { get; set; }

    public Guid TemplateId { get; set; }

    public string Name { get; set; } = string.Empty;

    public string Body { get; set; } = string.Empty;

    public string Tags { get; set; } = string.Empty;

    /// <summary>The user who saved it (a business user's id; their name comes from Accounts when shown).</summary>
    public Guid? SavedBy { get; set; }

    public DateTimeOffset SavedAt { get; set; }
}
