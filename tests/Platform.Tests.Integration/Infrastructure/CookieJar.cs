namespace Platform.Tests.Integration.Infrastructure;

/// <summary>Keeps cookies itself for a host process over plain HTTP (HttpClient's own container drops Secure cookies on http).</summary>
internal sealed class CookieJar : DelegatingHandler
{
    private readonly Dictionary<string, string> cookies = new(StringComparer.Ordinal);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (cookies.Count > 0)
        {
            request.Headers.Add("Cookie", string.Join("; ", cookies.Select(c => $"{c.Key}={c.Value}")));
        }

        var response = await base.SendAsync(request, cancellationToken);
        if (response.Headers.TryGetValues("Set-Cookie", out var values))
        {
            foreach (var value in values)
            {
                var pair = value.Split(';')[0];
                var at = pair.IndexOf('=', StringComparison.Ordinal);
                var (name, content) = (pair[..at], pair[(at + 1)..]);
                if (content.Length == 0 || value.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase))
                {
                    cookies.Remove(name);
                }
                else
                {
                    cookies[name] = content;
                }
            }
        }

        return response;
    }
}
