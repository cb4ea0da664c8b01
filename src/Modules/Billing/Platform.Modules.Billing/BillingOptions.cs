namespace Platform.Modules.Billing;

/// <summary>Settings under <c>Platform:Billing</c>.</summary>
internal sealed class BillingOptions
{
    public const string Section = "Platform:Billing";

    /// <summary>Credits a new company receives once, on registration.</summary>
    public long TrialCredits { get; set; } = 100;

    /// <summary>Who issues the invoices and the tax they carry (the amounts charged are gross, tax included).</summary>
    public InvoiceOptions Invoice { get; set; } = new();

    /// <summary>The tax rate and name by the buying company's country, fixed on each purchase at checkout (ADR 24).</summary>
    public TaxOptions Tax { get; set; } = new();

    public StripeOptions Stripe { get; set; } = new();

    public ReconciliationOptions Reconciliation { get; set; } = new();
}

/// <summary>Settings under <c>Platform:Billing:Reconciliation</c>: the job that asks Stripe about sessions whose webhook never came.</summary>
internal sealed class ReconciliationOptions
{
    /// <summary>A purchase still pending this many minutes after its session was created is asked about.</summary>
    public int AfterMinutes { get; set; } = 10;

    /// <summary>Older pending purchases are no longer asked about (Stripe expires a session after 24 hours at most).</summary>
    public int MaxAgeHours { get; set; } = 48;

    /// <summary>Sessions asked about per run.</summary>
    public int BatchSize { get; set; } = 100;
}

/// <summary>Settings under <c>Platform:Billing:Stripe</c>. The keys come from configuration only, never from the repository.</summary>
internal sealed class StripeOptions
{
    public string ApiBase { get; set; } = "https://api.stripe.com";

    public string? SecretKey { get; set; }

    public string? WebhookSecret { get; set; }

    /// <summary>ISO currency, lower case as Stripe writes it.</summary>
    public string Currency { get; set; } = "eur";

    /// <summary>Allowed clock difference for a webhook's signed timestamp.</summary>
    public int WebhookToleranceSeconds { get; set; } = 300;

    /// <summary>The credit packs on sale; when none are configured, <see cref="DefaultPacks"/>.</summary>
    public List<CreditPack> Packs { get; set; } = [];

    public static IReadOnlyList<CreditPack> DefaultPacks { get; } =
    [
        new() { Id = "small", Name = "1,000 credits", Credits = 1_000, AmountMinor = 1_000 },
        new() { Id = "medium", Name = "5,000 credits", Credits = 5_000, AmountMinor = 4_500 },
        new() { Id = "large", Name = "20,000 credits", Credits = 20_000, AmountMinor = 16_000 },
    ];

    public IReadOnlyList<CreditPack> EffectivePacks => Packs.Count > 0 ? Packs : DefaultPacks;
}

internal sealed class CreditPack
{
    public string Id { get; set; } = string.Empty;

    public string Name { get; set; } = string.Empty;

    public long Credits { get; set; }

    /// <summary>The price in the currency's minor unit (cents).</summary>
    public long AmountMinor { get; set; }
}

/// <summary>Settings under <c>Platform:Billing:Invoice</c>: the seller's details and the tax on credits.</summary>
internal sealed class InvoiceOptions
{
    public string SellerName { get; set; } = "Platform";

    public string SellerAddress { get; set; } = string.Empty;

    public string SellerTaxId { get; set; } = string.Empty;

    /// <summary>The tax's name: before the seller's tax ID, and on invoices of countries without a <see cref="TaxOptions.Labels"/> entry.</summary>
    public string TaxLabel { get; set; } = "VAT";

    /// <summary>
    /// The one rate of before per-country tax, in percent: still the rate for countries not in <see cref="TaxOptions.Rates"/>
    /// while <see cref="TaxOptions.DefaultRatePercent"/> is unset, so an installation configured the old way keeps charging
    /// what it did.
    /// </summary>
    public decimal TaxRatePercent { get; set; }
}

/// <summary>
/// Settings under <c>Platform:Billing:Tax</c>: the tax included in the prices, by the buying company's country
/// (<c>CompanyDto.Country</c>, ISO 3166-1 alpha-2). Read at checkout and stored on the purchase, so a change here applies
/// to purchases made after it and never rewrites an invoice (ADR 24).
/// </summary>
internal sealed class TaxOptions
{
    /// <summary>Rate in percent by country code, e.g. <c>"GB": 20</c>, <c>"DE": 19</c>.</summary>
    public Dictionary<string, decimal> Rates { get; set; } = [];

    /// <summary>The tax's name by country code where it is not <see cref="InvoiceOptions.TaxLabel"/>, e.g. <c>"DE": "MwSt"</c>.</summary>
    public Dictionary<string, string> Labels { get; set; } = [];

    /// <summary>Rate in percent for countries not in <see cref="Rates"/>; unset: <see cref="InvoiceOptions.TaxRatePercent"/>.</summary>
    public decimal? DefaultRatePercent { get; set; }
}
