namespace Platform.Modules.Shared;

/// <summary>What kind of personal data a property holds; the Privacy module groups its inventory by it.</summary>
public enum PersonalDataCategory
{
    Identity,
    Contact,
    Demographic,
    Device,
    Network,
    Account,
    Communication,
}

/// <summary>Whose data a property holds: the Privacy module's published inventory is grouped by it.</summary>
public enum PersonKind
{
    /// <summary>Not said: the Privacy module takes the module's usual person (Accounts → business user, OptIns → end user…).</summary>
    Unspecified,
    Visitor,
    BusinessUser,
    EndUser,
    BillingContact,
    Staff,
}

/// <summary>
/// Declares that a property holds personal data, why it is kept and for how long. The Privacy module
/// builds the published inventory, the export and the erasure from these declarations, and a test fails
/// when a column that looks personal (name, phone, email, address, IMEI, IP) lacks one.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = true)]
public sealed class PersonalDataAttribute(PersonalDataCategory category, string purpose, string retention) : Attribute
{
    public PersonalDataCategory Category { get; } = category;

    public string Purpose { get; } = purpose;

    public string Retention { get; } = retention;

    /// <summary>Whose data it is, when the module's usual person is not the right one.</summary>
    public PersonKind Person { get; init; }

    /// <summary>Who can see it, when it is not just the person and platform staff helping them (audited).</summary>
    public string? SeenBy { get; init; }
}
