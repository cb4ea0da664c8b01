using System.Globalization;
using Npgsql;
using NpgsqlTypes;

namespace Platform.Modules.Campaigns.Features.Suppressions;

/// <summary>The rules of a company's suppression list page: who may lift what, what a reason means, which numbers a company may see.</summary>
internal static class SuppressionRules
{
    /// <summary>
    /// The reasons a company may lift: the ones it put there itself (by hand or CSV) and a carrier's "unreachable". A STOP
    /// or an opt-out is the person's: only they undo it (START, or their keyword), never the company.
    /// </summary>
    public static readonly string[] LiftableByCompany = [SuppressionReasons.Manual, SuppressionReasons.Bounce];

    public const string NotLiftable =
        "This number cannot be lifted by your team: the person opted out themselves. Only they can undo it, by texting START (or your keyword) to the number they stopped.";

    /// <summary>Rows of a page; one more is read to know whether there is a next page.</summary>
    public const int PageSize = 50;

    /// <summary>The total is counted up to this many rows (an index-only scan), then shown as "more than".</summary>
    public const int CountLimit = 10_000;

    public const int MaxNoteLength = 500;

    /// <summary>Why the number is suppressed, in the words the page uses.</summary>
    public static string Why(string reason, string? platformNumber, string? note) => reason switch
    {
        SuppressionReasons.StopSms => platformNumber is { Length: > 0 } number ? $"Texted STOP to {number}" : "Texted STOP",
        SuppressionReasons.OptedOut => "Opted out on the web or of your keyword",
        SuppressionReasons.Manual => note is { Length: > 0 } ? $"Added by hand: {note}" : "Added by hand",
        SuppressionReasons.Bounce => "Carrier: number unreachable",
        _ => reason,
    };

    /// <summary>An erased person's entry holds a keyed hash ("h:…"), never a number: it is shown as "erased number".</summary>
    public static bool IsErased(string phone) => !phone.StartsWith('+');

    /// <summary>
    /// SQL, true when the company may see suppression <c>s</c>'s number (binds <c>@company</c>, and the reasons with
    /// <see cref="BindKnown"/>): it put the number there
    /// itself, the number is on one of its contact lists, or the person texted STOP and is no keyword subscriber. A keyword
    /// subscriber's number stays hidden (companies know subscribers by their user code only), also from search and export,
    /// since a search by the start of a number would otherwise spell it out.
    /// </summary>
    public const string KnownSql = """
        (s.reason = ANY (@own_reasons)
         OR EXISTS (SELECT 1 FROM campaigns.contacts k WHERE k.company_id = @company AND k.phone = s.phone)
         OR (s.reason = @stop_reason AND NOT EXISTS (SELECT 1 FROM campaigns.conversations v
                                                    WHERE v.company_id = @company AND v.phone = s.phone AND v.user_code IS NOT NULL)))
        """;

    public static void BindKnown(NpgsqlCommand command)
    {
        command.Parameters.Add(new NpgsqlParameter("own_reasons", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = LiftableByCompany });
        command.Parameters.Add(new NpgsqlParameter("stop_reason", NpgsqlDbType.Text) { Value = SuppressionReasons.StopSms });
    }

    /// <summary>SQL: the user code a hidden subscriber is known by to the company, if its inbox has one (binds <c>@company</c>).</summary>
    public const string UserCodeSql = """
        (SELECT v.user_code FROM campaigns.conversations v WHERE v.company_id = @company AND v.phone = s.phone AND v.user_code IS NOT NULL LIMIT 1)
        """;

    /// <summary>
    /// What a search box holds, as the start of an E.164 number ("+44 7700", "0044 7700", "447700" → "+447700"); null
    /// when it cannot be one, so the page says so rather than searching.
    /// </summary>
    public static string? SearchPrefix(string? search)
    {
        if (string.IsNullOrWhiteSpace(search))
        {
            return null;
        }

        var compact = new string(search.Where(c => !char.IsWhiteSpace(c) && c is not ('-' or '.' or '(' or ')')).ToArray());
        if (compact.StartsWith("00", StringComparison.Ordinal))
        {
            compact = "+" + compact[2..];
        }
        else if (!compact.StartsWith('+'))
        {
            compact = "+" + compact;
        }

        return compact.Length is >= 2 and <= 16 && compact.Skip(1).All(char.IsAsciiDigit) && compact[1] != '0' ? compact : null;
    }

    /// <summary>The number an E.164 prefix search stops before, under the C collation: '~' sorts after every digit.</summary>
    public static string SearchUpperBound(string prefix) => prefix + "~";
}

/// <summary>Where a page of a newest-first list starts: after the row with this time and number (keyset paging).</summary>
internal readonly record struct PageCursor(DateTimeOffset At, string Phone)
{
    /// <summary>"microseconds since 1970.number", safe in a URL.</summary>
    public override string ToString() =>
        (At.ToUniversalTime() - DateTimeOffset.UnixEpoch).Ticks / 10 + "." + Phone;

    /// <summary>A cursor from a URL, or null for anything else (the first page): a tampered link never fails.</summary>
    public static PageCursor? Parse(string? value)
    {
        var dot = value?.IndexOf('.') ?? -1;
        if (value is null || dot <= 0 || dot == value.Length - 1 || value.Length > 200)
        {
            return null;
        }

        if (!long.TryParse(value.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var micros) || micros > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds() * 1000L)
        {
            return null;
        }

        return new PageCursor(DateTimeOffset.UnixEpoch.AddTicks(micros * 10), value[(dot + 1)..]);
    }
}

/// <summary>A list's total as the page shows it: exact up to <see cref="SuppressionRules.CountLimit"/>, "more than" beyond.</summary>
internal readonly record struct BoundedCount(long Count)
{
    public bool AtLeast => Count > SuppressionRules.CountLimit;

    public override string ToString() => AtLeast
        ? $"more than {SuppressionRules.CountLimit.ToString("N0", CultureInfo.InvariantCulture)}"
        : Count.ToString("N0", CultureInfo.InvariantCulture);

    public string Numbers => Count == 1 && !AtLeast ? "1 number" : $"{this} numbers";
}
