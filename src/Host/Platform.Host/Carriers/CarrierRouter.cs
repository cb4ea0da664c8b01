using MediatR;
using Platform.Carriers.Abstractions;
using Platform.Modules.Shared;

namespace Platform.Host.Carriers;

/// <summary>
/// Transactional SMS (opt-in confirmations, HELP answers) go out at once through the routes: longest prefix
/// first, then priority, failing over to the next route when a carrier is down or answers "failed".
/// </summary>
internal sealed class SendSmsHandler(CarrierHost carriers) : IRequestHandler<SendSms, SendSmsResult>
{
    public async Task<SendSmsResult> Handle(SendSms request, CancellationToken cancellationToken)
    {
        var message = new OutboundMessage(Guid.NewGuid(), request.From, request.To, request.Text, RequestReceipt: true);
        var (result, instance) = (await carriers.Router.SendAsync([message], cancellationToken))[0];
        return ToSendSmsResult(result, instance);
    }

    /// <summary>The modules' view of a carrier's answer: Failed is retryable, Unknown is "may have been sent" (never
    /// retried, not even through another route), Rejected is neither.</summary>
    internal static SendSmsResult ToSendSmsResult(SubmitResult result, string? instance) => result.Outcome switch
    {
        SubmitOutcome.Accepted => new SendSmsResult(true, instance, result.CarrierMessageId, null),
        SubmitOutcome.Failed => new SendSmsResult(false, instance, null, result.Reason, Retryable: true),
        SubmitOutcome.Unknown => new SendSmsResult(false, instance, null, result.Reason, OutcomeUnknown: true),
        _ => new SendSmsResult(false, instance, null, result.Reason),
    };
}

/// <summary>Batches (campaigns, the send API) go through the same routes, limits and failover, one result per message.</summary>
internal sealed class SendSmsBatchHandler(CarrierHost carriers) : IRequestHandler<SendSmsBatch, IReadOnlyList<SendSmsResult>>
{
    public async Task<IReadOnlyList<SendSmsResult>> Handle(SendSmsBatch request, CancellationToken cancellationToken)
    {
        var batch = request.Messages.Select(m => new OutboundMessage(m.MessageId, m.From, m.To, m.Text, RequestReceipt: true)).ToList();
        var results = await carriers.Router.SendAsync(batch, cancellationToken);
        return results.Select(r => SendSmsHandler.ToSendSmsResult(r.Result, r.InstanceName)).ToList();
    }
}
