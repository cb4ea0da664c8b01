using Platform.Modules.Shared;
using Platform.Modules.Shared.Events;

namespace Platform.Modules.OptIns;

/// <summary>
/// The module's outbox (<c>Migrations/0005_outbox.sql</c>), mapped by the shared ModuleEventsModelCustomizer. Its rows are
/// written by the consent log's trigger: every opt-in and opt-out, for Campaigns' suppressions.
/// </summary>
internal sealed class OptInsOutboxMessage : OutboxMessage
{
    /// <summary>The event as JSON, with the subscriber's mobile number (Campaigns suppresses by number).</summary>
    [PersonalData(PersonalDataCategory.Contact, "Telling the companies' campaigns at once that you opted in or out",
        "Deleted 7 days after delivery (and at once when you erase your account)")]
    public override string Payload { get; set; } = string.Empty;
}
