using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Platform.Modules.Shared.Events;

/// <summary>
/// One row of a module's outbox (<c>&lt;schema&gt;.outbox</c>): an integration event written in the same transaction as
/// the change it announces, delivered by <see cref="ModuleEventDispatcher"/>. A module that publishes declares a sealed
/// subclass (and its migration creates the table); <see cref="ModuleEventsModelCustomizer"/> maps it in the module's
/// DbContext. The subclass declares <see cref="Payload"/> so it can say what personal data the module's events carry.
/// </summary>
public abstract class OutboxMessage
{
    public long Id { get; set; }

    /// <summary>The event's id: what handlers' inboxes remember.</summary>
    public Guid EventId { get; set; }

    /// <summary>The event's CLR type, "Namespace.Type, Assembly" (no version).</summary>
    public string EventType { get; set; } = string.Empty;

    /// <summary>The event as JSON (jsonb).</summary>
    public abstract string Payload { get; set; }

    public DateTimeOffset OccurredAt { get; set; }

    /// <summary>When every handler had it; dispatched rows are deleted after the retention (7 days by default).</summary>
    public DateTimeOffset? DispatchedAt { get; set; }

    /// <summary>Delivery attempts so far (failed ones and the one that succeeded).</summary>
    public int Attempts { get; set; }

    /// <summary>The exception of the last failed attempt.</summary>
    public string? LastError { get; set; }

    /// <summary>Not delivered before this time (back-off after a failure).</summary>
    public DateTimeOffset NextAttemptAt { get; set; }
}

/// <summary>
/// One row of a handling module's inbox (<c>&lt;schema&gt;.inbox</c>): that handler has handled that event. Written in
/// the handler's own transaction, so a redelivered event acts once. A module with handlers declares a sealed subclass.
/// </summary>
public abstract class InboxEntry
{
    public Guid EventId { get; set; }

    /// <summary>The handler's type, "Namespace.Type".</summary>
    public string Handler { get; set; } = string.Empty;

    public DateTimeOffset HandledAt { get; set; }
}

/// <summary>
/// The newest position applied per ordered stream (<c>&lt;schema&gt;.event_positions</c>), e.g. a subscriber's consent with
/// one company: a handler applies an event only when its sequence is newer (<see cref="EventPositions"/>), so a retried or
/// late opt-in never overrides a newer opt-out. A module that needs it declares a sealed subclass.
/// </summary>
public abstract class EventPosition
{
    /// <summary>The stream's key, made of ids only (never a phone number), e.g. "consent/{company}/{subscriber}".</summary>
    public string Stream { get; set; } = string.Empty;

    public long Position { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>
/// Maps a module's <see cref="OutboxMessage"/>, <see cref="InboxEntry"/> and <see cref="EventPosition"/> subclasses
/// (found in the DbContext's own assembly) onto its own schema, so the event tables are declared once for all modules.
/// </summary>
public sealed class ModuleEventsModelCustomizer(ModelCustomizerDependencies dependencies) : RelationalModelCustomizer(dependencies)
{
    public override void Customize(ModelBuilder modelBuilder, DbContext context)
    {
        base.Customize(modelBuilder, context);
        foreach (var type in EventTableTypes.In(context.GetType().Assembly))
        {
            if (typeof(OutboxMessage).IsAssignableFrom(type))
            {
                modelBuilder.Entity(type, e =>
                {
                    e.ToTable("outbox");
                    e.HasKey(nameof(OutboxMessage.Id));
                    e.Property(nameof(OutboxMessage.Id)).UseIdentityByDefaultColumn();
                    e.Property(nameof(OutboxMessage.Payload)).HasColumnType("jsonb");
                });
            }
            else if (typeof(InboxEntry).IsAssignableFrom(type))
            {
                modelBuilder.Entity(type, e =>
                {
                    e.ToTable("inbox");
                    e.HasKey(nameof(InboxEntry.EventId), nameof(InboxEntry.Handler));
                });
            }
            else if (typeof(EventPosition).IsAssignableFrom(type))
            {
                modelBuilder.Entity(type, e =>
                {
                    e.ToTable("event_positions");
                    e.HasKey(nameof(EventPosition.Stream));
                });
            }
        }
    }
}

/// <summary>Finds a module's event-table entity types.</summary>
public static class EventTableTypes
{
    public static IEnumerable<Type> In(System.Reflection.Assembly assembly) =>
        assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false }
            && (typeof(OutboxMessage).IsAssignableFrom(t) || typeof(InboxEntry).IsAssignableFrom(t) || typeof(EventPosition).IsAssignableFrom(t)));

    public static bool HasOutbox(System.Reflection.Assembly assembly) => In(assembly).Any(typeof(OutboxMessage).IsAssignableFrom);

    public static bool HasInbox(System.Reflection.Assembly assembly) => In(assembly).Any(typeof(InboxEntry).IsAssignableFrom);
}
