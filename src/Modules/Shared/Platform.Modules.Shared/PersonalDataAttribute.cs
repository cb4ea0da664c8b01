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
}
