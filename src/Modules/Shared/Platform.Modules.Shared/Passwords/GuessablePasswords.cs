using System.Collections.Frozen;
using System.Text;

namespace Platform.Modules.Shared.Passwords;

/// <summary>
/// The one home of the "not guessable" password rule (NIST SP 800-63B 3.1.1.2): a new password is refused when it is on
/// the list of common passwords shipped with the app (<c>common-passwords.txt</c>, the 30,000 most frequent passwords of
/// Mark Burnett's 10-million-password corpus as ranked by Dropbox's zxcvbn; see docs/account-security.md), compared without case,
/// or when it contains the person's own email name or name. Business users get it through Identity's password
/// validators, subscribers through <c>SubscriberPasswords</c>.
/// </summary>
public static class GuessablePasswords
{
    public const string TooCommon =
        "This password is one of the most common ones, which attackers try first. Choose something less predictable, such as three or four unrelated words.";

    public const string ContainsPersonalData = "Your password must not contain your email address or your name. Choose something less predictable.";

    /// <summary>Parts of an email or a name shorter than this are not checked: "Al" in a password proves nothing.</summary>
    private const int ShortestPersonalPart = 3;

    private static readonly Lazy<FrozenSet<string>> Common = new(Load);

    /// <summary>Why <paramref name="password"/> is guessable, or null. <paramref name="email"/> and <paramref name="names"/> are the person's own.</summary>
    public static string? Problem(string? password, string? email, params string?[] names)
    {
        if (string.IsNullOrEmpty(password))
        {
            return null;
        }

        var lower = password.ToLowerInvariant();
        if (Common.Value.Contains(lower))
        {
            return TooCommon;
        }

        return PersonalParts(email, names).Any(part => lower.Contains(part, StringComparison.Ordinal)) ? ContainsPersonalData : null;
    }

    /// <summary>The email's local part and each name, lower-case (whole: "ann" in "Joanna9Harbour" would refuse far too much).</summary>
    private static IEnumerable<string> PersonalParts(string? email, string?[] names) =>
        names.Select(n => n?.Trim().ToLowerInvariant()).Prepend(email?.Split('@')[0].ToLowerInvariant())
            .Where(p => p is { Length: >= ShortestPersonalPart }).Select(p => p!);

    private static FrozenSet<string> Load()
    {
        var assembly = typeof(GuessablePasswords).Assembly;
        var resource = assembly.GetManifestResourceNames().Single(n => n.EndsWith("common-passwords.txt", StringComparison.Ordinal));
        using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!, Encoding.UTF8);
        var passwords = new List<string>(30_000);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0)
            {
                passwords.Add(line.ToLowerInvariant());
            }
        }

        return passwords.ToFrozenSet(StringComparer.Ordinal);
    }
}
