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
        return new SendSmsResult(result.Outcome == SubmitOutcome.Accepted, instance, result.CarrierMessageId, result.Reason);
    }
}
