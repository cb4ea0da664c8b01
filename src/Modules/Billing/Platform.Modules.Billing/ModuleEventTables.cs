using Platform.Modules.Shared.Events;

namespace Platform.Modules.Billing;

/// <summary>What the module's event handlers handled (<c>Migrations/0004_inbox.sql</c>), mapped by the shared ModuleEventsModelCustomizer.</summary>
internal sealed class BillingInboxEntry : InboxEntry;

/// <summary>The module's outbox (<c>Migrations/0006_notices.sql</c>): payments received and balances that ran low.</summary>
internal sealed class BillingOutboxMessage : OutboxMessage
{
    /// <summary>The event as JSON: ids, the invoice number, credits and amounts; no personal data.</summary>
    public override string Payload { get; set; } = string.Empty;
}
