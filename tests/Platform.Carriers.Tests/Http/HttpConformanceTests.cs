using Platform.Carriers.Abstractions;
using Platform.Carriers.Tests.Conformance;

namespace Platform.Carriers.Tests.Http;

/// <summary>The conformance kit run against the HTTP carrier, one request per message, with a fake partner API.</summary>
public sealed class HttpConformanceTests(FakeSmsApiFixture api) : HttpConformanceTestsBase(api, batch: false), IClassFixture<FakeSmsApiFixture>
{
    protected override int ExpectedMaxInFlight => 5;
}

/// <summary>The conformance kit run against the HTTP carrier with <c>Batch=true</c> (JSON arrays of up to 7 messages).</summary>
public sealed class HttpBatchConformanceTests(FakeSmsApiFixture api) : HttpConformanceTestsBase(api, batch: true), IClassFixture<FakeSmsApiFixture>
{
    // The window counts requests; each carries up to MaxBatchSize messages.
    protected override int ExpectedMaxInFlight => 3;
}

public abstract class HttpConformanceTestsBase(FakeSmsApiFixture api, bool batch) : CarrierConformanceTests
{
    protected override ICarrierFactory CreateFactory() => api.Factory;

    protected override IReadOnlyDictionary<string, string> ValidSettings() => api.Settings(batch);

    protected override IEnumerable<(IReadOnlyDictionary<string, string> Settings, string MentionedSetting)> InvalidSettings()
    {
        IReadOnlyDictionary<string, string> With(string key, string? value)
        {
            var settings = api.Settings(batch);
            if (value is null)
            {
                settings.Remove(key);
            }
            else
            {
                settings[key] = value;
            }
            return settings;
        }
        yield return (With("Url", null), "Url");
        yield return (With("Url", "/sms"), "Url");
        yield return (With("Url", "ftp://example.com/sms"), "Url");
        yield return (With("WebhookSecret", null), "WebhookSecret");
        yield return (With("WebhookSecret", "short"), "WebhookSecret");
        yield return (With("AuthValue", null), "AuthValue");
        yield return (With("TimeoutSeconds", "0"), "TimeoutSeconds");
        yield return (With("Batch", "sometimes"), "Batch");
        yield return (With("IdField", "data..id"), "IdField");
        yield return (With("ToField", "from"), "ToField");
    }

    protected override string? PermanentlyRejectedNumber => "46700000015";

    protected override Task DeliverInboundFromPeerAsync(string from, string to, string text) => api.SendInboundAsync(from, to, text);

    protected override Task SlowPeerDownAsync()
    {
        api.Latency = TimeSpan.FromMilliseconds(20);
        return Task.CompletedTask;
    }

    protected override Task RestorePeerSpeedAsync()
    {
        api.Latency = TimeSpan.Zero;
        return Task.CompletedTask;
    }

    protected override Task DropConnectionMidWindowAsync(int afterSubmits)
    {
        // Requests carry up to MaxBatchSize messages with Batch=true: drop after about as many messages.
        api.DropConnectionsAfter(batch ? Math.Max(1, afterSubmits / 7) : afterSubmits);
        return Task.CompletedTask;
    }

    protected override Task<IReadOnlyCollection<string>> DestinationsReceivedByPeerAsync() => Task.FromResult<IReadOnlyCollection<string>>([.. api.Received]);

    protected override Task RestoreConnectionAsync()
    {
        api.AnswerEverything();
        return Task.CompletedTask;
    }
}
