using System.ComponentModel.DataAnnotations;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Accounts.Contracts;
using Platform.Modules.Billing.Domain;
using Platform.Modules.Shared;

namespace Platform.Modules.Billing.Features;

internal sealed record AccountLine(Guid CompanyId, string CompanyName, string Plan, int? MaxRecipientsPerCampaign, long Available, long Reserved);

/// <summary>
/// Platform admin: companies' billing accounts by company name (<paramref name="Name"/> contained in it, any case), or
/// the 50 most recently active ones; names come from Accounts in one query for the page, never one per row.
/// </summary>
internal sealed record ListCreditAccounts(string? Name = null) : IRequest<IReadOnlyList<AccountLine>>
{
    public const int Limit = 50;
}

internal sealed class ListCreditAccountsHandler(BillingDbContext db, IMediator mediator) : IRequestHandler<ListCreditAccounts, IReadOnlyList<AccountLine>>
{
    public async Task<IReadOnlyList<AccountLine>> Handle(ListCreditAccounts request, CancellationToken cancellationToken)
    {
        IReadOnlyList<CompanyDto> companies;
        List<CreditAccount> accounts;
        if (!string.IsNullOrWhiteSpace(request.Name))
        {
            companies = await mediator.Send(new SearchCompanies(request.Name, ListCreditAccounts.Limit), cancellationToken);
            var ids = companies.Select(c => c.Id).ToList();
            accounts = await db.CreditAccounts.AsNoTracking().Where(a => ids.Contains(a.CompanyId)).ToListAsync(cancellationToken);
        }
        else
        {
            accounts = await db.CreditAccounts.AsNoTracking().OrderByDescending(a => a.UpdatedAt).Take(ListCreditAccounts.Limit).ToListAsync(cancellationToken);
            var found = await mediator.Send(new GetCompanies(accounts.Select(a => a.CompanyId).ToList()), cancellationToken);
            // In the accounts' order (most recently active first).
            companies = accounts.Select(a => found.FirstOrDefault(c => c.Id == a.CompanyId)).OfType<CompanyDto>().ToList();
        }

        return companies.Select(c => accounts.FirstOrDefault(a => a.CompanyId == c.Id) is { } a
                ? new AccountLine(c.Id, c.Name, a.Plan, a.MaxRecipientsPerCampaign, a.Available, a.Reserved)
                : new AccountLine(c.Id, c.Name, Plans.Free, null, 0, 0))
            .ToList();
    }
}

/// <summary>Platform admin: one company's billing — its account, paid purchases with their invoices, and its ledger (newest first, paged).</summary>
internal sealed record GetCompanyBilling(Guid CompanyId, int Page) : IRequest<CompanyBilling?>
{
    public const int PageSize = 50;
}

/// <param name="Unspent">Each purchase's credits not yet spent or reserved, by invoice number: what a refund can take back (<see cref="CreditLots"/>).</param>
internal sealed record CompanyBilling(
    CompanyDto Company,
    AccountLine Account,
    long? LowBalanceThreshold,
    IReadOnlyList<PurchaseLine> Purchases,
    IReadOnlyList<LedgerLine> Ledger,
    int Page,
    bool HasMore,
    IReadOnlyDictionary<string, long> Unspent,
    IReadOnlyList<CreditNoteLine> CreditNotes);

internal sealed class GetCompanyBillingHandler(BillingDbContext db, IMediator mediator) : IRequestHandler<GetCompanyBilling, CompanyBilling?>
{
    public async Task<CompanyBilling?> Handle(GetCompanyBilling request, CancellationToken cancellationToken)
    {
        if (await mediator.Send(new GetCompany(request.CompanyId), cancellationToken) is not { } company)
        {
            return null;
        }

        var page = Math.Max(request.Page, 1);
        var account = await db.CreditAccounts.AsNoTracking().SingleOrDefaultAsync(a => a.CompanyId == company.Id, cancellationToken);
        var purchases = await db.Purchases.AsNoTracking()
            .Where(p => p.CompanyId == company.Id && p.Status == PurchaseStatus.Paid)
            .OrderByDescending(p => p.PaidAt)
            .Select(p => new PurchaseLine(p.Id, p.CreatedAt, p.Pack, p.Credits, p.AmountMinor, p.Currency, p.Status, p.InvoiceNumber, p.PaidAt, p.RefundedMinor))
            .ToListAsync(cancellationToken);
        var ledger = await db.LedgerEntries.AsNoTracking()
            .Where(e => e.CompanyId == company.Id)
            .OrderByDescending(e => e.Id)
            .Skip((page - 1) * GetCompanyBilling.PageSize)
            .Take(GetCompanyBilling.PageSize + 1)
            .Select(e => new LedgerLine(e.Id, e.CreatedAt, e.Kind, e.AvailableChange, e.ReservedChange, e.AvailableAfter, e.ReservedAfter, e.Reference, e.Reason))
            .ToListAsync(cancellationToken);
        var line = account is null
            ? new AccountLine(company.Id, company.Name, Plans.Free, null, 0, 0)
            : new AccountLine(company.Id, company.Name, account.Plan, account.MaxRecipientsPerCampaign, account.Available, account.Reserved);
        return new CompanyBilling(company, line, account?.LowBalanceThreshold, purchases,
            ledger.Take(GetCompanyBilling.PageSize).ToList(), page, ledger.Count > GetCompanyBilling.PageSize,
            await CreditLots.UnspentByInvoiceAsync(db, company.Id, line.Available, cancellationToken),
            await CreditNotes.ForCompanyAsync(db, company.Id, cancellationToken));
    }
}

/// <summary>Platform admin: a company's plan and its limits.</summary>
internal sealed class ChangePlan : IRequest<Unit>
{
    [Required(ErrorMessage = "Choose the company.")]
    public Guid? CompanyId { get; set; }

    [Required(ErrorMessage = "Choose a plan.")]
    public string Plan { get; set; } = Plans.Free;

    [Range(1, 1_000_000, ErrorMessage = "The recipients limit must be between 1 and 1,000,000, or empty for no limit.")]
    [Display(Name = "Max recipients per campaign")]
    public int? MaxRecipientsPerCampaign { get; set; }
}

internal sealed class ChangePlanValidator : IRequestValidator<ChangePlan>
{
    public IEnumerable<ValidationError> Validate(ChangePlan request)
    {
        if (!Plans.All.Contains(request.Plan))
        {
            yield return new ValidationError(nameof(request.Plan), "Choose Free or Paid.");
        }
    }
}

internal sealed class ChangePlanHandler(BillingDbContext db, IMediator mediator, TimeProvider clock) : IRequestHandler<ChangePlan, Unit>
{
    public async Task<Unit> Handle(ChangePlan request, CancellationToken cancellationToken)
    {
        await AdjustCreditsHandler.RequireCompanyAsync(mediator, request.CompanyId!.Value, cancellationToken);
        var now = clock.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var account = await Ledger.LockAsync(db, request.CompanyId.Value, now, cancellationToken);
        account.Plan = request.Plan;
        account.MaxRecipientsPerCampaign = request.MaxRecipientsPerCampaign;
        account.UpdatedAt = now;
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return Unit.Value;
    }
}

/// <summary>Platform admin: adds or removes credits, with a reason that is kept in the ledger.</summary>
internal sealed class AdjustCredits : IRequest<long>
{
    [Required(ErrorMessage = "Choose the company.")]
    public Guid? CompanyId { get; set; }

    [Required(ErrorMessage = "Enter the number of credits to add (or, with a minus sign, to remove).")]
    [Range(-10_000_000, 10_000_000, ErrorMessage = "Adjust by at most 10,000,000 credits at a time.")]
    public long? Credits { get; set; }

    [Required(ErrorMessage = "Enter the reason for the adjustment; it is kept in the company's history.")]
    [StringLength(500, MinimumLength = 5, ErrorMessage = "The reason must have 5 to 500 characters.")]
    public string Reason { get; set; } = string.Empty;
}

internal sealed class AdjustCreditsValidator : IRequestValidator<AdjustCredits>
{
    public IEnumerable<ValidationError> Validate(AdjustCredits request)
    {
        if (request.Credits == 0)
        {
            yield return new ValidationError(nameof(request.Credits), "An adjustment of 0 credits changes nothing; enter a positive or negative number.");
        }
    }
}

internal sealed class AdjustCreditsHandler(BillingDbContext db, IMediator mediator, ITenantContext tenant, TimeProvider clock) : IRequestHandler<AdjustCredits, long>
{
    public async Task<long> Handle(AdjustCredits request, CancellationToken cancellationToken)
    {
        var companyId = request.CompanyId!.Value;
        await RequireCompanyAsync(mediator, companyId, cancellationToken);
        var now = clock.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var account = await Ledger.LockAsync(db, companyId, now, cancellationToken);
        var change = request.Credits!.Value;
        if (account.Available + change < 0)
        {
            throw new RequestValidationException(nameof(request.Credits),
                $"The company has {account.Available} credits available; you can remove at most that many.");
        }

        await Ledger.AppendAsync(db, account, LedgerKinds.Adjustment, change, 0, now, reference: $"admin:{tenant.UserId}", reason: request.Reason.Trim(), cancellationToken: cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return account.Available;
    }

    internal static async Task RequireCompanyAsync(IMediator mediator, Guid companyId, CancellationToken cancellationToken)
    {
        if (await mediator.Send(new GetCompany(companyId), cancellationToken) is null)
        {
            throw new RequestValidationException(nameof(AdjustCredits.CompanyId), "There is no such company.");
        }
    }
}
