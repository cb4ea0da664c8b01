using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using MediatR;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Platform.Modules.SenderIds.Contracts;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.SenderIds;

/// <summary>Every SenderIdRevoked the module published.</summary>
public sealed class RevokedEvents
{
    public ConcurrentQueue<SenderIdRevoked> All { get; } = new();
}

public sealed class RecordingRevokedHandler(RevokedEvents events) : INotificationHandler<SenderIdRevoked>
{
    public Task Handle(SenderIdRevoked notification, CancellationToken cancellationToken)
    {
        events.All.Enqueue(notification);
        return Task.CompletedTask;
    }
}

/// <summary>A file for the form: its bytes, the name the browser sends and the type it claims.</summary>
public sealed record Upload(byte[] Content, string FileName, string ContentType = "application/pdf");

/// <summary>The real host with documents in a temporary folder and a recorder for SenderIdRevoked.</summary>
public sealed partial class SenderIdsFactory : PlatformFactory
{
    public string DocumentsPath { get; } = Path.Combine(Path.GetTempPath(), "senderid-docs-" + Guid.NewGuid().ToString("N"));

    public RevokedEvents Revoked { get; } = new();

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Platform:SenderIds:DocumentsPath"] = DocumentsPath,
        ["Platform:SenderIds:DocumentRetentionDays"] = "30",
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton(Revoked);
            services.AddScoped<INotificationHandler<SenderIdRevoked>, RecordingRevokedHandler>();
        });
    }

    public static readonly byte[] Pdf = Encoding.ASCII.GetBytes("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n");
    public static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52];
    public static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 0x4A, 0x46, 0x49, 0x46, 0];

    public static Dictionary<string, string> ValidFields(string senderId, params string[] countries)
    {
        var fields = new Dictionary<string, string>
        {
            ["Input.Kind"] = "Alphanumeric",
            ["Input.SenderId"] = senderId,
            ["Input.UseCase"] = "Order updates and weekly offers for our customers.",
            ["Input.SampleMessages"] = "Your pizza is on its way!",
            ["Input.RegistrationNumber"] = "12345678",
        };
        for (var i = 0; i < countries.Length; i++)
        {
            fields[$"Input.Countries[{i}]"] = countries[i];
        }

        return fields;
    }

    public static Dictionary<string, Upload?> ValidFiles() => new()
    {
        ["Input.AuthorisationLetter"] = new Upload(Pdf, "letter.pdf"),
        ["Input.RegistrationCertificate"] = new Upload(Png, "certificate.png", "image/png"),
    };

    /// <summary>Posts the Apply form as multipart, with the page's antiforgery token.</summary>
    public static async Task<HttpResponseMessage> PostApplyAsync(FormClient client, Dictionary<string, string> fields, Dictionary<string, Upload?> files, string url = "/SenderIds/Apply")
    {
        var page = await client.Http.GetAsync(url);
        var html = await page.Content.ReadAsStringAsync();
        var token = Token().Match(html);
        token.Success.Should().BeTrue($"the page {url} should have a form (status {(int)page.StatusCode})");
        var content = new MultipartFormDataContent { { new StringContent(WebUtility.HtmlDecode(token.Groups[1].Value)), "__RequestVerificationToken" } };
        foreach (var (name, value) in fields)
        {
            content.Add(new StringContent(value), name);
        }

        foreach (var (name, upload) in files)
        {
            if (upload is null)
            {
                continue;
            }

            var file = new ByteArrayContent(upload.Content);
            file.Headers.ContentType = MediaTypeHeaderValue.Parse(upload.ContentType);
            content.Add(file, name, upload.FileName);
        }

        return await client.Http.PostAsync(url, content);
    }

    /// <summary>Applies with valid fields and files; returns the application id.</summary>
    public static async Task<Guid> ApplyAsync(FormClient client, string senderId, params string[] countries)
    {
        var response = await PostApplyAsync(client, ValidFields(senderId, countries), ValidFiles());
        response.StatusCode.Should().Be(HttpStatusCode.Redirect, WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()));
        return Guid.Parse(response.Headers.Location!.ToString().Split('/')[^1]);
    }

    public static async Task SubmitAsync(FormClient client, Guid id)
    {
        var response = await client.PostFormAsync($"/SenderIds/Details/{id}", new(), "Submit");
        response.StatusCode.Should().Be(HttpStatusCode.Redirect, WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()));
    }

    public static Task<HttpResponseMessage> DecideAsync(FormClient admin, Guid id, string action, string reason = "") =>
        admin.PostFormAsync($"/Admin/SenderIds/Review/{id}", new() { ["Reason"] = reason }, action);

    public async Task<Guid> CompanyIdOfAsync(Guid applicationId) =>
        (await Database.ScalarAsync<Guid>("SELECT company_id FROM senderids.applications WHERE id = @id", ("id", applicationId)))!;

    public Task<FormClient> AdminAsync() => LoginAsync(AdminEmail, AdminPassword);

    public Task<FormClient> NewCompanyAsync(string name) => RegisterCompanyAsync($"{name} {Guid.NewGuid():N}"[..30], $"{Guid.NewGuid():N}@senderids.example");

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(DocumentsPath))
        {
            Directory.Delete(DocumentsPath, recursive: true);
        }
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Token();
}
