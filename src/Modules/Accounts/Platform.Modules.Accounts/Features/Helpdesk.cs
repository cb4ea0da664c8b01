using System.ComponentModel.DataAnnotations;
using MediatR;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Accounts.Domain;
using Platform.Modules.Shared;

namespace Platform.Modules.Accounts.Features;

/// <summary>The helpdesk's limits: the one home of what a message and its attachments may be.</summary>
internal static class HelpdeskRules
{
    public const int MaxAttachments = 3;
    public const long MaxAttachmentBytes = 5 * 1024 * 1024;

    /// <summary>A closed ticket, with its messages and attachments, is deleted this long after it closed.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(730);

    public static IEnumerable<ValidationError> CheckAttachments(IReadOnlyList<IFormFile>? files, string field)
    {
        var attached = (files ?? []).Where(f => f.Length > 0).ToList();
        if (attached.Count > MaxAttachments)
        {
            yield return new ValidationError(field, $"Attach at most {MaxAttachments} files.");
            yield break;
        }

        foreach (var file in attached)
        {
            if (UploadedDocuments.Problem(file, $"attachment \"{Path.GetFileName(file.FileName)}\"", MaxAttachmentBytes) is { } problem)
            {
                yield return new ValidationError(field, problem);
            }
        }
    }

    public static async Task<List<SupportAttachment>> ReadAsync(IReadOnlyList<IFormFile>? files, Guid messageId, CancellationToken ct)
    {
        var attachments = new List<SupportAttachment>();
        foreach (var file in (files ?? []).Where(f => f.Length > 0))
        {
            using var buffer = new MemoryStream();
            await file.CopyToAsync(buffer, ct);
            attachments.Add(new SupportAttachment
            {
                Id = Guid.NewGuid(),
                MessageId = messageId,
                FileName = Path.GetFileName(file.FileName) is { Length: > 0 and <= 200 } name ? name : "attachment",
                ContentType = UploadedDocuments.Sniff(file)!,
                Content = buffer.ToArray(),
            });
        }

        return attachments;
    }
}

/// <summary>
/// A new support request: from the public Contact page (a visitor gives a name and an email address) or from a signed-in
/// business user (name, address and company come from the account). Answers the ticket's number.
/// </summary>
internal sealed class OpenTicket : IRequest<SupportTicketCreated>
{
    [StringLength(200, ErrorMessage = "Keep your name to 200 characters.")]
    public string? Name { get; set; }

    [StringLength(256, ErrorMessage = "Keep the email address to 256 characters.")]
    [EmailAddress(ErrorMessage = "Enter an email address we can answer, such as name@example.com.")]
    public string? Email { get; set; }

    [Required(ErrorMessage = "Enter a subject.")]
    [StringLength(150, ErrorMessage = "Keep the subject to 150 characters.")]
    public string Subject { get; set; } = string.Empty;

    [Required(ErrorMessage = "Write your message.")]
    [StringLength(10_000, ErrorMessage = "Keep the message to 10,000 characters.")]
    public string Message { get; set; } = string.Empty;

    public List<IFormFile>? Attachments { get; set; }
}

internal sealed record SupportTicketCreated(Guid Id, long Number);

internal sealed class OpenTicketValidator(ITenantContext tenant) : IRequestValidator<OpenTicket>
{
    public IEnumerable<ValidationError> Validate(OpenTicket request)
    {
        if (tenant.UserId is null)
        {
            if (string.IsNullOrWhiteSpace(request.Name))
            {
                yield return new ValidationError(nameof(request.Name), "Enter your name.");
            }

            if (string.IsNullOrWhiteSpace(request.Email))
            {
                yield return new ValidationError(nameof(request.Email), "Enter your email address, so we can answer.");
            }
        }

        foreach (var error in HelpdeskRules.CheckAttachments(request.Attachments, nameof(request.Attachments)))
        {
            yield return error;
        }
    }
}

internal sealed class OpenTicketHandler(AccountsDbContext db, ITenantContext tenant, HelpdeskMail mail, TimeProvider clock) : IRequestHandler<OpenTicket, SupportTicketCreated>
{
    public async Task<SupportTicketCreated> Handle(OpenTicket request, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var user = tenant.UserId is { } userId
            ? await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => new { u.Id, u.CompanyId, u.Email, Name = u.FirstName + " " + u.Surname }).SingleAsync(cancellationToken)
            : null;
        var ticket = new SupportTicket
        {
            Id = Guid.NewGuid(),
            CompanyId = user?.CompanyId,
            UserId = user?.Id,
            Name = user?.Name ?? request.Name!.Trim(),
            Email = user?.Email ?? request.Email!.Trim(),
            Subject = request.Subject.Trim(),
            Status = TicketStatus.Open,
            CreatedAt = now,
            UpdatedAt = now,
        };
        var message = new SupportMessage { Id = Guid.NewGuid(), TicketId = ticket.Id, FromStaff = false, AuthorId = user?.Id, Body = request.Message.Trim(), CreatedAt = now };
        db.SupportTickets.Add(ticket);
        db.SupportMessages.Add(message);
        db.SupportAttachments.AddRange(await HelpdeskRules.ReadAsync(request.Attachments, message.Id, cancellationToken));
        await db.SaveChangesAsync(cancellationToken);
        await mail.ReceivedAsync(ticket, message, opened: true, cancellationToken);
        return new SupportTicketCreated(ticket.Id, ticket.Number);
    }
}

/// <summary>A message on an existing ticket: by its owner (reopens it) or by staff (answers it, and may close it).</summary>
internal sealed class ReplyToTicket : IRequest<Unit>
{
    public Guid TicketId { get; set; }

    [Required(ErrorMessage = "Write your message.")]
    [StringLength(10_000, ErrorMessage = "Keep the message to 10,000 characters.")]
    public string Message { get; set; } = string.Empty;

    public List<IFormFile>? Attachments { get; set; }

    /// <summary>Staff only: close the ticket with this answer.</summary>
    public bool Close { get; set; }
}

internal sealed class ReplyToTicketValidator : IRequestValidator<ReplyToTicket>
{
    public IEnumerable<ValidationError> Validate(ReplyToTicket request) =>
        HelpdeskRules.CheckAttachments(request.Attachments, nameof(request.Attachments));
}

internal sealed class ReplyToTicketHandler(AccountsDbContext db, ITenantContext tenant, HelpdeskMail mail, TimeProvider clock) : IRequestHandler<ReplyToTicket, Unit>
{
    public async Task<Unit> Handle(ReplyToTicket request, CancellationToken cancellationToken)
    {
        var userId = tenant.UserId ?? throw new UnauthorizedAccessException("Sign in first.");
        var staff = tenant.IsPlatformAdmin;
        var ticket = await db.SupportTickets.SingleOrDefaultAsync(t => t.Id == request.TicketId && (staff || t.UserId == userId), cancellationToken)
            ?? throw new RequestValidationException(string.Empty, "There is no such ticket.");
        var now = clock.GetUtcNow();
        var message = new SupportMessage { Id = Guid.NewGuid(), TicketId = ticket.Id, FromStaff = staff, AuthorId = userId, Body = request.Message.Trim(), CreatedAt = now };
        db.SupportMessages.Add(message);
        db.SupportAttachments.AddRange(await HelpdeskRules.ReadAsync(request.Attachments, message.Id, cancellationToken));
        ticket.Status = !staff ? TicketStatus.Open : request.Close ? TicketStatus.Closed : TicketStatus.Answered;
        ticket.ClosedAt = ticket.Status == TicketStatus.Closed ? now : null;
        ticket.UpdatedAt = now;
        await db.SaveChangesAsync(cancellationToken);
        if (staff)
        {
            await mail.AnsweredAsync(ticket, message, cancellationToken);
        }
        else
        {
            await mail.ReceivedAsync(ticket, message, opened: false, cancellationToken);
        }

        return Unit.Value;
    }
}

/// <summary>The owner closes their ticket (solved); staff close by answering with Close.</summary>
internal sealed record CloseTicket(Guid TicketId) : IRequest<bool>;

internal sealed class CloseTicketHandler(AccountsDbContext db, ITenantContext tenant, TimeProvider clock) : IRequestHandler<CloseTicket, bool>
{
    public async Task<bool> Handle(CloseTicket request, CancellationToken cancellationToken)
    {
        var userId = tenant.UserId ?? throw new UnauthorizedAccessException("Sign in first.");
        var now = clock.GetUtcNow();
        return await db.SupportTickets
            .Where(t => t.Id == request.TicketId && (tenant.IsPlatformAdmin || t.UserId == userId) && t.Status != TicketStatus.Closed)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.Status, TicketStatus.Closed).SetProperty(t => t.ClosedAt, now).SetProperty(t => t.UpdatedAt, now), cancellationToken) == 1;
    }
}

internal sealed record TicketListItem(Guid Id, long Number, string Subject, string Status, string Name, string? CompanyName, DateTimeOffset UpdatedAt);

/// <summary>The signed-in user's tickets, newest activity first.</summary>
internal sealed record GetMyTickets : IRequest<IReadOnlyList<TicketListItem>>;

/// <summary>Staff's queue: tickets in one status (Open first by default), oldest activity first, 100 at a time.</summary>
internal sealed record GetSupportQueue(string Status) : IRequest<IReadOnlyList<TicketListItem>>;

internal sealed class TicketListHandlers(AccountsDbContext db, ITenantContext tenant)
    : IRequestHandler<GetMyTickets, IReadOnlyList<TicketListItem>>, IRequestHandler<GetSupportQueue, IReadOnlyList<TicketListItem>>
{
    public async Task<IReadOnlyList<TicketListItem>> Handle(GetMyTickets request, CancellationToken cancellationToken)
    {
        var userId = tenant.UserId ?? throw new UnauthorizedAccessException("Sign in first.");
        return await db.SupportTickets.AsNoTracking().Where(t => t.UserId == userId).OrderByDescending(t => t.UpdatedAt).Take(100)
            .Select(t => new TicketListItem(t.Id, t.Number, t.Subject, t.Status, t.Name, null, t.UpdatedAt))
            .ToListAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<TicketListItem>> Handle(GetSupportQueue request, CancellationToken cancellationToken) =>
        await (from t in db.SupportTickets.AsNoTracking()
               join c in db.Companies.AsNoTracking() on t.CompanyId equals c.Id into companies
               from c in companies.DefaultIfEmpty()
               where t.Status == request.Status
               orderby t.UpdatedAt
               select new TicketListItem(t.Id, t.Number, t.Subject, t.Status, t.Name, c == null ? null : c.Name, t.UpdatedAt))
            .Take(100)
            .ToListAsync(cancellationToken);
}

internal sealed record TicketAttachmentView(Guid Id, string FileName, int Bytes);

internal sealed record TicketMessageView(bool FromStaff, string Body, DateTimeOffset At, IReadOnlyList<TicketAttachmentView> Attachments);

internal sealed record TicketView(Guid Id, long Number, string Subject, string Status, string Name, string Email, string? CompanyName, IReadOnlyList<TicketMessageView> Messages);

/// <summary>One ticket with its thread: its owner's, or any for staff; null otherwise (the page answers 404).</summary>
internal sealed record GetTicket(Guid Id) : IRequest<TicketView?>;

internal sealed class GetTicketHandler(AccountsDbContext db, ITenantContext tenant) : IRequestHandler<GetTicket, TicketView?>
{
    public async Task<TicketView?> Handle(GetTicket request, CancellationToken cancellationToken)
    {
        var userId = tenant.UserId ?? Guid.Empty;
        var ticket = await db.SupportTickets.AsNoTracking()
            .SingleOrDefaultAsync(t => t.Id == request.Id && (tenant.IsPlatformAdmin || t.UserId == userId), cancellationToken);
        if (ticket is null)
        {
            return null;
        }

        var messages = await db.SupportMessages.AsNoTracking().Where(m => m.TicketId == ticket.Id).OrderBy(m => m.CreatedAt).ToListAsync(cancellationToken);
        var ids = messages.Select(m => m.Id).ToList();
        var attachments = await db.SupportAttachments.AsNoTracking().Where(a => ids.Contains(a.MessageId))
            .Select(a => new { a.MessageId, a.Id, a.FileName, Bytes = a.Content.Length })
            .ToListAsync(cancellationToken);
        var company = ticket.CompanyId is { } companyId
            ? await db.Companies.AsNoTracking().Where(c => c.Id == companyId).Select(c => c.Name).SingleOrDefaultAsync(cancellationToken)
            : null;
        return new TicketView(ticket.Id, ticket.Number, ticket.Subject, ticket.Status, ticket.Name, ticket.Email, company,
            messages.Select(m => new TicketMessageView(m.FromStaff, m.Body, m.CreatedAt,
                attachments.Where(a => a.MessageId == m.Id).Select(a => new TicketAttachmentView(a.Id, a.FileName, a.Bytes)).ToList())).ToList());
    }
}

internal sealed record AttachmentFile(byte[] Content, string ContentType, string FileName);

/// <summary>An attachment, for the ticket's owner or staff only.</summary>
internal sealed record GetTicketAttachment(Guid Id) : IRequest<AttachmentFile?>;

internal sealed class GetTicketAttachmentHandler(AccountsDbContext db, ITenantContext tenant) : IRequestHandler<GetTicketAttachment, AttachmentFile?>
{
    public async Task<AttachmentFile?> Handle(GetTicketAttachment request, CancellationToken cancellationToken)
    {
        var userId = tenant.UserId ?? Guid.Empty;
        return await (from a in db.SupportAttachments.AsNoTracking()
                      join m in db.SupportMessages.AsNoTracking() on a.MessageId equals m.Id
                      join t in db.SupportTickets.AsNoTracking() on m.TicketId equals t.Id
                      where a.Id == request.Id && (tenant.IsPlatformAdmin || t.UserId == userId)
                      select new AttachmentFile(a.Content, a.ContentType, a.FileName))
            .SingleOrDefaultAsync(cancellationToken);
    }
}

/// <summary>
/// The helpdesk's emails, both ways: the person gets an acknowledgement with the ticket number and every answer (with its
/// text, so a visitor without an account reads it in the email); the platform's admins get every new ticket and message.
/// Each email's dedup key names the message, so a retried request never emails twice.
/// </summary>
internal sealed class HelpdeskMail(AccountsDbContext db, IMediator mediator, PublicLinks links)
{
    /// <param name="opened">The message opened the ticket: the person gets the acknowledgement (the caller knows; no query needed).</param>
    public async Task ReceivedAsync(SupportTicket ticket, SupportMessage message, bool opened, CancellationToken ct)
    {
        if (opened)
        {
            await mediator.Send(new SendEmail(
                ticket.Email,
                ticket.Name,
                $"We received your request #{ticket.Number}: {ticket.Subject}",
                new EmailBody(
                    $"Request #{ticket.Number} received",
                    [$"Hello {ticket.Name},", "Thank you for writing to us. We answer by email, usually within one working day.", $"Your message: {message.Body}"],
                    ticket.UserId is null ? null : new EmailAction("See your request", links.To($"/Accounts/Support/Ticket?id={ticket.Id}"))),
                "accounts.support-received",
                $"accounts.support-received:{message.Id}"), ct);
        }

        var staff = await (from u in db.Users.AsNoTracking()
                           join ur in db.UserRoles on u.Id equals ur.UserId
                           join r in db.Roles on ur.RoleId equals r.Id
                           where r.Name == PlatformClaims.PlatformAdminRole && u.Email != null
                           select new { u.Id, u.Email }).ToListAsync(ct);
        foreach (var admin in staff)
        {
            await mediator.Send(new SendEmail(
                admin.Email!,
                null,
                $"Support #{ticket.Number} from {ticket.Name}: {ticket.Subject}",
                new EmailBody($"Support request #{ticket.Number}", [$"{ticket.Name} <{ticket.Email}> wrote:", message.Body],
                    new EmailAction("Answer it", links.To($"/Admin/Support/Ticket?id={ticket.Id}"))),
                "accounts.support-staff",
                $"accounts.support-staff:{message.Id}:{admin.Id}"), ct);
        }
    }

    public Task AnsweredAsync(SupportTicket ticket, SupportMessage answer, CancellationToken ct) =>
        mediator.Send(new SendEmail(
            ticket.Email,
            ticket.Name,
            $"Re: your request #{ticket.Number}: {ticket.Subject}",
            new EmailBody(
                $"An answer to request #{ticket.Number}",
                [
                    $"Hello {ticket.Name},",
                    answer.Body,
                    ticket.Status == TicketStatus.Closed
                        ? "We have closed this request. Write again if you need more help."
                        : ticket.UserId is null ? "Use the Contact page to write again." : "You can answer on your request's page.",
                ],
                ticket.UserId is null ? null : new EmailAction("See your request", links.To($"/Accounts/Support/Ticket?id={ticket.Id}"))),
            "accounts.support-answer",
            $"accounts.support-answer:{answer.Id}"), ct);
}
