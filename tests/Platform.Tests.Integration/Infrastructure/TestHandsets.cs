namespace Platform.Tests.Integration.Infrastructure;

/// <summary>
/// Random test handsets the simulator carrier delivers to. The simulator fails numbers ending in 13 to 16 on purpose
/// (SimulatorCarrier: 13 a failed receipt, 14 no receipt, 15 a permanent rejection, 16 a transient failure), so a random
/// number ending so made a test that expects its text to arrive (a reply, a newsletter SMS, a reset code) fail about once
/// in 25 runs: the message is refused and the handset receives nothing.
/// </summary>
public static class TestHandsets
{
    public static string New(string prefix = "+1555", int min = 1_000_000, int max = 9_999_999)
    {
        while (true)
        {
            var number = Random.Shared.Next(min, max);
            if (number % 100 is < 13 or > 16)
            {
                return prefix + number.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }
    }
}
