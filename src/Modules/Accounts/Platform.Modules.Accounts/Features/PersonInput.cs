using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Platform.Modules.Accounts.Domain;
using Platform.Modules.Shared;
using Platform.Modules.Shared.Passwords;

namespace Platform.Modules.Accounts.Features;

/// <summary>
/// The person every Accounts form asks about (registration, invitation, profile): one set of fields and rules, bound by
/// the pages (partial <c>_PersonFields</c>) and checked by the requests' validators.
/// </summary>
internal abstract class PersonInput
{
    [Required(ErrorMessage = "Enter your first name.")]
    [StringLength(100, ErrorMessage = "The first name can have at most 100 characters.")]
    [Display(Name = "First name")]
    public string FirstName { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter your surname.")]
    [StringLength(100, ErrorMessage = "The surname can have at most 100 characters.")]
    public string Surname { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter your mobile number.")]
    [Display(Name = "Mobile number")]
    public string MobileNumber { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter your postal code.")]
    [StringLength(20, ErrorMessage = "The postal code can have at most 20 characters.")]
    [Display(Name = "Postal code")]
    public string PostalCode { get; set; } = string.Empty;

    /// <summary>
    /// The company's country as stored, set by the server (never bound from the form): a mobile number typed without
    /// its country code is read as a number of this country.
    /// </summary>
    [BindNever]
    public string? CompanyCountry { get; set; }

    /// <summary>The country the mobile number is read in; registration and the Owner's profile form name it themselves.</summary>
    protected virtual string? MobileNumberCountry => CompanyCountry;

    /// <summary>The mobile number as read in <see cref="MobileNumberCountry"/>.</summary>
    public ParsedPhoneNumber ParsedMobileNumber() => PhoneNumbers.Parse(MobileNumber, MobileNumberCountry);

    /// <summary>The rules data annotations cannot express; an empty mobile number is left to [Required].</summary>
    public IEnumerable<ValidationError> PersonProblems()
    {
        if (!string.IsNullOrWhiteSpace(MobileNumber) && ParsedMobileNumber().Error is { } error)
        {
            yield return new ValidationError(nameof(MobileNumber), error);
        }
    }

    /// <summary>Writes the person onto the user, trimmed, with the mobile number in E.164 (validated before).</summary>
    public void CopyTo(PlatformUser user)
    {
        user.FirstName = FirstName.Trim();
        user.Surname = Surname.Trim();
        var phone = ParsedMobileNumber().E164;
        // A new number is not the one that was verified by SMS (test sends go only to a verified one).
        user.PhoneNumberConfirmed &= user.PhoneNumber == phone;
        user.PhoneNumber = phone;
        user.PostalCode = PostalCode.Trim();
    }
}

/// <summary>
/// A new password and its confirmation, as every form that sets one asks for it (registration, invitation, reset):
/// the partial <c>_NewPasswordFields</c> renders it, <see cref="NewPasswords.Problems"/> checks the pair, Identity the rules.
/// </summary>
internal interface INewPasswordInput
{
    [DataType(DataType.Password)]
    string Password { get; set; }

    [DataType(DataType.Password)]
    [Display(Name = "Confirm password")]
    string ConfirmPassword { get; set; }
}

internal static class NewPasswords
{
    public const string PasswordMissing = "Choose a password.";

    public const string ConfirmationMissing = "Type the password again to confirm it.";

    /// <summary>
    /// The pair's rules. Forms whose class carries [Required] with these messages (<see cref="NewUserInput"/>) have the
    /// missing ones reported with the other fields; a form that only sets a password asks for <paramref name="missing"/>.
    /// </summary>
    public static IEnumerable<ValidationError> Problems(INewPasswordInput input, bool missing = false)
    {
        if (missing && string.IsNullOrEmpty(input.Password))
        {
            yield return new ValidationError(nameof(input.Password), PasswordMissing);
        }

        if (missing && string.IsNullOrEmpty(input.ConfirmPassword))
        {
            yield return new ValidationError(nameof(input.ConfirmPassword), ConfirmationMissing);
        }

        if (!string.IsNullOrEmpty(input.Password) && input.Password != input.ConfirmPassword)
        {
            yield return new ValidationError(nameof(input.ConfirmPassword), "The password and its confirmation do not match.");
        }
    }
}

/// <summary>A person who becomes a user (registration, invitation): the person and a new password, confirmed.</summary>
internal abstract class NewUserInput : PersonInput, INewPasswordInput
{
    [Required(ErrorMessage = NewPasswords.PasswordMissing)]
    [DataType(DataType.Password)]
    public string Password { get; set; } = string.Empty;

    [Required(ErrorMessage = NewPasswords.ConfirmationMissing)]
    [DataType(DataType.Password)]
    [Display(Name = "Confirm password")]
    public string ConfirmPassword { get; set; } = string.Empty;

    public IEnumerable<ValidationError> NewUserProblems() => PersonProblems().Concat(NewPasswords.Problems(this));
}

/// <summary>
/// The business users' password rules, in one place: Identity enforces them (its messages reach the form through
/// <see cref="IdentityErrors"/>) and the forms describe them with <see cref="Hint"/>.
/// </summary>
internal static class AccountPasswords
{
    public const int MinimumLength = 10;

    public static readonly string Hint = $"At least {MinimumLength} characters, with an upper-case letter, a lower-case letter and a digit; not a common password, not your email or name.";

    public static void Apply(PasswordOptions options)
    {
        options.RequiredLength = MinimumLength;
        options.RequireDigit = true;
        options.RequireLowercase = true;
        options.RequireUppercase = true;
        options.RequireNonAlphanumeric = false;
    }
}

/// <summary>
/// Identity's check of every password a business user sets (registration, invitation, reset, change): not on the common
/// list, not made of their own email or name (Shared <see cref="GuessablePasswords"/>, the rule's one home).
/// </summary>
internal sealed class GuessablePasswordValidator : IPasswordValidator<PlatformUser>
{
    public Task<IdentityResult> ValidateAsync(UserManager<PlatformUser> manager, PlatformUser user, string? password) =>
        Task.FromResult(GuessablePasswords.Problem(password, user.Email, user.FirstName, user.Surname) is { } problem
            ? IdentityResult.Failed(new IdentityError { Code = "PasswordGuessable", Description = problem })
            : IdentityResult.Success);
}
