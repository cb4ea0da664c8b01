using System.Diagnostics;
using System.Globalization;
using System.Text;
using Platform.Tests.Integration.Infrastructure;
using Xunit.Abstractions;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>A 100,000-row import end to end (upload, job, COPY, merge); prints the rate. Its own database, so nothing else runs in it.</summary>
public sealed class ContactImportSpeedTests(PlatformFactory factory, ITestOutputHelper output) : IClassFixture<PlatformFactory>
{
    [Fact]
    public async Task A_100k_row_import_completes_and_reports_its_rate()
    {
        const int rows = 100_000;
        var owner = await factory.RegisterCompanyAsync("Speed Co", $"{Guid.NewGuid():N}@speed.example");
        var listId = await Contacts.CreateListAsync(owner, "Big list");
        var csv = new StringBuilder("phone,first_name,last_name,time_zone\r\n", rows * 48);
        for (var i = 0; i < rows; i++)
        {
            csv.Append("07700").Append(i.ToString("000000", CultureInfo.InvariantCulture)).Append(",Name").Append(i % 977)
                .Append(",Surname,").Append(i % 10 == 0 ? "Europe/London" : string.Empty).Append("\r\n");
        }

        var bytes = Encoding.UTF8.GetBytes(csv.ToString());
        var stopwatch = Stopwatch.StartNew();
        var importId = await Contacts.StartImportAsync(owner, listId, bytes);
        var uploaded = stopwatch.Elapsed;
        var status = await Contacts.WaitAsync(factory, importId, seconds: 240);
        stopwatch.Stop();

        status.Should().Be("Completed", await factory.Database.ScalarAsync<string>("SELECT error FROM campaigns.imports WHERE id = @id", ("id", importId)));
        (await Contacts.CounterAsync(factory, listId)).Should().Be(rows);
        (await Contacts.RowsAsync(factory, listId)).Should().Be(rows);
        (await factory.Database.ScalarAsync<int>("SELECT rows_expected FROM campaigns.imports WHERE id = @id", ("id", importId))).Should().Be(rows);
        var rate = rows / stopwatch.Elapsed.TotalSeconds;
        output.WriteLine($"Imported {rows:N0} rows ({bytes.Length / 1024.0 / 1024.0:F1} MB) in {stopwatch.Elapsed.TotalSeconds:F2} s " +
                         $"(upload answered in {uploaded.TotalMilliseconds:F0} ms): {rate:N0} rows/s end to end.");
    }
}
