using System.Net;
using OtpNet;

namespace Platform.Tests.Integration.Infrastructure;

/// <summary>
/// Platform admins must sign in with two factors (ADR 22), so every test admin is seeded with the authenticator key
/// below (<c>EnsurePlatformAdmin</c>'s key, or <c>Platform:Demo:AdminAuthenticatorKey</c> for a host process) and signs in
/// through the real two-factor page with a code computed from it (RFC 6238 by Otp.NET, as the admin's phone would).
/// </summary>
public static class TestAdmins
{
    /// <summary>A fixed 160-bit base32 secret: tests only, never a real account's.</summary>
    public const string AuthenticatorKey = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

    /// <summary>The host process setting that seeds the demo admin with <see cref="AuthenticatorKey"/>.</summary>
    public static KeyValuePair<string, string> DemoSetting => new("Platform__Demo__AdminAuthenticatorKey", AuthenticatorKey);

    /// <summary>The code an authenticator app set up with <paramref name="key"/> shows now.</summary>
    public static string Code(string key = AuthenticatorKey) => new Totp(Base32Encoding.ToBytes(key.Replace(" ", string.Empty, StringComparison.Ordinal))).ComputeTotp();

    /// <summary>After a right password the login sent the client to <paramref name="twoFactorPath"/>: gives the code there; answers the sign-in's redirect.</summary>
    public static async Task<HttpResponseMessage> CompleteTwoFactorAsync(FormClient client, string twoFactorPath, string key = AuthenticatorKey)
    {
        var response = await client.PostFormAsync(twoFactorPath, new() { ["Input.Code"] = Code(key) });
        response.StatusCode.Should().Be(HttpStatusCode.Redirect, "the code computed from the key signs in: " + await response.Content.ReadAsStringAsync());
        response.Headers.Location!.OriginalString.Should().NotContain("/Accounts/Login");
        return response;
    }

    /// <summary>Whether a login answer sent the client to the two-factor step.</summary>
    public static bool AsksForCode(HttpResponseMessage login) =>
        login.StatusCode == HttpStatusCode.Redirect && login.Headers.Location?.OriginalString.StartsWith("/Accounts/LoginWith2fa", StringComparison.Ordinal) == true;
}
