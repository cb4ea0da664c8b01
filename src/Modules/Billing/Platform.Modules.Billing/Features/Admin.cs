using System.ComponentModel.DataAnnotations;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Accounts.Contracts;
using Platform.Modules.Billing.Domain;
using Platform.Modules.Shared;

namespace Platform.Modules.Billing.Features;

internal sealed record AccountLine(Guid CompanyId, string CompanyName, string Plan, int? MaxRecipientsPerCampaign, long Available, long Reserved);

/// <summary>Platform admin: every company's billing account.</summary>
internal sealed record ListCreditAccounts : IRequest<IReadOnlyList<AccountLine>>;

internal sealed class ListCreditAccountsHandler(BillingDbContext db, IMediator mediator) : IRequestHandler<ListCreditAccounts, IReadOnlyList<AccountLine>>
{
    public async Task<IReadOnlyList<AccountLine>> Handle(ListCreditAccounts request, CancellationToken cancellationToken)
    {
        var accounts = await db.CreditAccounts.AsNoTracking().OrderByDescending(a => a.UpdatedAt).Take(200).ToListAsync(cancellationToken);
        var lines = new List<AccountLine>(accounts.Count);
        foreach (var account in accounts)
        {
            var company = await mediator.Send(new GetCompany(account.CompanyId), cancellationToken);
            lines.Add(new AccountLine(account.CompanyId, company?.Name ?? "(unknown company)", account.Plan, account.MaxRecipientsPerCampaign, account.Available, account.Reserved));
        }

        return lines;
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
