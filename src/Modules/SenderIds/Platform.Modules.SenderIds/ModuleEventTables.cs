using Platform.Modules.Shared.Events;

namespace Platform.Modules.SenderIds;

/// <summary>The module's outbox (<c>Migrations/0003_outbox.sql</c>), mapped by the shared ModuleEventsModelCustomizer.</summary>
internal sealed class SenderIdsOutboxMessage : OutboxMessage
{
    /// <summary>The event as JSON: ids and names of the company's own records, no personal data.</summary>
    public override string Payload { get; set; } = string.Empty;
}
