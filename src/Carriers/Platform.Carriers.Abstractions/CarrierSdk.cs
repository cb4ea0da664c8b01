namespace Platform.Carriers.Abstractions;

/// <summary>The version of this SDK. A plugin records the version it was built against in its <c>plugin.json</c>
/// (<c>sdkVersion</c>); the host loads it only when the major versions match.</summary>
public static class CarrierSdk
{
    /// <summary>The SDK version as "major.minor". Minor versions only add; a major version may break.
    /// 1.1 added <see cref="SubmitOutcome.Unknown"/> ("sent, answer lost": recorded, never resent).</summary>
    public const string Version = "1.1";

    /// <summary>The major part of <see cref="Version"/>.</summary>
    public static int MajorVersion => ParseMajor(Version) ?? 0;

    /// <summary>True when a plugin built against <paramref name="sdkVersion"/> can be loaded by this SDK
    /// (same major version).</summary>
    public static bool IsCompatible(string? sdkVersion) => ParseMajor(sdkVersion) == MajorVersion;

    private static int? ParseMajor(string? version)
    {
        if (string.IsNullOrWhiteSpace(version))
        {
            return null;
        }
        var majorText = version.Split('.')[0];
        return int.TryParse(majorText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var major)
            ? major
            : null;
    }
}
