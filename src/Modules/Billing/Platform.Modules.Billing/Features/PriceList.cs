using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Modules.Billing.Contracts;
using Platform.Modules.Billing.Domain;
using Platform.Modules.Shared;
using Platform.Modules.Shared.Events;

namespace Platform.Modules.Billing.Features;

/// <summary>One price of the list: in force now, scheduled, or replaced (kept: past charges were made at it).</summary>
internal sealed record PriceLine(string CountryCode, long CreditsPerSegment, DateTimeOffset ValidFrom, string State);

internal sealed record ListPrices : IRequest<IReadOnlyList<PriceLine>>;

internal sealed class ListPricesHandler(BillingDbContext db, TimeProvider clock) : IRequestHandler<ListPrices, IReadOnlyList<PriceLine>>
{
    public async Task<IReadOnlyList<PriceLine>> Handle(ListPrices request, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var prices = await db.Prices.AsNoTracking().OrderBy(p => p.CountryCode).ThenByDescending(p => p.ValidFrom).ToListAsync(cancellationToken);
        var inForce = prices.Where(p => p.ValidFrom <= now).GroupBy(p => p.CountryCode).Select(g => g.First().Id).ToHashSet();
        return prices.Select(p => new PriceLine(p.CountryCode, p.CreditsPerSegment, p.ValidFrom,
            p.ValidFrom > now ? "Scheduled" : inForce.Contains(p.Id) ? "In force" : "Replaced")).ToList();
    }
}

/// <summary>
/// A new price for a country (or "*", every country without its own) from a date on. Prices are versioned, never
/// edited: a campaign keeps the price it was quoted and reserved at, and past charges keep theirs.
/// </summary>
internal sealed partial class SetPrice : IRequest<Unit>
{
    [Required(ErrorMessage = "Enter the country: its two-letter code (GB, FR…) or * for every other country.")]
    [Display(Name = "Country")]
    public string CountryCode { get; set; } = string.Empty;

    [Range(0, 1_000_000, ErrorMessage = "Credits per segment must be between 0 and 1,000,000.")]
    [Display(Name = "Credits per segment")]
    public long CreditsPerSegment { get; set; } = 1;

    [Required(ErrorMessage = "Enter the date and time (UTC) the price applies from.")]
    [Display(Name = "Applies from (UTC)")]
    public DateTime? ValidFrom { get; set; }

    public string NormalizedCountry => (CountryCode ?? string.Empty).Trim().ToUpperInvariant();

    /// <summary>The form's date and time, which the page asks for in UTC.</summary>
    public DateTimeOffset? ValidFromUtc => ValidFrom is { } from ? new DateTimeOffset(DateTime.SpecifyKind(from, DateTimeKind.Utc)) : null;

    [GeneratedRegex("^([A-Z]{2}|\\*)$")]
    public static partial Regex CountryPattern();
}

internal sealed class SetPriceValidator(TimeProvider clock) : IRequestValidator<SetPrice>
{
    public IEnumerable<ValidationError> Validate(SetPrice request)
    {
        if (!SetPrice.CountryPattern().IsMatch(request.NormalizedCountry))
        {
            yield return new ValidationError(nameof(request.CountryCode), "Enter a two-letter country code (GB, FR…) or * for every other country.");
        }

        if (request.ValidFromUtc is { } from && from < clock.GetUtcNow().AddMinutes(-1))
        {
            yield return new ValidationError(nameof(request.ValidFrom), "A price applies from now or later: past charges keep the price they were made at.");
        }
    }
}

internal sealed class SetPriceHandler(BillingDbContext db) : IRequestHandler<SetPrice, Unit>
{
    public async Task<Unit> Handle(SetPrice request, CancellationToken cancellationToken)
    {
        var from = request.ValidFromUtc!.Value;
        var country = request.NormalizedCountry;
        if (await db.Prices.AnyAsync(p => p.CountryCode == country && p.ValidFrom == from, cancellationToken))
        {
            throw new RequestValidationException(nameof(request.ValidFrom), $"{country} already has a price from {from:yyyy-MM-dd HH:mm} UTC. Choose another time.");
        }

        // The price before this one takes over, so the announcement can say what changes.
        long? previous = await db.Prices.AsNoTracking().Where(p => p.CountryCode == country && p.ValidFrom < from)
            .OrderByDescending(p => p.ValidFrom).Select(p => (long?)p.CreditsPerSegment).FirstOrDefaultAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.Prices.Add(new Price { Id = Guid.CreateVersion7(), CountryCode = country, CreditsPerSegment = request.CreditsPerSegment, ValidFrom = from });
        await db.SaveChangesAsync(cancellationToken);
        // Announced to every company from the outbox, with the price, in the same transaction.
        await Outbox.AddAsync(db, new PriceScheduled(country, request.CreditsPerSegment, previous, from), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return Unit.Value;
    }
}

/// <summary>What one segment to a country costs: its credits, and its money when bought in each pack (tax included).</summary>
internal sealed record CountryPrice(string CountryCode, long CreditsPerSegment, IReadOnlyList<decimal> PerPackMoney);

/// <summary>A price that applies from a later date.</summary>
internal sealed record ScheduledPrice(string CountryCode, long CreditsPerSegment, DateTimeOffset ValidFrom);

internal sealed record PriceTable(string Currency, AppliedTax Tax, IReadOnlyList<CreditPack> Packs, IReadOnlyList<CountryPrice> Countries, IReadOnlyList<ScheduledPrice> Scheduled);

/// <summary>
/// The prices customers see (/Pricing, Billing → Prices): per country the credits per segment in force now — the same rule
/// <see cref="PriceList.CreditsPerSegmentAsync"/> quotes and reserves at — and what that costs in money in each pack, with
/// the tax for <paramref name="Country"/> (the company's; the default rate for a visitor). Pack prices include tax.
/// </summary>
internal sealed record GetPriceTable(string? Country) : IRequest<PriceTable>;

internal sealed class GetPriceTableHandler(BillingDbContext db, IOptions<BillingOptions> options, TimeProvider clock) : IRequestHandler<GetPriceTable, PriceTable>
{
    public async Task<PriceTable> Handle(GetPriceTable request, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var prices = await db.Prices.AsNoTracking().OrderBy(p => p.CountryCode).ThenByDescending(p => p.ValidFrom).ToListAsync(cancellationToken);
        var packs = options.Value.Stripe.EffectivePacks;
        var inForce = prices.Where(p => p.ValidFrom <= now).GroupBy(p => p.CountryCode).Select(g => g.First())
            // "*" (every other country) last, the countries by code.
            .OrderBy(p => p.CountryCode == "*").ThenBy(p => p.CountryCode, StringComparer.Ordinal)
            .Select(p => new CountryPrice(p.CountryCode, p.CreditsPerSegment, packs.Select(pack => PerSegment(pack, p.CreditsPerSegment)).ToList()))
            .ToList();
        var scheduled = prices.Where(p => p.ValidFrom > now).OrderBy(p => p.ValidFrom).Select(p => new ScheduledPrice(p.CountryCode, p.CreditsPerSegment, p.ValidFrom)).ToList();
        var tax = request.Country is null ? TaxRates.Default(options.Value) : TaxRates.For(options.Value, request.Country);
        return new PriceTable(options.Value.Stripe.Currency.ToUpperInvariant(), tax, packs, inForce, scheduled);
    }

    /// <summary>Money per segment in the pack, in major units: the pack's price per credit times the segment's credits.</summary>
    private static decimal PerSegment(CreditPack pack, long creditsPerSegment) =>
        pack.Credits <= 0 ? 0 : Math.Round(pack.AmountMinor / 100m / pack.Credits * creditsPerSegment, 4, MidpointRounding.AwayFromZero);
}
