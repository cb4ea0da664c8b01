namespace Platform.Modules.Privacy.Features;

/// <summary>
/// The versions of the published privacy policy. A business registering accepts <see cref="Current"/>, and Accounts
/// records that version with the company (<c>accounts.companies.terms_version</c>); keep
/// <c>Platform:Accounts:TermsVersion</c> equal to it when a new version is published.
/// </summary>
internal static class PolicyVersions
{
    public sealed record Version(string Name, string Changes);

    public static readonly IReadOnlyList<Version> All =
    [
        new("2026-11-01", "First published version: the inventory below is generated from the platform's code."),
    ];

    public static string Current => All[^1].Name;
}

/// <summary>The cookies the site sets. All of them are session cookies: they end when the browser closes.</summary>
internal static class SiteCookies
{
    public sealed record Cookie(string Name, string Purpose, string SetWhen);

    public static readonly IReadOnlyList<Cookie> All =
    [
        new("platform.auth", "Keeps a business user signed in (at most 8 hours idle): a random key to your session, which we keep on our server until you sign out or it expires", "When you sign in to a company account; removed when you sign out"),
        new("platform.subscriber", "Keeps an end user signed in to their opt-ins account (at most 1 hour idle): a random key to your session, which we keep on our server until you sign out or it expires", "When you sign in at My opt-ins; removed when you sign out"),
        new("platform.antiforgery", "Protects forms against cross-site request forgery; holds no personal data", "When a page with a form is shown"),
        new(".AspNetCore.Mvc.CookieTempDataProvider", "Carries a one-off message (\"saved\") to the next page; holds no personal data", "After some form submissions; deleted when read"),
    ];
}
