using MediatR;
using Platform.Modules.Shared;

namespace Platform.Modules.SenderIds.Contracts;

/// <summary>A Sender ID a company may use, and the countries (ISO 3166-1 alpha-2) it is approved for.</summary>
public sealed record ApprovedSenderId(string SenderId, IReadOnlyList<string> Countries, bool IsPlatformDefault);

/// <summary>The Sender IDs a company may send with now (the platform's default sender included).</summary>
public sealed record ListUsableSenderIds(Guid CompanyId) : IRequest<IReadOnlyList<ApprovedSenderId>>;

/// <summary>Whether the company may send with this Sender ID to this country; when not, a reason a person can act on.</summary>
public sealed record CheckSenderId(Guid CompanyId, string SenderId, string CountryCode) : IRequest<SenderIdCheck>;

public sealed record SenderIdCheck(bool Allowed, string? Reason);

/// <summary>Published when an approved Sender ID is revoked: campaigns scheduled with it need attention.</summary>
public sealed record SenderIdRevoked(Guid CompanyId, string SenderId, string Reason) : IntegrationEvent;
