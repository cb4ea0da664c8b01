using System.Net;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>
/// The real host with the simulator carrier, plenty of trial credits and fast campaign maintenance, so campaigns
/// complete (receipt timeouts included) within a test.
/// </summary>
public class SendingFactory : PlatformFactory
{
    protected virtual string ReceiptTimeout => "00:00:06";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Platform:Billing:TrialCredits"] = "10000000",
        ["Platform:Campaigns:MaintenanceSeconds"] = "1",
        ["Platform:Campaigns:ReceiptTimeout"] = ReceiptTimeout,
        ["Platform:Campaigns:ClaimLease"] = "00:00:20",
        ["Platform:Campaigns:RunSlice"] = "00:00:05",
        ["Platform:Campaigns:RetryBackoff"] = "00:00:00.200",
    };

    /// <summary>A list of <paramref name="count"/> UK mobile numbers (+447700 + 6 digits from <paramref name="first"/>), made in one statement.</summary>
    public async Task<Guid> ListAsync(Guid companyId, string name, int count, int first = 0, string? suffix = null)
    {
        var listId = Guid.NewGuid();
        await Database.ExecuteAsync($"""
            INSERT INTO campaigns.contact_lists (id, company_id, name, contact_count, created_at) VALUES ('{listId}', '{companyId}', '{name}', {count}, now());
            INSERT INTO campaigns.contacts (company_id, list_id, phone, first_name, consent_source, created_at, updated_at)
            SELECT '{companyId}', '{listId}', '+4477' || lpad(({first} + i)::text, 7, '0') || '{suffix ?? string.Empty}', 'Ann' || i, 'test', now(), now()
            FROM generate_series(0, {count - 1}) AS i;
            """);
        return listId;
    }

    public static Dictionary<string, string> CampaignForm(string name, Guid listId, string? sendAt = null, bool schedule = true, string senderId = "PLATFORM") => new()
    {
        ["Input.Name"] = name,
        ["Input.SenderId"] = senderId,
        ["Input.Body"] = "Hi {first_name|there}, 20% off pizza tonight. Reply STOP to opt out",
        ["Input.ListIds"] = listId.ToString(),
        ["Input.TimeZone"] = "Europe/London",
        ["Input.SendAt"] = sendAt ?? string.Empty,
        ["Input.RespectQuietHours"] = "false",
        ["Input.QuietStart"] = "08:00",
        ["Input.QuietEnd"] = "21:00",
        ["Input.Schedule"] = schedule ? "true" : "false",
    };

    public static async Task<Guid> CreateCampaignAsync(FormClient owner, Dictionary<string, string> form)
    {
        var response = await owner.PostFormAsync("/Campaigns/Create", form);
        response.StatusCode.Should().Be(HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());
        return Guid.Parse(response.Headers.Location!.ToString().Split('/')[^1]);
    }

    /// <summary>Waits until the campaign is in <paramref name="status"/> with every message final (or the time is up).</summary>
    public async Task<Dictionary<string, long>> WaitForAsync(Guid campaignId, string status, TimeSpan timeout, bool allFinal = true)
    {
        var deadline = DateTime.UtcNow + timeout;
        Dictionary<string, long> counters;
        do
        {
            counters = await CountersAsync(campaignId);
            var final = counters["delivered"] + counters["failed"] + counters["expired"] + counters["suppressed"] + counters["unknown"] == counters["targeted"];
            if (await Database.ScalarAsync<string>("SELECT status FROM campaigns.campaigns WHERE id = @id", ("id", campaignId)) == status && (!allFinal || final))
            {
                return counters;
            }

            await Task.Delay(250);
        }
        while (DateTime.UtcNow < deadline);

        throw new TimeoutException($"Campaign {campaignId} did not reach {status}: {string.Join(", ", counters.Select(c => $"{c.Key}={c.Value}"))}, status {await Database.ScalarAsync<string>("SELECT status || ' ' || COALESCE(attention_reason, '') FROM campaigns.campaigns WHERE id = @id", ("id", campaignId))}");
    }

    public async Task<Dictionary<string, long>> CountersAsync(Guid campaignId)
    {
        var result = new Dictionary<string, long>();
        foreach (var column in new[] { "targeted", "suppressed", "submitted", "delivered", "failed", "send_failed", "expired", "unknown" })
        {
            result[column] = await Database.ScalarAsync<long>($"SELECT {column} FROM campaigns.campaigns WHERE id = @id", ("id", campaignId));
        }

        return result;
    }

    /// <summary>The same numbers counted from the messages themselves (what the counters must equal).</summary>
    public async Task<Dictionary<string, long>> CountedAsync(Guid campaignId)
    {
        var result = new Dictionary<string, long>();
        foreach (var (name, state) in new[] { ("suppressed", 6), ("delivered", 3), ("failed", 4), ("expired", 5), ("unknown", 7), ("queued", 0), ("claimed", 1), ("submitted_now", 2) })
        {
            result[name] = await Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.messages WHERE campaign_id = @id AND state = @state", ("id", campaignId), ("state", (short)state));
        }

        return result;
    }
}
