using System.Net;
using System.Text;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>Drives the contact pages through the real forms, and waits for import jobs in the database.</summary>
public static class Contacts
{
    public const string Attestation = "Customers ticked the SMS box at checkout on our web shop";

    public static async Task<Guid> CreateListAsync(FormClient owner, string name)
    {
        var response = await owner.PostFormAsync("/Campaigns/Lists", new() { ["Input.Name"] = name });
        response.StatusCode.Should().Be(HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());
        return Guid.Parse(response.Headers.Location!.ToString().Split('/')[^1]);
    }

    public static Task<HttpResponseMessage> PostImportAsync(FormClient owner, Guid listId, byte[] file, string country = "GB", bool perRowConsent = false, string fileName = "contacts.csv") =>
        owner.PostMultipartAsync($"/Campaigns/Lists/Import/{listId}", new()
        {
            ["Input.DefaultCountry"] = country,
            ["Input.ConsentAttestation"] = Attestation,
            ["Input.PerRowConsent"] = perRowConsent ? "true" : "false",
            ["Input.Confirmed"] = "true",
        }, "Input.File", fileName, file);

    /// <summary>Uploads through the form and returns the import id from the redirect to its progress page.</summary>
    public static async Task<Guid> StartImportAsync(FormClient owner, Guid listId, byte[] file, string country = "GB", bool perRowConsent = false)
    {
        var response = await PostImportAsync(owner, listId, file, country, perRowConsent);
        response.StatusCode.Should().Be(HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());
        return Guid.Parse(response.Headers.Location!.ToString().Split('/')[^1]);
    }

    /// <summary>Waits until the import job has finished; returns its status.</summary>
    public static async Task<string> WaitAsync(PlatformFactory factory, Guid importId, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var status = await factory.Database.ScalarAsync<string>("SELECT status FROM campaigns.imports WHERE id = @id", ("id", importId));
            if (status is "Completed" or "Failed")
            {
                return status;
            }

            DateTime.UtcNow.Should().BeBefore(deadline, $"import {importId} should finish (status {status})");
            await Task.Delay(100);
        }
    }

    public static async Task<(string Status, Guid ImportId)> ImportAsync(PlatformFactory factory, FormClient owner, Guid listId, string csv, string country = "GB", bool perRowConsent = false) =>
        await ImportAsync(factory, owner, listId, Encoding.UTF8.GetBytes(csv), country, perRowConsent);

    public static async Task<(string Status, Guid ImportId)> ImportAsync(PlatformFactory factory, FormClient owner, Guid listId, byte[] csv, string country = "GB", bool perRowConsent = false)
    {
        var id = await StartImportAsync(owner, listId, csv, country, perRowConsent);
        return (await WaitAsync(factory, id), id);
    }

    public static async Task<int> CounterAsync(PlatformFactory factory, Guid listId) =>
        await factory.Database.ScalarAsync<int>("SELECT contact_count FROM campaigns.contact_lists WHERE id = @id", ("id", listId));

    public static async Task<long> RowsAsync(PlatformFactory factory, Guid listId) =>
        await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.contacts WHERE list_id = @id", ("id", listId));
}
