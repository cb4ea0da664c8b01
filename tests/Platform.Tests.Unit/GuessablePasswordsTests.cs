using Platform.Modules.Shared.Passwords;

namespace Platform.Tests.Unit;

/// <summary>NIST SP 800-63B: common passwords and ones made of the person's own email or name are refused (issue #15).</summary>
public sealed class GuessablePasswordsTests
{
    [Theory]
    [InlineData("Password123")]
    [InlineData("PASSWORD123")]
    [InlineData("Qwerty123456")]
    [InlineData("Iloveyou123")]
    public void A_password_on_the_shipped_list_is_refused_whatever_its_case(string password) =>
        GuessablePasswords.Problem(password, "someone@example.com", "Ada", "Lovelace").Should().Be(GuessablePasswords.TooCommon);

    [Theory]
    [InlineData("Harbourlight9", "harbourlight@example.com", "Ada", "Lovelace")]
    [InlineData("Lovelace2026!", "someone@example.com", "Ada", "Lovelace")]
    [InlineData("MyAugusta99X", "someone@example.com", "Augusta", "King")]
    public void A_password_made_of_the_email_or_name_is_refused(string password, string email, string firstName, string surname) =>
        GuessablePasswords.Problem(password, email, firstName, surname).Should().Be(GuessablePasswords.ContainsPersonalData);

    [Theory]
    [InlineData("Passw0rdPassw0rd", "ada@example.com")]
    [InlineData("Harbour9Lantern", "harbourlight@example.com")]
    [InlineData("Teammate9Pass", "mo@example.com")] // "Mo" is too short to count as the name
    public void Other_passwords_pass(string password, string email) =>
        GuessablePasswords.Problem(password, email, "Mo", "Ng").Should().BeNull();
}
