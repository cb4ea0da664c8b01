namespace Platform.Modules.Shared;

/// <summary>
/// Text PostgreSQL can store and a page can echo back. PostgreSQL's text types refuse the NUL character, and Npgsql
/// cannot encode a lone UTF-16 surrogate as UTF-8, so either one reaching a query is a 500; the host's input guard
/// refuses both at the edge with these rules, and file parsers (CSV imports) use the same ones for what they read.
/// </summary>
public static class StorableText
{
    /// <summary>What a person is told when their input carried such a character.</summary>
    public const string Refusal = "The request contains a character that cannot be stored (a NUL character or a broken Unicode sequence). Remove it and try again.";

    /// <summary>True when <paramref name="value"/> holds no NUL and no unpaired surrogate.</summary>
    public static bool IsStorable(ReadOnlySpan<char> value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\0')
            {
                return false;
            }

            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= value.Length || !char.IsLowSurrogate(value[i + 1]))
                {
                    return false;
                }

                i++;
            }
            else if (char.IsLowSurrogate(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// At most <paramref name="maxLength"/> characters of <paramref name="value"/>, ending in "…" when cut: what is echoed
    /// back (TempData messages, problem details) stays small whatever was sent.
    /// </summary>
    public static string Bounded(string value, int maxLength)
    {
        if (value.Length <= maxLength)
        {
            return value;
        }

        var cut = maxLength - 1;
        if (cut > 0 && char.IsHighSurrogate(value[cut - 1]))
        {
            cut--; // never split a surrogate pair
        }

        return string.Concat(value.AsSpan(0, cut), "…");
    }
}
