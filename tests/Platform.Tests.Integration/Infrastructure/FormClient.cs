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

    /// <summary>
    /// GETs <paramref name="tokenFrom"/> (the form's own page unless given: a tenant test takes the token from a page of
    /// its own and posts to another company's ids) for the antiforgery token, then POSTs the fields.
    /// </summary>
    public async Task<HttpResponseMessage> PostFormAsync(string url, Dictionary<string, string> fields, string? handler = null, string? tokenFrom = null)
    {
        var form = new Dictionary<string, string>(fields) { ["__RequestVerificationToken"] = await TokenAsync(tokenFrom ?? url) };
        var target = handler is null ? url : $"{url}{(url.Contains('?') ? '&' : '?')}handler={handler}";
        return await Http.PostAsync(target, new FormUrlEncodedContent(form));
    }

    /// <summary>Posts a form as multipart/form-data with one file, the way a browser uploads.</summary>
    public async Task<HttpResponseMessage> PostMultipartAsync(
        string url, Dictionary<string, string> fields, string fileField, string fileName, byte[] file, string contentType = "text/csv", string? tokenFrom = null)
    {
        var content = new MultipartFormDataContent { { new StringContent(await TokenAsync(tokenFrom ?? url)), "__RequestVerificationToken" } };
        foreach (var (name, value) in fields)
        {
            content.Add(new StringContent(value), name);
        }

        var upload = new ByteArrayContent(file);
        upload.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        content.Add(upload, fileField, fileName);
        return await Http.PostAsync(url, content);
    }

    private async Task<string> TokenAsync(string url)
    {
        var page = await Http.GetAsync(url);
        return TokenIn(await page.Content.ReadAsStringAsync())
            ?? throw new InvalidOperationException($"No antiforgery token on {url} (status {(int)page.StatusCode}).");
    }

    /// <summary>The antiforgery token of a page's form, if it has one.</summary>
    public static string? TokenIn(string html)
    {
        var token = AntiforgeryToken().Match(html);
        return token.Success ? WebUtility.HtmlDecode(token.Groups[1].Value) : null;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
