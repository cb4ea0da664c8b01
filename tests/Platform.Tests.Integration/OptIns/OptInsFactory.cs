using System.Collections.Concurrent;
using MediatR;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Platform.Modules.Shared;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.OptIns;

/// <summary>What the fake carrier was asked to send.</summary>
public sealed record SentSms(string From, string To, string Text);

/// <summary>Every SendSms the module makes, in order; replaces the host's carrier so tests see replies directly.</summary>
public sealed class RecordingOutbox
{
    private readonly ConcurrentQueue<SentSms> sent = new();

    public void Add(SentSms sms) => sent.Enqueue(sms);

    public IReadOnlyList<SentSms> To(string handset) => sent.Where(s => s.To == handset).ToList();
}

public sealed class RecordingSendSmsHandler(RecordingOutbox outbox) : IRequestHandler<SendSms, SendSmsResult>
{
    public Task<SendSmsResult> Handle(SendSms request, CancellationToken cancellationToken)
    {
        outbox.Add(new SentSms(request.From, request.To, request.Text));
        return Task.FromResult(new SendSmsResult(true, "recording", Guid.NewGuid().ToString("N"), null));
    }
}

/// <summary>
/// The real host on its own database, with SendSms answered by a recorder: the handler tests publish
/// InboundSmsReceived straight into the module and read the replies from <see cref="Outbox"/>.
/// </summary>
public sealed class OptInsFactory : PlatformFactory
{
    public RecordingOutbox Outbox { get; } = new();

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Platform:OptIns:PublicBaseUrl"] = "https://optins.test",
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton(Outbox);
            services.AddScoped<IRequestHandler<SendSms, SendSmsResult>, RecordingSendSmsHandler>();
        });
    }

    public async Task TextAsync(string from, string text, string to = PlatformNumber)
    {
        await using var scope = Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IMediator>()
            .Publish(new InboundSmsReceived(from, to, text, DateTimeOffset.UtcNow, "test", null));
    }

    /// <summary>A company with its owner logged in and one keyword; returns the owner's client and the keyword id.</summary>
    public async Task<(FormClient Owner, Guid KeywordId)> CompanyWithKeywordAsync(string company, string word)
    {
        var owner = await RegisterCompanyAsync(company, $"{Guid.NewGuid():N}@owner.example");
        var id = await CreateKeywordAsync(owner, word);
        return (owner, id);
    }

    public static async Task<Guid> CreateKeywordAsync(FormClient owner, string word, string autoReply = "Thanks! Deals are on their way.")
    {
        var response = await owner.PostFormAsync("/OptIns/Keywords/Create", new()
        {
            ["Input.Word"] = word,
            ["Input.PlatformNumber"] = PlatformNumber,
            ["Input.Description"] = $"{word} deals",
            ["Input.AutoReply"] = autoReply,
        });
        response.StatusCode.Should().Be(System.Net.HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());
        return Guid.Parse(response.Headers.Location!.ToString().Split('/')[^1]);
    }
}
