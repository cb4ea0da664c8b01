using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Platform.Modules.Campaigns.Features.Contacts;
using Platform.Modules.Campaigns.Features.Links;
using Platform.Modules.Campaigns.Sending;
using Platform.Modules.Shared;

namespace Platform.Benchmarks.Campaigns;

/// <summary>
/// BENCH_RENDER=1 (issue #20: a million recipients with a contact field and a tracked link at ≥ 10,000 msg/s): the sender's
/// per-message text work alone, in this process, no database — the field's JSON read, the link's code, the placeholders
/// filled and the opt-out route — for the benchmark's own text, in nanoseconds and bytes allocated per message.
/// </summary>
internal static class RenderCost
{
    public static void Run()
    {
        var configuration = new ConfigurationBuilder().Build();
        var links = new TrackedLinks(configuration, new PublicLinks(configuration));
        var route = new OptOutRoute(configuration);
        const string body = "Hi {first_name|there}, menu in {city|town}: https://example.com/menu?from=sms Reply STOP to opt out";
        const string sender = "PLATFORM";
        string Naive(long id, string firstName, string fields) =>
            route.Apply(sender, MessageTemplate.Render(links.Template(body, true, id), firstName, ContactFieldValues.Parse(fields)));

        Measure("per message, as the sender rendered before (regexes, JSON document, dictionary)", Naive);
        var text = new CampaignText(body, true, sender, links, route);
        Measure("per message, the text worked out once per run (CampaignText)", text.For);
    }

    private static void Measure(string what, Func<long, string, string, string> render)
    {
        const int count = 200_000;
        var names = Enumerable.Range(0, 1000).Select(i => "Ann" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        var fields = Enumerable.Range(0, 500).Select(i => $$"""{"city": "Town {{i}}"}""").ToArray();
        var length = 0L;
        for (var i = 0; i < count; i++)
        {
            length += render(i, names[i % 1000], fields[i % 500]).Length; // warm-up: tiered compilation
        }

        var runs = new List<double>();
        long allocated = 0;
        for (var run = 0; run < 3; run++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < count; i++)
            {
                length += render(1_000_000 + i, names[i % 1000], fields[i % 500]).Length;
            }

            runs.Add(clock.Elapsed.TotalNanoseconds / count);
            allocated = (GC.GetAllocatedBytesForCurrentThread() - before) / count;
        }

        runs.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what}: median {runs[1]:F0} ns ({string.Join(" / ", runs.Select(r => r.ToString("F0", CultureInfo.InvariantCulture)))}), {allocated} bytes allocated per message ({length % 10} is only kept)"));
    }
}
