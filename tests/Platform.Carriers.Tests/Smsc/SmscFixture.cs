namespace Platform.Carriers.Tests.Smsc;

/// <summary>One SMSC process for a test class (started once, killed at the end).</summary>
public sealed class SmscFixture : IAsyncLifetime
{
    private SmscProcess? _smsc;

    internal SmscProcess Smsc => _smsc ?? throw new InvalidOperationException("The SMSC has not started.");

    public async Task InitializeAsync() => _smsc = await SmscProcess.StartAsync();

    public async Task DisposeAsync()
    {
        if (_smsc is not null)
        {
            await _smsc.DisposeAsync();
        }
    }
}
