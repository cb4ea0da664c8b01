using Platform.Carriers.Abstractions;

namespace Platform.Carriers.Http;

/// <summary>
/// Creates JSON-over-HTTP carriers (kind "http"), one per configured API account. Every instance of one factory
/// takes its receipts and inbound messages through the factory's <see cref="Webhooks"/>, which the host maps at
/// <c>POST /carriers/http/{instance}/webhook</c>.
/// </summary>
internal sealed class HttpCarrierFactory : ICarrierFactory
{
    public const string KindName = "http";

    /// <summary>The constructor the host's container calls.</summary>
    public HttpCarrierFactory()
        : this(new HttpCarrierWebhooks(TimeProvider.System))
    {
    }

    /// <summary>A factory whose instances report through <paramref name="webhooks"/> (tests: a fake clock).</summary>
    internal HttpCarrierFactory(HttpCarrierWebhooks webhooks)
    {
        Webhooks = webhooks;
    }

    /// <summary>The webhook handler that routes signed receipts and inbound messages to this factory's running instances.</summary>
    public HttpCarrierWebhooks Webhooks { get; }

    /// <summary>Tests only: the HTTP handler each new instance sends with (a fake); null for a real socket handler.</summary>
    internal Func<HttpMessageHandler>? HandlerFactory { get; set; }

    public string Kind => KindName;

    public IReadOnlyList<string> ValidateSettings(IReadOnlyDictionary<string, string> settings) => HttpCarrierSettings.Parse(settings).Problems;

    public ICarrier Create(CarrierContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (settings, problems) = HttpCarrierSettings.Parse(context.Settings);
        if (settings is null)
        {
            throw new CarrierConfigurationException(context.InstanceName, problems);
        }
        return new HttpCarrier(context, settings, Webhooks, HandlerFactory?.Invoke());
    }
}
