namespace Platform.Carriers.Smpp;

/// <summary>
/// Puts the parts of a concatenated inbound message back together. Parts are keyed by sender, recipient, reference and
/// part count; an incomplete message is forgotten after <see cref="MaxAge"/> so lost parts cannot pile up.
/// </summary>
internal sealed class InboundReassembly
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(10);
    private readonly Dictionary<(string From, string To, int Reference, int Total), Pending> _pending = [];
    private readonly Lock _lock = new();

    /// <summary>Adds a part; returns the whole text once every part is in, else null.</summary>
    public string? Add(string from, string to, ConcatenationInfo part, string text, DateTimeOffset receivedAt)
    {
        if (part.TotalParts == 1)
        {
            return text;
        }
        lock (_lock)
        {
            foreach (var stale in _pending.Where(p => receivedAt - p.Value.FirstSeen > MaxAge).Select(p => p.Key).ToList())
            {
                _pending.Remove(stale);
            }
            var key = (from, to, part.Reference, part.TotalParts);
            if (!_pending.TryGetValue(key, out var pending))
            {
                pending = new Pending(new string?[part.TotalParts], receivedAt);
                _pending[key] = pending;
            }
            if (part.PartNumber >= 1 && part.PartNumber <= part.TotalParts)
            {
                pending.Parts[part.PartNumber - 1] = text;
            }
            if (pending.Parts.Any(p => p is null))
            {
                return null;
            }
            _pending.Remove(key);
            return string.Concat(pending.Parts);
        }
    }

    private sealed record Pending(string?[] Parts, DateTimeOffset FirstSeen);
}
