using Microsoft.Extensions.Configuration;

namespace Platform.Modules.Shared;

/// <summary>
/// The platform's own numbers (<c>Platform:Messaging:PlatformNumbers</c>), the one home of that setting: OptIns creates
/// keywords on them, Campaigns routes STOP for alphanumeric senders to the first, Privacy sends newsletter SMS from the
/// first. Normalised to E.164 where they are numbers (a short code stays as written).
/// </summary>
public static class PlatformNumbers
{
    public const string ConfigurationKey = "Platform:Messaging:PlatformNumbers";

    /// <summary>The demo's number, when none is configured.</summary>
    public static readonly IReadOnlyList<string> Default = ["+15550100100"];

    public static IReadOnlyList<string> From(IConfiguration configuration) =>
        configuration.GetSection(ConfigurationKey).Get<string[]>() is { Length: > 0 } configured
            ? configured.Select(n => PhoneNumbers.TryNormalizeE164(n, out var e164) ? e164 : n).ToArray()
            : Default;
}
