namespace Platform.Modules.Shared;

/// <summary>Names of the rate-limit policies the host defines and modules put on their endpoints.</summary>
public static class RateLimitPolicies
{
    /// <summary>Sign-in posts, per client address.</summary>
    public const string Login = "login";

    /// <summary>Inbound messages and webhooks from carriers and payment providers, per client address.</summary>
    public const string Inbound = "inbound";
}
