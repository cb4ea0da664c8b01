using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Platform.Modules.Accounts.Domain;
using Platform.Modules.Accounts.Features;
using Platform.Modules.Accounts.Jobs;
using Platform.Modules.Privacy.Contracts;
using Platform.Modules.Shared;
using Platform.Modules.Shared.Jobs;

namespace Platform.Modules.Accounts;

/// <summary>Entry points the host's module registry calls. Companies, their users, sign-in, teams.</summary>
public static class AccountsModule
{
    public const string Name = "Accounts";

    /// <summary>Authorization policy: a user who belongs to a company.</summary>
    public const string CompanyUserPolicy = AuthorizationPolicies.CompanyUser;

    /// <summary>Authorization policy: a company's Owner.</summary>
    public const string CompanyOwnerPolicy = AuthorizationPolicies.CompanyOwner;

    /// <summary>Authorization policy: a platform administrator.</summary>
    public const string PlatformAdminPolicy = AuthorizationPolicies.PlatformAdmin;

    /// <summary>The module as the host runs it: its one line in the host's module list.</summary>
    public static IModule Definition { get; } = new ModuleDescriptor(Name, AccountsDbContext.Schema, typeof(AccountsModule).Assembly)
        { Services = AddAccounts, Endpoints = MapAccounts };

    public static IServiceCollection AddAccounts(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddModule<AccountsDbContext>(configuration, Definition);
        services.AddOptions<AccountsOptions>().Bind(configuration.GetSection(AccountsOptions.Section));
        services.AddSingleton(TimeProvider.System);
        services.AddScoped<IDataSubjectDirectory, BusinessUserDirectory>();
        services.AddScoped<IPersonalDataContributor, AccountsPersonalData>();

        var accounts = configuration.GetSection(AccountsOptions.Section).Get<AccountsOptions>() ?? new AccountsOptions();
        services
            .AddIdentity<PlatformUser, IdentityRole<Guid>>(options =>
            {
                options.User.RequireUniqueEmail = true;
                AccountPasswords.Apply(options.Password);
                options.Lockout.AllowedForNewUsers = true;
                options.Lockout.MaxFailedAccessAttempts = accounts.MaxFailedAccessAttempts;
                options.Lockout.DefaultLockoutTimeSpan = accounts.LockoutDuration;
                // An unconfirmed owner may sign in (to see why nothing can be sent yet, and to have the link sent again);
                // spending waits for the confirmation (CheckCompanyMaySpend).
                options.SignIn.RequireConfirmedAccount = false;
                options.Tokens.EmailConfirmationTokenProvider = AddressConfirmationLinks.ProviderName;
            })
            .AddEntityFrameworkStores<AccountsDbContext>()
            .AddUserStore<AccountsUserStore>()
            .AddClaimsPrincipalFactory<CompanyClaimsPrincipalFactory>()
            .AddSignInManager<CompanySignInManager>()
            .AddPasswordValidator<GuessablePasswordValidator>()
            .AddDefaultTokenProviders()
            .AddTokenProvider<AddressConfirmationTokenProvider>(AddressConfirmationLinks.ProviderName);
        services.AddSingleton<CompanyStandingCache>();
        services.AddSingleton<ConfirmedCompanies>();
        services.Configure<DataProtectionTokenProviderOptions>(options => options.TokenLifespan = PasswordResetLinks.Lifetime);

        services.ConfigureApplicationCookie(cookie =>
        {
            cookie.Cookie.Name = PlatformCookies.BusinessSession;
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.Always;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.ExpireTimeSpan = AccountSessions.IdleLifetime;
            cookie.SlidingExpiration = true;
            cookie.LoginPath = "/Accounts/Login";
            cookie.LogoutPath = "/Accounts/Logout";
            cookie.AccessDeniedPath = "/Accounts/AccessDenied";
            // AddIdentity put SecurityStampValidator.ValidatePrincipalAsync here; it runs only when due (SecurityStampGate says why).
            cookie.Events.OnValidatePrincipal = SecurityStampGate.Around(cookie.Events.OnValidatePrincipal);
        });
        // The ticket lives on the server (ADR 21): logout, "sign out everywhere", a password change and an admin end it
        // (at once on the node that ended it, within seconds on the others: ADR 39).
        services.AddServerSideSessions(IdentityConstants.ApplicationScheme, ClaimTypes.NameIdentifier);
        services.Configure<CookieAuthenticationOptions>(IdentityConstants.ExternalScheme, c => c.Cookie.SecurePolicy = CookieSecurePolicy.Always);
        // The cookie between the password and the code of a two-factor sign-in (it names the user, for 5 minutes).
        services.Configure<CookieAuthenticationOptions>(IdentityConstants.TwoFactorUserIdScheme, c =>
        {
            c.Cookie.Name = PlatformCookies.TwoFactorStep;
            c.Cookie.SecurePolicy = CookieSecurePolicy.Always;
            c.ExpireTimeSpan = PlatformCookies.TwoFactorStepLifetime;
        });
        // Identity rebuilds the principal from the database when it re-checks the security stamp, which would drop how the
        // session was signed in: an admin would be sent back to the two-factor page after half an hour.
        services.Configure<SecurityStampValidatorOptions>(options => options.OnRefreshingPrincipal = context =>
        {
            if (context.CurrentPrincipal is { } current && TwoFactor.SignedInWithTwoFactors(current) && context.NewPrincipal?.Identity is ClaimsIdentity identity)
            {
                identity.AddClaim(TwoFactor.SessionClaim);
            }

            return Task.CompletedTask;
        });

        services.AddAuthorizationBuilder()
            .AddPolicy(CompanyUserPolicy, p => p.RequireAuthenticatedUser().RequireClaim(PlatformClaims.CompanyId).AddRequirements(new PolicyAcceptedRequirement()))
            .AddPolicy(CompanyOwnerPolicy, p => p.RequireAuthenticatedUser().RequireClaim(PlatformClaims.CompanyRole, CompanyRoles.Owner))
            .AddPolicy(PlatformAdminPolicy, p => p.RequireAuthenticatedUser().RequireRole(PlatformClaims.PlatformAdminRole).AddRequirements(new AdminTwoFactorRequirement()));
        services.AddSingleton<IAuthorizationHandler, PolicyAcceptedHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, AdminTwoFactorRedirect>();

        // Jobs belong to their module: contributed to the scheduler the host configures.
        services.AddRecurringJob<AnnouncePolicyJob>(AnnouncePolicyJob.Id, "0 */10 * * * *",
            "Emails business users who have not accepted the terms and privacy policy in force that it changed (once per version).");
        services.AddRecurringJob<PurgeExpiredInvitationsJob>(PurgeExpiredInvitationsJob.Id, "0 5 * * * *",
            "Deletes invitations (and the email addresses they hold) past their retention.");
        services.AddRecurringJob<PurgeClosedTicketsJob>(PurgeClosedTicketsJob.Id, "0 15 3 * * *",
            "Deletes support tickets (with their messages and attachments) 2 years after they closed.");
        services.AddScoped<HelpdeskMail>();
        services.AddScoped<MobileVerification>();
        services.AddMemoryCache();
        return services;
    }

    public static IEndpointRouteBuilder MapAccounts(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(TwoFactor.SetupPath + "/QrCode", TwoFactorQrCode.GetAsync).RequireAuthorization();
        return endpoints;
    }
}

/// <summary>Puts the company id and role on the principal, so every request knows its tenant without a query.</summary>
internal sealed class CompanyClaimsPrincipalFactory(
    UserManager<PlatformUser> userManager,
    RoleManager<IdentityRole<Guid>> roleManager,
    IOptions<IdentityOptions> options)
    : UserClaimsPrincipalFactory<PlatformUser, IdentityRole<Guid>>(userManager, roleManager, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(PlatformUser user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        if (user.CompanyId is { } companyId)
        {
            identity.AddClaim(new Claim(PlatformClaims.CompanyId, companyId.ToString()));
            identity.AddClaim(new Claim(PlatformClaims.CompanyRole, user.CompanyRole ?? CompanyRoles.Member));
        }

        identity.AddClaim(new Claim(ClaimTypes.GivenName, user.FirstName));
        identity.AddClaim(PolicyAcceptance.For(user.TermsVersion));
        return identity;
    }
}
