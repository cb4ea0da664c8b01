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
internal sealed class RegisterCompany : NewUserInput, IRequest<Guid>
{
    [Required(ErrorMessage = "Enter your company's name.")]
    [StringLength(200, ErrorMessage = "The company name can have at most 200 characters.")]
    [Display(Name = "Company name")]
    public string CompanyName { get; set; } = string.Empty;

    /// <summary>
    /// Where the company is (ISO 3166-1 alpha-2): its people's numbers are read as national numbers of this country,
    /// and other modules use it (tax, time zones). The page proposes the browser's country; a post without it means GB.
    /// </summary>
    [Required(ErrorMessage = "Choose your company's country.")]
    [Display(Name = "Country")]
    public string Country { get; set; } = PhoneCountries.Fallback;

    [Required(ErrorMessage = "Enter your email address.")]
    [EmailAddress(ErrorMessage = "Enter a valid email address, like name@example.com.")]
    [StringLength(256, ErrorMessage = "The email address can have at most 256 characters.")]
    public string Email { get; set; } = string.Empty;

    [Required(ErrorMessage = "Choose your market sector.")]
    [Display(Name = "Market sector")]
    public string MarketSector { get; set; } = string.Empty;

    [Range(typeof(bool), "true", "true", ErrorMessage = AgeRule.BusinessRefusal)]
    [Display(Name = AgeRule.BusinessConfirmation)]
    public bool IsAdult { get; set; }

    [Range(typeof(bool), "true", "true", ErrorMessage = "Accept the terms and the privacy policy to register.")]
    [Display(Name = "I accept the terms and the privacy policy")]
    public bool AcceptTerms { get; set; }

    protected override string? MobileNumberCountry => Country;

    /// <summary>
    /// Whether the email address counts as confirmed from the start (the demo seeder and operators' bootstrapping, never
    /// the form: internal, so model binding cannot set it). Otherwise the owner is emailed a link to confirm it.
    /// </summary>
    internal bool AddressConfirmed { get; init; }
}

internal sealed class RegisterCompanyValidator : IRequestValidator<RegisterCompany>
{
    public IEnumerable<ValidationError> Validate(RegisterCompany request) =>
        request.NewUserProblems().Concat(CompanyRules.Problems(request.Country, request.MarketSector));
}

internal sealed class RegisterCompanyHandler(
    AccountsDbContext db,
    UserManager<PlatformUser> users,
    IOptions<AccountsOptions> options,
    IMediator mediator,
    ILogger<RegisterCompanyHandler> logger,
    PublicLinks links,
    TimeProvider clock) : IRequestHandler<RegisterCompany, Guid>
{
    public async Task<Guid> Handle(RegisterCompany request, CancellationToken cancellationToken)
    {
        // An address that has an account gets no "already exists" on the form (that tells anyone who is a customer): the
        // holder is emailed instead, and the caller answers "check your email" (Guid.Empty: nobody was registered).
        if (await users.FindByEmailAsync(request.Email.Trim()) is { Email: { } existing } holder)
        {
            await NoticeAsync(holder, existing, cancellationToken);
            return Guid.Empty;
        }

        var now = clock.GetUtcNow();
        var company = new Company
        {
            Id = Guid.NewGuid(),
            Name = request.CompanyName.Trim(),
            Country = PhoneCountries.Find(request.Country)!.Code,
            MarketSector = request.MarketSector,
            TermsVersion = options.Value.TermsVersion,
            TermsAcceptedAt = now,
            CreatedAt = now,
            ConfirmedAt = request.AddressConfirmed ? now : null,
        };
        var owner = new PlatformUser
        {
            Id = Guid.NewGuid(),
            UserName = request.Email.Trim(),
            Email = request.Email.Trim(),
            EmailConfirmed = request.AddressConfirmed,
            CompanyId = company.Id,
            CompanyRole = CompanyRoles.Owner,
            CreatedAt = now,
            TermsVersion = options.Value.TermsVersion,
            TermsAcceptedAt = now,
        };
        request.CopyTo(owner);

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

        if (!request.AddressConfirmed)
        {
            await mediator.Send(new SendAddressConfirmation(owner.Id, AddressConfirmationReason.Registration), cancellationToken);
        }

        return owner.Id;
    }

    /// <summary>Tells the holder of an address that someone tried to register with it: at most one such email an hour.</summary>
    private Task<EmailQueued> NoticeAsync(PlatformUser holder, string email, CancellationToken cancellationToken) =>
        mediator.Send(new SendEmail(
            email,
            $"{holder.FirstName} {holder.Surname}",
            "Someone tried to register with your email address",
            new EmailBody(
                "Your address is already registered",
                [
                    $"Hello {holder.FirstName},",
                    "Someone just tried to register a company on Platform with this email address, which already has an account, so nothing changed.",
                    "If it was you, log in instead (or reset your password from the login page). If it was not, you need not do anything.",
                ],
                new EmailAction("Log in", links.To("/Accounts/Login"))),
            "accounts.register-existing",
            $"accounts.register-existing:{holder.Id}:{clock.GetUtcNow():yyyyMMddHH}"), cancellationToken);
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
