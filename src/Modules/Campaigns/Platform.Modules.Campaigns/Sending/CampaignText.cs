using System.Buffers;
using Platform.Modules.Campaigns.Features.Contacts;
using Platform.Modules.Campaigns.Features.Links;

namespace Platform.Modules.Campaigns.Sending;

/// <summary>
/// A campaign's text as the sender renders it for each message, worked out once per sending run: its links shortened
/// with a stand-in for each message's code, then split into literal text, link codes and placeholders
/// (<see cref="MessageTemplate.Pieces"/>). A message then costs one pass that writes the pieces, its codes and its
/// values into a pooled buffer, and one string. The result is exactly what
/// <c>route.Apply(sender, MessageTemplate.Render(links.Template(body, track, id), firstName, ContactFieldValues.Parse(fields)))</c>
/// gives (the unit tests compare the two), which is what the sender did per message before: two regular-expression
/// replacements, a JSON document and a dictionary per message, 6.4 µs and 3.9 KB (BENCH_RENDER=1 in the campaign benchmark).
/// </summary>
internal sealed class CampaignText
{
    // A link's stand-in while the text is split: a private-use character and the link's place (0–8). It cannot change
    // how placeholders are found (like a code, it is neither a brace nor a name's first character after "{"). A text or
    // short-link prefix that has it already, or a prefix with a brace, is rendered the long way instead.
    private const char LinkMark = '\uE000';

    private readonly Piece[] pieces;
    // The contact fields the text uses; values[0] is the first name, values[1 + i] the field fieldKeys[i].
    private readonly string[] fieldKeys;
    private readonly TrackedLinks links;
    private readonly OptOutRoute? route;
    private readonly Func<long, string?, string?, string>? longWay;

    public CampaignText(string body, bool trackLinks, string senderId, TrackedLinks links, OptOutRoute route)
    {
        this.links = links;
        this.route = OptOutRoute.NeedsRoute(senderId) ? route : null;
        if (body.Contains(LinkMark, StringComparison.Ordinal) || links.Prefix.AsSpan().IndexOfAny(['{', '}', LinkMark]) >= 0)
        {
            longWay = (id, firstName, fields) => route.Apply(senderId,
                MessageTemplate.Render(links.Template(body, trackLinks, id), firstName, fields is null ? null : ContactFieldValues.Parse(fields)));
            pieces = [];
            fieldKeys = [];
            return;
        }

        var marked = trackLinks ? links.Shorten(body, index => string.Concat(LinkMark.ToString(), ((char)('0' + index)).ToString())) : body;
        var keys = new List<string>();
        pieces = MessageTemplate.Pieces(marked).Select(piece =>
        {
            if (piece.Name is null)
            {
                return new Piece(Literal(piece.Text), -1);
            }

            var slot = piece.Name == MessageTemplate.FirstName ? 0 : 1 + Slot(keys, piece.Name);
            return new Piece(Literal(piece.Text), slot);
        }).ToArray();
        fieldKeys = [.. keys];
    }

    /// <summary>The text of one message: its links' codes, its recipient's values (fields as the message's JSON of them) and the opt-out route.</summary>
    public string For(long messageId, string? firstName, string? fields)
    {
        if (longWay is not null)
        {
            return longWay(messageId, firstName, fields);
        }

        var values = new string?[1 + fieldKeys.Length];
        values[0] = firstName;
        ContactFieldValues.Read(fields, fieldKeys, values.AsSpan(1));
        var text = new Writer(512);
        try
        {
            foreach (var piece in pieces)
            {
                // A literal is written as it is; a placeholder shows its value or else its fallback (which may hold a link).
                if (piece.Slot < 0 || MessageTemplate.ValueOf(values[piece.Slot]) is not { } value)
                {
                    Write(ref text, piece.Text, messageId);
                }
                else
                {
                    text.Append(value);
                }
            }

            if (route is not null && !route.NamesRoute(text.Written))
            {
                text.Append(route.Suffix);
            }

            return new string(text.Written);
        }
        finally
        {
            text.Dispose();
        }
    }

    private void Write(ref Writer text, Segment[] segments, long messageId)
    {
        foreach (var segment in segments)
        {
            if (segment.Link < 0)
            {
                text.Append(segment.Text);
            }
            else
            {
                links.WriteCode(text.Reserve(TrackedLinks.CodeLength), messageId, segment.Link);
            }
        }
    }

    /// <summary>Literal text with its links' stand-ins as separate segments.</summary>
    private static Segment[] Literal(string text)
    {
        var segments = new List<Segment>();
        var at = 0;
        for (var mark = text.IndexOf(LinkMark, StringComparison.Ordinal); mark >= 0; mark = text.IndexOf(LinkMark, at))
        {
            if (mark > at)
            {
                segments.Add(new Segment(text[at..mark], -1));
            }

            segments.Add(new Segment(string.Empty, text[mark + 1] - '0'));
            at = mark + 2;
        }

        if (at < text.Length)
        {
            segments.Add(new Segment(text[at..], -1));
        }

        return [.. segments];
    }

    private static int Slot(List<string> keys, string key)
    {
        var slot = keys.IndexOf(key);
        if (slot < 0)
        {
            keys.Add(key);
            slot = keys.Count - 1;
        }

        return slot;
    }

    /// <summary>Literal text (or a placeholder's fallback) and, for a placeholder, where its value is (-1: a literal).</summary>
    private sealed record Piece(Segment[] Text, int Slot);

    /// <summary>Text, or the code of link <see cref="Link"/> (-1: text).</summary>
    private readonly record struct Segment(string Text, int Link);

    /// <summary>A growing buffer of characters from the shared pool (one message's text).</summary>
    private ref struct Writer(int capacity)
    {
        private char[] buffer = ArrayPool<char>.Shared.Rent(capacity);
        private int length;

        public readonly ReadOnlySpan<char> Written => buffer.AsSpan(0, length);

        public void Append(ReadOnlySpan<char> text) => text.CopyTo(Reserve(text.Length));

        public Span<char> Reserve(int count)
        {
            if (length + count > buffer.Length)
            {
                var larger = ArrayPool<char>.Shared.Rent(Math.Max(buffer.Length * 2, length + count));
                Written.CopyTo(larger);
                ArrayPool<char>.Shared.Return(buffer);
                buffer = larger;
            }

            length += count;
            return buffer.AsSpan(length - count, count);
        }

        public readonly void Dispose() => ArrayPool<char>.Shared.Return(buffer);
    }
}
