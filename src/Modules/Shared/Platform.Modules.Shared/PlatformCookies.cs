namespace Platform.Modules.Shared;

/// <summary>
/// Every cookie the platform sets, with why and for how long: the one home of their names and lifetimes. The modules that
/// configure the cookies take their names and lifetimes from here, and the privacy policy's cookie list is this list, so
/// the policy cannot name a cookie the site does not set or give one a lifetime it does not have
/// (<c>PolicyPromisesTests</c> reads the real Set-Cookie headers, with and without "Remember me").
/// </summary>
public static class PlatformCookies
{
    public const string BusinessSession = "platform.auth";
    public const string SubscriberSession = "platform.subscriber";
    public const string Antiforgery = "platform.antiforgery";
    public const string TwoFactorStep = "Identity.TwoFactorUserId";
    public const string TempData = ".AspNetCore.Mvc.CookieTempDataProvider";

    /// <summary>A business user's session: signed out after this long without a request, and the "Remember me" cookie's lifetime.</summary>
    public static readonly TimeSpan BusinessSessionIdle = TimeSpan.FromHours(8);

    /// <summary>An end user's session at My opt-ins: signed out after this long without a request; never remembered.</summary>
    public static readonly TimeSpan SubscriberSessionIdle = TimeSpan.FromHours(1);

    /// <summary>The step between the password and the code of a two-factor sign-in (Identity's own lifetime for it).</summary>
    public static readonly TimeSpan TwoFactorStepLifetime = TimeSpan.FromMinutes(5);

    /// <param name="Name">The cookie's name as the browser shows it.</param>
    /// <param name="Purpose">What it is for, and what it holds.</param>
    /// <param name="SetWhen">When it is set and when it goes.</param>
    /// <param name="KeptFor">How long the browser keeps it: null for a session cookie (until the browser closes).</param>
    /// <param name="KeptForWhenRemembered">With "Remember me" ticked: how long the browser keeps it (null: never remembered).</param>
    public sealed record Cookie(string Name, string Purpose, string SetWhen, TimeSpan? KeptFor = null, TimeSpan? KeptForWhenRemembered = null)
    {
        /// <summary>The lifetime as the policy states it.</summary>
        public string Lifetime =>
            (KeptFor is { } kept ? $"{Duration(kept)}" : "Until you close the browser (a session cookie)")
            + (KeptForWhenRemembered is { } remembered ? $"; {Duration(remembered)} if you tick \"Remember me\"" : string.Empty);

        private static string Duration(TimeSpan span) =>
            span.TotalHours >= 1 ? $"{span.TotalHours:0} hour{(span.TotalHours == 1 ? string.Empty : "s")}" : $"{span.TotalMinutes:0} minutes";
    }

    public static readonly IReadOnlyList<Cookie> All =
    [
        new(BusinessSession,
            $"Keeps a business user signed in (signed out after {BusinessSessionIdle.TotalHours:0} hours without use): a random key to your session, which we keep on our server until you sign out or it expires",
            "When you sign in to a company account; removed when you sign out",
            KeptForWhenRemembered: BusinessSessionIdle),
        new(SubscriberSession,
            $"Keeps an end user signed in to their opt-ins account (signed out after {SubscriberSessionIdle.TotalHours:0} hour without use): a random key to your session, which we keep on our server until you sign out or it expires",
            "When you sign in at My opt-ins; removed when you sign out"),
        new(TwoFactorStep,
            "Remembers, between your password and your authentication code, which account is signing in; holds your account's id, encrypted",
            $"When an account with two-factor sign-in gives its password; removed at the code (it stops working after {TwoFactorStepLifetime.TotalMinutes:0} minutes)"),
        new(Antiforgery, "Protects forms against cross-site request forgery; holds no personal data", "When a page with a form is shown"),
        new(TempData, "Carries a one-off message (\"saved\") to the next page; holds no personal data", "After some form submissions; deleted when read"),
    ];
}
