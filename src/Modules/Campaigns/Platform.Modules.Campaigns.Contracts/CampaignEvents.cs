using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Contracts;

/// <summary>
/// A company's campaign completed: nothing is left to submit, and its credits are being settled. The counters are those
/// at completion; receipts for messages already submitted may still move Submitted into Delivered, Failed or Expired
/// afterwards. Published through Campaigns' outbox (at least once) for notices; not for send-API requests.
/// </summary>
public sealed record CampaignFinished(
    Guid CompanyId,
    Guid CampaignId,
    string Name,
    int Targeted,
    int Suppressed,
    int Submitted,
    int Delivered,
    int Failed,
    int Expired,
    int Unknown) : IntegrationEvent;

/// <summary>
/// A company's campaign stopped and waits for the company: preparing it found a problem (a Sender ID refused for a
/// country, the plan's limit, too few credits) or its Sender ID was revoked. <paramref name="Reason"/> says what to do,
/// in the words the campaign's page shows. Published through Campaigns' outbox (at least once) for notices; not for
/// send-API requests, whose caller learns of a refusal in the answer.
/// </summary>
public sealed record CampaignNeedsAttention(Guid CompanyId, Guid CampaignId, string Name, string Reason) : IntegrationEvent;
