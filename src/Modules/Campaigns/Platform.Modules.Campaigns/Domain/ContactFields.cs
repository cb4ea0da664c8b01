namespace Platform.Modules.Campaigns.Domain;

/// <summary>
/// One of a company's own contact fields (Migrations/0018_contact_fields.sql): its key is the placeholder ({city}) and
/// the name of the value in each contact's <see cref="Contact.Fields"/>; the kind says which values it takes.
/// </summary>
internal sealed class ContactField
{
    public Guid Id { get; set; }

    public Guid CompanyId { get; set; }

    /// <summary>lower_snake ASCII, unique in the company, never one of the platform's own names (ContactFieldRules.Reserved).</summary>
    public string Key { get; set; } = string.Empty;

    public string Label { get; set; } = string.Empty;

    /// <summary>One of <see cref="ContactFieldKinds"/>.</summary>
    public string Kind { get; set; } = ContactFieldKinds.Text;

    /// <summary>The values a choice field takes, as the company wrote them; empty for other kinds.</summary>
    public string[] Choices { get; set; } = [];

    public DateTimeOffset CreatedAt { get; set; }
}

internal static class ContactFieldKinds
{
    public const string Text = "text";
    public const string Number = "number";
    public const string Date = "date";
    public const string Choice = "choice";

    public static readonly IReadOnlyList<string> All = [Text, Number, Date, Choice];
}
