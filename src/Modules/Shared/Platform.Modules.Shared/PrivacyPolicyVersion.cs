namespace Platform.Modules.Shared;

/// <summary>
/// The version of the terms and privacy policy in force: the one home of it. Privacy publishes it (its version list ends with
/// it) and Accounts asks every business user to accept it (registration records it; a signed-in user who accepted an older
/// one is asked again, and emailed once). <c>Platform:Accounts:TermsVersion</c> overrides it only in tests.
/// </summary>
public static class PrivacyPolicyVersion
{
    public const string Current = "2026-12-06";
}
