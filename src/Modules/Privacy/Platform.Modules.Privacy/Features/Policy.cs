using System.Security.Cryptography;
using System.Text;
using Platform.Modules.Shared;

namespace Platform.Modules.Privacy.Features;

/// <summary>
/// The versions of the published privacy policy. A business registering accepts <see cref="Current"/> (Shared's
/// <see cref="PrivacyPolicyVersion"/>, which Accounts asks every user to accept), and Accounts records it with the company.
/// Each version records the fingerprint of the generated policy it published (<see cref="PolicyFingerprint"/>): a change
/// to the inventory, the cookies or the age rule without a new version here fails <c>PolicyPromisesTests</c>, so users
/// are never held to a policy that changed under them.
/// </summary>
internal static class PolicyVersions
{
    public sealed record Version(string Name, string Changes, string? Fingerprint);

    public static readonly IReadOnlyList<Version> All =
    [
        new("2026-11-01", "First published version: the inventory below is generated from the platform's code.", null),
        new("2026-12-04",
            "Cookie lifetimes listed (\"Remember me\" keeps the business sign-in 8 hours); who receives your data (the mobile networks, " +
            "the payment provider, our mail server) listed from the running configuration; a company's contact list is seen by that " +
            "company, said so; one age rule for everyone: 18 and over; age bands start at 18; buyers' tax IDs on invoices.",
            "a247f4ad988101e7"),
        new("2026-12-05",
            "Consent proof: each opt-in and opt-out gets a fingerprint that a company can use to prove it held the record; the " +
            "fingerprint, its time and a keyed one-way hash of the number are kept after you erase your account (the record itself is erased); " +
            "a company that tracks the links of its campaigns sees which recipients clicked them (kept at most 13 months); " +
            "a company may keep fields of its own on its contacts (for example a birthday or a favourite store) and use them in its messages.",
            "21388fcbce8dd639"),
        new("2026-12-06",
            "Segments: for each number it messages, a company keeps when it last sent to it and when a message was last delivered, " +
            "last failed and last had a link clicked, to choose who receives its next campaigns (kept at most 13 months after the " +
            "last of them; part of Download my data, and erased with your account).",
            "8ef4d2b9d4d565e3"),
    ];

    public static string Current => PrivacyPolicyVersion.Current;
}

/// <summary>A short hash of everything the policy generates from code: the inventory, the cookie list and the age rule.</summary>
internal static class PolicyFingerprint
{
    public static string Of(PersonalDataInventory inventory)
    {
        var text = new StringBuilder();
        foreach (var item in inventory.Items)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture,
                $"{item.Person}|{item.Module}.{item.Entity}.{item.Property}|{item.What}|{item.Why}|{item.SeenBy}|{item.HowLong}\n");
        }

        foreach (var cookie in PlatformCookies.All)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"{cookie.Name}|{cookie.Purpose}|{cookie.SetWhen}|{cookie.Lifetime}\n");
        }

        text.Append(AgeRule.PolicyStatement);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }
}
