using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Accounts.Domain;
using Platform.Modules.Privacy.Contracts;
using Platform.Modules.Shared;

namespace Platform.Modules.Accounts.Features;

/// <summary>Business users as data subjects: found by id or by email/mobile, password checked by Identity.</summary>
internal sealed class BusinessUserDirectory(AccountsDbContext db, UserManager<PlatformUser> users) : IDataSubjectDirectory
{
    public DataSubjectKind Kind => DataSubjectKind.BusinessUser;

    public async Task<DataSubject?> FindAsync(Guid id, CancellationToken ct) =>
        await db.Users.AsNoTracking().Where(u => u.Id == id)
            .Select(u => new DataSubject(DataSubjectKind.BusinessUser, u.Id, u.Email, u.PhoneNumber, u.CompanyId))
            .SingleOrDefaultAsync(ct);

    public async Task<IReadOnlyList<DataSubject>> FindManyAsync(IReadOnlyCollection<Guid> ids, CancellationToken ct) =>
        await db.Users.AsNoTracking().Where(u => ids.Contains(u.Id))
            .Select(u => new DataSubject(DataSubjectKind.BusinessUser, u.Id, u.Email, u.PhoneNumber, u.CompanyId))
            .ToListAsync(ct);

    public async Task<DataSubject?> FindByContactAsync(string emailOrPhone, CancellationToken ct)
    {
        var normalized = emailOrPhone.Trim().ToUpperInvariant();
        var phone = PhoneNumbers.TryNormalizeE164(emailOrPhone, out var e164) ? e164 : null;
        return await db.Users.AsNoTracking().Where(u => u.NormalizedEmail == normalized || (phone != null && u.PhoneNumber == phone))
            .Select(u => new DataSubject(DataSubjectKind.BusinessUser, u.Id, u.Email, u.PhoneNumber, u.CompanyId))
            .FirstOrDefaultAsync(ct);
    }

    public async Task<bool> CheckPasswordAsync(Guid id, string password, CancellationToken ct) =>
        await users.FindByIdAsync(id.ToString()) is { } user && await users.CheckPasswordAsync(user, password);
}

/// <summary>What Accounts holds about a business user: their user record, their company's record, invitations to their address.</summary>
internal sealed class AccountsPersonalData(AccountsDbContext db, UserManager<PlatformUser> users, IUserSessions sessions) : IPersonalDataContributor
{
    public string Module => AccountsModule.Name;

    public async Task<object?> ExportAsync(DataSubject subject, CancellationToken ct)
    {
        if (subject.Kind != DataSubjectKind.BusinessUser || await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == subject.Id, ct) is not { } user)
        {
            return null;
        }

        var company = user.CompanyId is { } companyId ? await db.Companies.AsNoTracking().SingleOrDefaultAsync(c => c.Id == companyId, ct) : null;
        var normalized = user.NormalizedEmail;
        var invitations = await db.Invitations.AsNoTracking().Where(i => i.Email.ToUpper() == normalized)
            .Select(i => new { i.Email, i.Role, i.CreatedAt, i.ExpiresAt, i.AcceptedAt }).ToListAsync(ct);
        var roles = await users.GetRolesAsync(user);
        var email = user.Email ?? string.Empty;
        var tickets = await db.SupportTickets.AsNoTracking().Where(t => t.UserId == user.Id || t.Email.ToLower() == email.ToLower()).OrderBy(t => t.CreatedAt)
            .Select(t => new
            {
                t.Number,
                t.Subject,
                t.Status,
                t.Name,
                t.Email,
                t.CreatedAt,
                Messages = db.SupportMessages.Where(m => m.TicketId == t.Id).OrderBy(m => m.CreatedAt)
                    .Select(m => new { m.FromStaff, m.Body, m.CreatedAt, Attachments = db.SupportAttachments.Where(a => a.MessageId == m.Id).Select(a => a.FileName).ToList() })
                    .ToList(),
            })
            .ToListAsync(ct);
        return new
        {
            user = new
            {
                user.Id,
                user.FirstName,
                user.Surname,
                user.Email,
                user.UserName,
                MobileNumber = user.PhoneNumber,
                user.PostalCode,
                user.CompanyRole,
                PlatformRoles = roles,
                user.CreatedAt,
                user.TermsVersion,
                user.TermsAcceptedAt,
                user.LockoutEnd,
                // Whether it is on, never the authenticator key or the recovery codes: secrets, not information about the person.
                user.TwoFactorEnabled,
            },
            company = company is null ? null : new { company.Name, company.MarketSector, company.TaxId, company.TermsVersion, company.TermsAcceptedAt, company.CreatedAt },
            invitationsToYourAddress = invitations,
            supportRequests = tickets,
        };
    }

    public async Task<ErasureOutcome> EraseAsync(DataSubject subject, CancellationToken ct)
    {
        if (subject.Kind != DataSubjectKind.BusinessUser)
        {
            return ErasureOutcome.Nothing(Module);
        }

        var erased = 0;
        var user = await users.FindByIdAsync(subject.Id.ToString());
        if (user?.NormalizedEmail is { } normalized)
        {
            erased += await db.Invitations.Where(i => i.Email.ToUpper() == normalized).ExecuteDeleteAsync(ct);
            // Support requests, with their messages and attachments (cascade), also those sent from the Contact page.
            erased += await db.SupportTickets.Where(t => t.UserId == user.Id || t.Email.ToUpper() == normalized).ExecuteDeleteAsync(ct);
        }

        if (user is not null)
        {
            // Identity's own delete: the user row, and with it their claims, roles, logins and tokens (ON DELETE CASCADE).
            var deleted = await users.DeleteAsync(user);
            if (!deleted.Succeeded)
            {
                throw new InvalidOperationException("The user could not be deleted: " + string.Join(" ", deleted.Errors.Select(e => e.Description)));
            }

            erased++;

            // Their sessions (whose tickets hold their email and name) end with the account, on every browser.
            await sessions.EndAllAsync(user.Id, keepCurrent: false, ct);
        }

        IReadOnlyList<string> kept = subject.CompanyId is null
            ? []
            : ["Your company's record (its name, market sector and the policy version accepted): it belongs to the business, and its invoices refer to it. It holds none of your personal details."];
        return new ErasureOutcome(Module, erased, kept);
    }
}
