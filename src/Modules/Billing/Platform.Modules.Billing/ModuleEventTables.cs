using Platform.Modules.Shared.Events;

namespace Platform.Modules.Billing;

/// <summary>What the module's event handlers handled (<c>Migrations/0004_inbox.sql</c>), mapped by the shared ModuleEventsModelCustomizer.</summary>
internal sealed class BillingInboxEntry : InboxEntry;
