using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Billing.Domain;
using Platform.Modules.Shared;

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

        db.Prices.Add(new Price { Id = Guid.CreateVersion7(), CountryCode = country, CreditsPerSegment = request.CreditsPerSegment, ValidFrom = from });
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}
