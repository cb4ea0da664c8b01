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

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
