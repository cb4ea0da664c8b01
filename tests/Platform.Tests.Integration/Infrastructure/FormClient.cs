using System.Net;
using System.Text.RegularExpressions;

namespace Platform.Tests.Integration.Infrastructure;

/// <summary>Submits Razor Pages forms the way a browser does: GET the page, take its antiforgery token, POST.</summary>
public sealed partial class FormClient(HttpClient http)
{
    public HttpClient Http { get; } = http;

    public async Task<(HttpStatusCode Status, string Body)> GetAsync(string url)
    {
        using var response = await Http.GetAsync(url);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public async Task<HttpResponseMessage> PostFormAsync(string url, Dictionary<string, string> fields, string? handler = null)
    {
        var page = await Http.GetAsync(url);
        var html = await page.Content.ReadAsStringAsync();
        var token = AntiforgeryToken().Match(html);
        if (!token.Success)
        {
            throw new InvalidOperationException($"No antiforgery token on {url} (status {(int)page.StatusCode}).");
        }

        var form = new Dictionary<string, string>(fields) { ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value) };
        var target = handler is null ? url : $"{url}{(url.Contains('?') ? '&' : '?')}handler={handler}";
        return await Http.PostAsync(target, new FormUrlEncodedContent(form));
    }

    /// <summary>Posts a form as multipart/form-data with one file, the way a browser uploads (antiforgery token from the page).</summary>
    public async Task<HttpResponseMessage> PostMultipartAsync(string url, Dictionary<string, string> fields, string fileField, string fileName, byte[] file, string contentType = "text/csv")
    {
        var page = await Http.GetAsync(url);
        var token = AntiforgeryToken().Match(await page.Content.ReadAsStringAsync());
        if (!token.Success)
        {
            throw new InvalidOperationException($"No antiforgery token on {url} (status {(int)page.StatusCode}).");
        }

        var content = new MultipartFormDataContent { { new StringContent(WebUtility.HtmlDecode(token.Groups[1].Value)), "__RequestVerificationToken" } };
        foreach (var (name, value) in fields)
        {
            content.Add(new StringContent(value), name);
        }

        var upload = new ByteArrayContent(file);
        upload.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        content.Add(upload, fileField, fileName);
        return await Http.PostAsync(url, content);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
