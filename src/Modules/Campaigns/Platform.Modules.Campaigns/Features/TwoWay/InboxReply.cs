using System.ComponentModel.DataAnnotations;
using System.Globalization;
using MediatR;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using Platform.Modules.Billing.Contracts;
using Platform.Modules.Campaigns.Domain;
using Platform.Modules.Campaigns.Sending;
using Platform.Modules.OptIns.Contracts;
using Platform.Modules.Shared;

namespace Platform.Modules.Campaigns.Features.TwoWay;

/// <summary>A reply typed in an inbox thread, sent to the handset from the platform number it texted.</summary>
internal sealed record ReplyInConversation : IRequest<ReplyOutcome>
{
    public const int MaxLength = 1600;

    public Guid ConversationId { get; init; }

    // Required refuses an empty or all-blank text (it trims before it checks).
    [Required(ErrorMessage = "Write the reply first.")]
    [StringLength(MaxLength, ErrorMessage = "A reply can have at most 1,600 characters.")]
    public string Text { get; init; } = string.Empty;
}

/// <summary>
/// What became of a reply: <paramref name="Found"/> false for a thread that is not the company's (the page answers 404);
/// otherwise whether the carrier took it, and what to tell the user. Refusals that send nothing (opted out, blocked, no
/// credits) are validation errors instead, so the form shows them and keeps the text.
/// </summary>
internal sealed record ReplyOutcome(bool Found, bool Sent, string Message);

/// <summary>
/// Sends a reply from the inbox. The one suppression rule applies (the company's suppressions and the platform block
/// list: a person who texted STOP gets no reply either), credits are quoted, reserved and captured like any message, and
/// quiet hours do not apply: the person just wrote, it is a conversation. The reply is an 'out' entry of the thread, and
/// the company becomes the one that messaged the handset last on that number, so the next answer comes back here.
/// </summary>
internal sealed class ReplyInConversationHandler(
    InboxStore inbox,
    RecipientContacts contacts,
    ConversationStore conversations,
    MessageStore messages,
    CampaignsDataSource dataSource,
    ITenantContext tenant,
    IMediator mediator,
    TimeProvider clock,
    ILogger<ReplyInConversationHandler> logger) : IRequestHandler<ReplyInConversation, ReplyOutcome>
{
    public const string CaptureKey = "inbox-reply";

    public async Task<ReplyOutcome> Handle(ReplyInConversation request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        if (await inbox.ThreadAsync(companyId, request.ConversationId, cancellationToken) is not { } thread)
        {
            return new ReplyOutcome(false, false, "That conversation does not exist.");
        }

        var text = request.Text.Trim();
        if ((await messages.SuppressedAmongAsync(companyId, [thread.Phone], cancellationToken)).Count > 0)
        {
            throw new RequestValidationException(string.Empty, await WhySuppressedAsync(companyId, thread.Phone, cancellationToken));
        }

        var country = await CountryAsync(thread.Phone, cancellationToken);
        var segments = MessageTemplate.Segments(text);
        var quote = await mediator.Send(new QuotePrice(companyId, country, segments, 1), cancellationToken);
        if (quote.TotalCredits > quote.AvailableCredits)
        {
            throw new RequestValidationException(string.Empty, NotEnoughCredits(quote.TotalCredits, segments, quote.AvailableCredits));
        }

        var reservationId = Guid.CreateVersion7();
        if (quote.TotalCredits > 0)
        {
            // The purpose lands in the company's ledger: it names no person.
            var reservation = await mediator.Send(new ReserveCredits(companyId, reservationId, quote.TotalCredits, "Inbox reply"), cancellationToken);
            if (!reservation.Reserved)
            {
                throw new RequestValidationException(string.Empty, NotEnoughCredits(quote.TotalCredits, segments, reservation.AvailableCredits));
            }
        }

        // From here on the credits are held: the rest runs to the end even if the browser goes away, so nothing stays
        // reserved and what was sent is recorded.
        var result = await SendAsync(thread, text);
        // An unknown outcome (the carrier's answer was lost after it was sent) may have reached the handset: it is paid
        // for and recorded like a sent reply, as a campaign's unknown messages are, and the page says not to resend it.
        var mayHaveGone = result.Accepted || result.OutcomeUnknown;
        if (quote.TotalCredits > 0)
        {
            if (mayHaveGone)
            {
                await mediator.Send(new CaptureCredits(companyId, reservationId, quote.TotalCredits, CaptureKey), CancellationToken.None);
            }

            await mediator.Send(new ReleaseCredits(companyId, reservationId), CancellationToken.None);
        }

        var now = clock.GetUtcNow();
        var error = result.Accepted ? null
            : result.OutcomeUnknown ? $"Outcome unknown, not resent: {result.Error}"
            : result.Error ?? "The carrier did not accept the message.";
        await conversations.AppendAsync(new ConversationEntry(companyId, thread.PlatformNumber, thread.Phone, ConversationDirections.Outbound, null, text, now,
            CarrierInstance: result.CarrierInstance, CarrierMessageId: result.CarrierMessageId, SentBy: tenant.UserId, Error: error), CancellationToken.None);
        if (!mayHaveGone)
        {
            logger.LogWarning("Inbox reply in thread {Thread} not accepted by the carrier: {Error}", thread.Id, error);
            return new ReplyOutcome(true, false, $"The carrier did not accept the reply ({error}). No credits were spent; try again in a moment.");
        }

        await contacts.RecordAsync(companyId, thread.PlatformNumber, thread.Phone, now, CancellationToken.None);
        // OptIns attributes a bare HELP or START to the company that messaged last; this reply is such a message.
        await mediator.Send(new RecordCompanyContact(companyId, thread.PlatformNumber, [thread.Phone], now), CancellationToken.None);
        if (result.OutcomeUnknown)
        {
            logger.LogWarning("Inbox reply in thread {Thread}: outcome unknown, not resent: {Error}", thread.Id, result.Error);
            return new ReplyOutcome(true, false,
                "The connection to the carrier dropped after the reply was sent, so we cannot tell whether it arrived. It was charged and will not be resent; send it again only if the person did not get it.");
        }

        return new ReplyOutcome(true, true, segments == 1 ? "Reply sent." : $"Reply sent ({segments} segments).");
    }

    private async Task<SendSmsResult> SendAsync(InboxThread thread, string text)
    {
        try
        {
            return await mediator.Send(new SendSms(thread.PlatformNumber, thread.Phone, text), CancellationToken.None);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogWarning(exception, "Inbox reply in thread {Thread} could not be handed to the carriers", thread.Id);
            return new SendSmsResult(false, null, null, "no carrier could take it", Retryable: true);
        }
    }

    private static string NotEnoughCredits(long needed, int segments, long available) =>
        $"Not enough credits: this reply needs {needed} credit{(needed == 1 ? "" : "s")} ({segments} segment{(segments == 1 ? "" : "s")}) and your company has {available}. Buy credits under Billing, then send it again. Nothing was sent.";

    /// <summary>The destination country by the longest calling code that prefixes the number, as campaigns price it; ZZ when none.</summary>
    private async Task<string> CountryAsync(string phone, CancellationToken cancellationToken)
    {
        await using var command = dataSource.Source.CreateCommand("""
            SELECT country FROM campaigns.calling_codes
            WHERE code IN (substr(@phone, 2, 1), substr(@phone, 2, 2), substr(@phone, 2, 3))
            ORDER BY length(code) DESC LIMIT 1
            """);
        command.Parameters.Add(new NpgsqlParameter("phone", NpgsqlDbType.Text) { Value = phone });
        return await command.ExecuteScalarAsync(cancellationToken) as string ?? "ZZ";
    }

    /// <summary>Why the number may not be messaged, in words the user can act on (the rule itself is <see cref="SuppressionRule"/>).</summary>
    private async Task<string> WhySuppressedAsync(Guid companyId, string phone, CancellationToken cancellationToken)
    {
        await using var command = dataSource.Source.CreateCommand("""
            SELECT 'blocked', reason, created_at FROM campaigns.blocked_numbers WHERE phone = @phone
            UNION ALL
            (SELECT 'company', reason, created_at FROM campaigns.suppressions WHERE company_id = @company AND phone = @phone ORDER BY created_at DESC LIMIT 1)
            """);
        command.Parameters.Add(new NpgsqlParameter("phone", NpgsqlDbType.Text) { Value = phone });
        command.Parameters.Add(new NpgsqlParameter("company", NpgsqlDbType.Uuid) { Value = companyId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return "This number is on your suppression list, so it gets no messages from you, replies included. Nothing was sent.";
        }

        var on = reader.GetFieldValue<DateTimeOffset>(2).ToString("d MMMM yyyy", CultureInfo.InvariantCulture);
        return (reader.GetString(0), reader.GetString(1)) switch
        {
            ("blocked", _) => "This number is on the platform's block list: no company may message it. Nothing was sent.",
            (_, SuppressionReasons.StopSms) => $"This person texted STOP on {on}, so they get no more messages from you, replies included. Nothing was sent. They can text START to hear from you again.",
            (_, SuppressionReasons.OptedOut) => $"This person opted out of your messages on {on}, so they get no more messages from you, replies included. Nothing was sent.",
            (_, SuppressionReasons.Bounce) => $"The carrier reported this number as unreachable on {on}, so it is on your suppression list. Nothing was sent.",
            (_, var reason) => $"This number is on your suppression list ({reason}, since {on}), so it gets no messages from you, replies included. Nothing was sent.",
        };
    }
}
