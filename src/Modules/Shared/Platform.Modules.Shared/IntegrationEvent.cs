using MediatR;

namespace Platform.Modules.Shared;

/// <summary>
/// Base of the notifications one module publishes for others (declared in its <c>.Contracts</c>).
/// Carries when it happened and an id, so a handler can be made idempotent.
/// </summary>
public abstract record IntegrationEvent : INotification
{
    public Guid EventId { get; init; } = Guid.NewGuid();

    public DateTimeOffset OccurredAt { get; init; } = DateTimeOffset.UtcNow;
}
