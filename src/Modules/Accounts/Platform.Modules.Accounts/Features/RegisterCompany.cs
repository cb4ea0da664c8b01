using System.ComponentModel.DataAnnotations;
using MediatR;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Modules.Accounts.Contracts;
using Platform.Modules.Accounts.Domain;
using Platform.Modules.Billing.Contracts;
using Platform.Modules.Shared;
using Platform.Modules.Shared.Events;

namespace Platform.Modules.Accounts.Features;

/// <summary>
/// A business registering: the company and its first user, the Owner. The page binds this class
/// directly so the form and the command share one set of rules.
/// </summary>
internal sealed class RegisterCompany : IRequest<Guid>
{
    [Required(ErrorMessage = "Enter your company's name.")]
    [StringLength(200, ErrorMessage = "The company name can have at most 200 characters.")]
    [Display(Name = "Company name")]
    public string CompanyName { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter your first name.")]
    [StringLength(100, ErrorMessage = "The first name can have at most 100 characters.")]
    [Display(Name = "First name")]
    public string FirstName { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter your surname.")]
    [StringLength(100, ErrorMessage = "The surname can have at most 100 characters.")]
    public string Surname { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter your email address.")]
    [EmailAddress(ErrorMessage = "Enter a valid email address, like name@example.com.")]
    [StringLength(256, ErrorMessage = "The email address can have at most 256 characters.")]
    public string Email { get; set; } = string.Empty;

    [Required(ErrorMessage = "Choose a password.")]
    [DataType(DataType.Password)]
    public string Password { get; set; } = string.Empty;

    [Required(ErrorMessage = "Type the password again to confirm it.")]
    [DataType(DataType.Password)]
    [Display(Name = "Confirm password")]
    public string ConfirmPassword { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter your mobile number.")]
    [Display(Name = "Mobile number")]
    public string MobileNumber { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter your postal code.")]
    [StringLength(20, ErrorMessage = "The postal code can have at most 20 characters.")]
    [Display(Name = "Postal code")]
    public string PostalCode { get; set; } = string.Empty;

    [Required(ErrorMessage = "Choose your market sector.")]
    [Display(Name = "Market sector")]
    public string MarketSector { get; set; } = string.Empty;

    [Range(typeof(bool), "true", "true", ErrorMessage = "You must be 18 or over to register a company.")]
    [Display(Name = "I am 18 or over")]
    public bool IsAdult { get; set; }

    [Range(typeof(bool), "true", "true", ErrorMessage = "Accept the terms and the privacy policy to register.")]
    [Display(Name = "I accept the terms and the privacy policy")]
    public bool AcceptTerms { get; set; }
}

internal sealed class RegisterCompanyValidator : IRequestValidator<RegisterCompany>
{
    public IEnumerable<ValidationError> Validate(RegisterCompany request)
    {
        if (!string.IsNullOrEmpty(request.Password) && request.Password != request.ConfirmPassword)
        {
            yield return new ValidationError(nameof(request.ConfirmPassword), "The password and its confirmation do not match.");
        }

        if (!string.IsNullOrEmpty(request.MobileNumber) && !PhoneNumbers.TryNormalizeE164(request.MobileNumber, out _))
        {
            yield return new ValidationError(nameof(request.MobileNumber), PhoneNumbers.FormatHint);
        }

        if (!string.IsNullOrEmpty(request.MarketSector) && !MarketSectors.All.Contains(request.MarketSector))
        {
            yield return new ValidationError(nameof(request.MarketSector), "Choose a market sector from the list.");
        }
    }
}

internal sealed class RegisterCompanyHandler(
    AccountsDbContext db,
    UserManager<PlatformUser> users,
    IOptions<AccountsOptions> options,
    IMediator mediator,
    ILogger<RegisterCompanyHandler> logger,
    TimeProvider clock) : IRequestHandler<RegisterCompany, Guid>
{
    public async Task<Guid> Handle(RegisterCompany request, CancellationToken cancellationToken)
    {
        PhoneNumbers.TryNormalizeE164(request.MobileNumber, out var mobile);
        var now = clock.GetUtcNow();
        var company = new Company
        {
            Id = Guid.NewGuid(),
            Name = request.CompanyName.Trim(),
            MarketSector = request.MarketSector,
            TermsVersion = options.Value.TermsVersion,
            TermsAcceptedAt = now,
            CreatedAt = now,
        };
        var owner = new PlatformUser
        {
            Id = Guid.NewGuid(),
            UserName = request.Email.Trim(),
            Email = request.Email.Trim(),
            FirstName = request.FirstName.Trim(),
            Surname = request.Surname.Trim(),
            PhoneNumber = mobile,
            PostalCode = request.PostalCode.Trim(),
            CompanyId = company.Id,
            CompanyRole = CompanyRoles.Owner,
            CreatedAt = now,
            TermsVersion = options.Value.TermsVersion,
            TermsAcceptedAt = now,
        };

        // One transaction: a company without its owner (or the reverse) must never be left behind.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.Companies.Add(company);
        await db.SaveChangesAsync(cancellationToken);
        var created = await users.CreateAsync(owner, request.Password);
        if (!created.Succeeded)
        {
            await transaction.RollbackAsync(cancellationToken);
            throw new RequestValidationException(created.Errors.Select(IdentityErrors.ToValidationError).ToList());
        }

        // Announced from the outbox, in this transaction: Billing's trial credits follow even if this host dies now.
        await Outbox.AddAsync(db, new CompanyRegistered(company.Id, company.Name, owner.Id), cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        // The trial credits at once, so the new company's first page shows them and a first campaign is not refused for
        // lack of credits; idempotent, and the event above grants them if this fails or the host dies before it.
        try
        {
            await mediator.Send(new GrantTrial(company.Id), cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogWarning(exception, "Trial credits for company {CompanyId} are left to CompanyRegistered from the outbox", company.Id);
        }

        return owner.Id;
    }
}

/// <summary>Maps Identity's errors onto the form fields they concern, with messages a person can act on.</summary>
internal static class IdentityErrors
{
    public static ValidationError ToValidationError(IdentityError error) => error.Code switch
    {
        "DuplicateUserName" or "DuplicateEmail" => new ValidationError("Email", "An account with this email address already exists. Log in instead, or use another address."),
        "InvalidEmail" or "InvalidUserName" => new ValidationError("Email", "Enter a valid email address, like name@example.com."),
        var code when code.StartsWith("Password", StringComparison.Ordinal) => new ValidationError("Password", error.Description),
        _ => new ValidationError(string.Empty, error.Description),
    };
}
