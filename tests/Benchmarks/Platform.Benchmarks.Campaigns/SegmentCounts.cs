using System.Diagnostics;
using System.Globalization;
using System.Net;
using Npgsql;

namespace Platform.Benchmarks.Campaigns;

/// <summary>
/// BENCH_SEGMENT_COUNT=1 (issue #20 item 3: "counting a one-list segment over 1,000,000 contacts answers in ≤ 1 s"): after
/// the list is made (run with BENCH_FIELD=1 so every contact has a city), half the numbers get a last delivery in the last
/// 60 days (contact_activity, as the fold job writes it), and segments over the list are counted through the editor's live
/// count (GET /Campaigns/Segments/Edit?handler=Count, signed in as the company), one warm-up and five timed requests each.
/// </summary>
internal static class SegmentCounts
{
    public static async Task RunAsync(HttpClient http, string cookie, Guid companyId, Guid listId, string connectionString)
    {
        var setup = Stopwatch.StartNew();
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"""
                INSERT INTO campaigns.contact_activity (company_id, phone, last_sent_at, last_delivered_at)
                SELECT '{companyId}', phone, now() - (id % 60) * interval '1 day', now() - (id % 60) * interval '1 day'
                FROM campaigns.contacts WHERE list_id = '{listId}' AND id % 2 = 0;
                ANALYZE campaigns.contact_activity;
                """, connection) { CommandTimeout = 600 };
            await command.ExecuteNonQueryAsync();
        }

        Console.WriteLine($"contact activity for half the list in {setup.Elapsed.TotalSeconds:F1} s (setup, not measured)");
        var cases = new (string Name, string Rules)[]
        {
            ("the whole list", string.Empty),
            ("city is \"Town 7\"", Rule(0, "field:city", "is", "Town 7")),
            ("delivered in the last 30 days", Rule(0, "activity:delivered", "within", "30")),
            ("city contains \"1\" and delivered in the last 30 days", Rule(0, "field:city", "contains", "1") + Rule(1, "activity:delivered", "within", "30")),
        };
        foreach (var (name, rules) in cases)
        {
            var url = $"/Campaigns/Segments/Edit?handler=Count&Input.Name=b&Input.Match=all&Input.ListIds[0]={listId}{rules}";
            var timings = new List<double>();
            string? answer = null;
            for (var i = 0; i < 6; i++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                request.Headers.Add("Cookie", cookie);
                var watch = Stopwatch.StartNew();
                using var response = await http.SendAsync(request);
                answer = await response.Content.ReadAsStringAsync();
                watch.Stop();
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    throw new InvalidOperationException($"{name}: {(int)response.StatusCode} {answer}");
                }

                if (i > 0)
                {
                    timings.Add(watch.Elapsed.TotalMilliseconds);
                }
            }

            timings.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"segment count, {name}: median {timings[timings.Count / 2]:F0} ms, max {timings[^1]:F0} ms over {timings.Count} requests; answer {answer}"));
        }
    }

    private static string Rule(int index, string subject, string op, string value) =>
        $"&Input.Rules[{index}].Subject={Uri.EscapeDataString(subject)}&Input.Rules[{index}].Op={op}&Input.Rules[{index}].Value={Uri.EscapeDataString(value)}";
}
