namespace Platform.Modules.Shared;

/// <summary>Names of the rate-limit policies the host defines and modules put on their endpoints.</summary>
public static class RateLimitPolicies
{
    /// <summary>Sign-in posts, per client address.</summary>
    public const string Login = "login";

    /// <summary>Inbound messages and webhooks from carriers and payment providers, per client address.</summary>
    public const string Inbound = "inbound";
}

/// <summary>What every sign-in form says when it does not sign the person in.</summary>
public static class SignInMessages
{
    /// <summary>
    /// One answer for an unknown email, a wrong password and a locked account: a different one for a lockout would tell
    /// whoever tries that the address has an account (unknown addresses are never locked). It names the lockout, so a
    /// person who is locked out knows why the right password did not work.
    /// </summary>
    public const string Failed = "The email address or password is not right. After 5 wrong passwords in a row an account stays locked for 15 minutes.";
}
