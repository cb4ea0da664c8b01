using Platform.Modules.Shared.Events;

namespace Platform.Modules.Campaigns;

/// <summary>What the module's event handlers handled (<c>Migrations/0011_module_events.sql</c>), mapped by the shared ModuleEventsModelCustomizer.</summary>
internal sealed class CampaignsInboxEntry : InboxEntry;

/// <summary>The newest consent event applied per company and subscriber (<c>Migrations/0011_module_events.sql</c>).</summary>
internal sealed class CampaignsEventPosition : EventPosition;

/// <summary>The module's outbox (<c>Migrations/0015_outbox.sql</c>): campaigns finished or needing attention.</summary>
internal sealed class CampaignsOutboxMessage : OutboxMessage
{
    /// <summary>The event as JSON: ids, the campaign's name, counters and the reason it stopped; no personal data.</summary>
    public override string Payload { get; set; } = string.Empty;
}
