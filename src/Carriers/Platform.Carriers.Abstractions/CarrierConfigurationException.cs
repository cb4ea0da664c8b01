namespace Platform.Carriers.Abstractions;

/// <summary>Thrown by <see cref="ICarrierFactory.Create"/> when an instance's settings are not valid.</summary>
public sealed class CarrierConfigurationException : Exception
{
    /// <summary>Creates the exception from the problems <see cref="ICarrierFactory.ValidateSettings"/> found.</summary>
    public CarrierConfigurationException(string instanceName, IReadOnlyList<string> problems)
        : base($"Carrier instance '{instanceName}' is not configured correctly: {string.Join(" ", problems)}")
    {
        InstanceName = instanceName;
        Problems = problems;
    }

    /// <summary>The instance whose settings are wrong.</summary>
    public string InstanceName { get; }

    /// <summary>Every problem found, one sentence each.</summary>
    public IReadOnlyList<string> Problems { get; }
}
