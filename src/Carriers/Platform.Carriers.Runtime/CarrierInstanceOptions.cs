namespace Platform.Carriers.Runtime;

/// <summary>One configured carrier: several instances of one kind are allowed (two SMPP accounts).</summary>
internal sealed class CarrierInstanceOptions
{
    public string Name { get; set; } = string.Empty;

    public string Kind { get; set; } = string.Empty;

    public bool Enabled { get; set; } = true;

    /// <summary>Messages per second for the whole cluster; each node takes its share (0 = no limit).</summary>
    public int MaxPerSecond { get; set; }

    /// <summary>Messages submitted and not yet answered, per node (0 = no limit).</summary>
    public int MaxInFlight { get; set; }

    public Dictionary<string, string> Settings { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>Destination prefix → carrier instance; the longest prefix wins, then the lowest priority number.</summary>
internal sealed class CarrierRouteOptions
{
    /// <summary>The route's row id once stored (0 for one from configuration).</summary>
    public long Id { get; set; }

    public string Prefix { get; set; } = "+";

    public string Instance { get; set; } = string.Empty;

    public int Priority { get; set; } = 100;
}
