using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing.Patterns;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.BadInput;

/// <summary>One generated bad request: what it is, who sends it, and whether the edge must refuse it (4xx) or only not fail (&lt; 500).</summary>
public sealed record BadCase(string Name, string Role, bool RefusedAtEdge, Func<HttpRequestMessage> Request);

/// <summary>The answer a case got.</summary>
public sealed record BadOutcome(BadCase Case, HttpStatusCode Status, string? ContentType);

/// <summary>
/// Generates bad input for every discovered target: each field it binds gets a NUL (every input kind: form, multipart,
/// query, route, JSON), and by its type invalid booleans, numbers, dates, guids and enums, empty and over-long strings,
/// broken files; each form also gets a body over its limit, a malformed multipart, the wrong content type and no
/// antiforgery token; each JSON endpoint malformed JSON, lone surrogates, wrong types and content types.
/// </summary>
public sealed partial class BadInputSweep
{
    public const string LongMarker = "LONGVALUE";

    private static readonly string LongText = LongMarker + new string('x', 20_000);

    private readonly BadInputFactory factory;
    private readonly Dictionary<string, FormClient> clients;
    private readonly Dictionary<string, string> tokens = [];
    private readonly List<string> links = [];

    private BadInputSweep(BadInputFactory factory)
    {
        this.factory = factory;
        clients = factory.Roles.ToDictionary(r => r.Role, r => r.Client);
    }

    public IReadOnlyList<Target> Targets { get; private set; } = [];

    /// <summary>Discovers the targets, crawls each role's pages for real ids and antiforgery tokens.</summary>
    public static async Task<BadInputSweep> PrepareAsync(BadInputFactory factory)
    {
        var sweep = new BadInputSweep(factory) { Targets = await EndpointCatalog.DiscoverAsync(factory.Services) };
        await sweep.CrawlAsync();
        return sweep;
    }

    private async Task CrawlAsync()
    {
        var visited = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var plain = Targets.Where(t => t.IsPage && t.Method == "GET" && t.Handler is null && t.Pattern.Parameters.All(p => p.IsOptional || p.IsCatchAll))
            .Select(t => BuildPath(t.Pattern, new Dictionary<string, string>(), null)).Distinct().ToList();
        foreach (var (role, client) in factory.Roles)
        {
            foreach (var path in plain)
            {
                await VisitAsync(role, client, path, visited);
            }
        }

        // One level deeper, only where a page with route values has no link yet (a list's contacts, an application's review).
        foreach (var target in Targets.Where(t => t.IsPage && t.Pattern.Parameters.Any(p => !p.IsOptional)))
        {
            if (FindLink(target.Pattern) is not null)
            {
                continue;
            }

            foreach (var link in links.ToList().Where(l => !visited.Contains(l)).Take(40))
            {
                foreach (var (role, client) in factory.Roles.Skip(1))
                {
                    await VisitAsync(role, client, link, visited);
                }

                if (FindLink(target.Pattern) is not null)
                {
                    break;
                }
            }
        }
    }

    private async Task VisitAsync(string role, FormClient client, string path, HashSet<string> visited)
    {
        if (!visited.Add($"{role} {path}"))
        {
            return;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await client.Http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        if (response.StatusCode != HttpStatusCode.OK || response.Content.Headers.ContentType?.MediaType != "text/html")
        {
            return;
        }

        var body = await response.Content.ReadAsStringAsync(timeout.Token);

        visited.Add(path);
        if (!tokens.ContainsKey(role) && FormClient.TokenIn(body) is { } token)
        {
            tokens[role] = token;
        }

        foreach (Match match in Href().Matches(body))
        {
            var href = WebUtility.HtmlDecode(match.Groups[1].Value);
            if (href.StartsWith('/') && !href.StartsWith("//", StringComparison.Ordinal) && !links.Contains(href))
            {
                links.Add(href);
            }
        }
    }

    private Match? FindLink(RoutePattern pattern)
    {
        var regex = PatternRegex(pattern);
        return links.Select(l => regex.Match(l)).FirstOrDefault(m => m.Success);
    }

    /// <summary>The role whose client opens the target's page (the first not sent to a login or access-denied page).</summary>
    private async Task<string> RoleOfAsync(string path)
    {
        foreach (var (role, client) in factory.Roles)
        {
            // Headers only: a live page (a progress stream) never ends its body.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            using var response = await client.Http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var location = response.Headers.Location?.ToString() ?? string.Empty;
            if (!(response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found && (location.Contains("Login", StringComparison.OrdinalIgnoreCase) || location.Contains("AccessDenied", StringComparison.OrdinalIgnoreCase))))
            {
                return role;
            }
        }

        return "anonymous";
    }

    /// <summary>
    /// Every page a role opens with a plain GET (route values from seeded data), answered 200 with HTML — what a
    /// person's browser shows; downloads and redirects are left out.
    /// </summary>
    public async Task<IReadOnlyList<(string Role, string Path)>> PagesAsync()
    {
        var pages = new List<(string, string)>();
        foreach (var target in Targets.Where(t => t.IsPage && t.Method == "GET" && t.Handler is null))
        {
            var path = BuildPath(target.Pattern, RouteValues(target), null);
            var role = await RoleOfAsync(path);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            using var response = await clients[role].Http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (response.StatusCode == HttpStatusCode.OK && response.Content.Headers.ContentType?.MediaType == "text/html")
            {
                pages.Add((role, path));
            }
        }

        return pages;
    }

    /// <summary>Every case, for every target.</summary>
    public async Task<IReadOnlyList<BadCase>> CasesAsync()
    {
        var cases = new List<BadCase>();
        foreach (var target in Targets)
        {
            var values = RouteValues(target);
            var path = BuildPath(target.Pattern, values, target.Handler);
            var rolePath = target.Method == "GET" ? path : BuildPath(target.Pattern, values, null);
            // Logging out ends the session the sweep signs in with: it is swept anonymously.
            var role = rolePath.Contains("Logout", StringComparison.OrdinalIgnoreCase) ? "anonymous" : await RoleOfAsync(rolePath);
            cases.AddRange(target.IsPage ? PageCases(target, role, values) : EndpointCases(target, role, values));
        }

        return cases;
    }

    public async Task<IReadOnlyList<BadOutcome>> RunAsync(IEnumerable<BadCase> cases)
    {
        var outcomes = new System.Collections.Concurrent.ConcurrentBag<BadOutcome>();
        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (badCase, _) =>
        {
            using var request = badCase.Request();
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                using var response = await clients[badCase.Role].Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                outcomes.Add(new BadOutcome(badCase, response.StatusCode, response.Content.Headers.ContentType?.MediaType));
            }
            catch (Exception exception) when (exception is HttpRequestException or IOException or InvalidOperationException or OperationCanceledException)
            {
                // The server answered before reading the whole body (an upload over its limit) and the test client lost the answer.
                outcomes.Add(new BadOutcome(badCase, 0, exception.GetType().Name + ": " + exception.Message));
            }
        });
        return [.. outcomes];
    }

    private IEnumerable<BadCase> PageCases(Target target, string role, Dictionary<string, string> values)
    {
        var token = tokens.GetValueOrDefault(role) ?? tokens.Values.First();
        var path = BuildPath(target.Pattern, values, target.Handler);
        var url = target.Handler is not null && !target.Pattern.Parameters.Any(p => p.Name == "handler") ? $"{path}?handler={target.Handler}" : path;
        var name = target.Name;

        foreach (var routeCase in RouteCases(target, role, values))
        {
            yield return routeCase;
        }

        if (target.Method == "GET")
        {
            foreach (var field in target.Fields.Where(f => !f.IsFile))
            {
                foreach (var (kind, value, edge) in ValuesFor(field.Type))
                {
                    yield return new BadCase($"{name} query {field.Name}={kind}", role, edge, () => Get(With(url, field.Name, value)));
                }
            }

            yield return new BadCase($"{name} query junk=NUL", role, true, () => Get(With(url, "junk", "a\0b")));
            yield break;
        }

        var form = new Func<IEnumerable<KeyValuePair<string, string>>, HttpRequestMessage>(fields => Post(url, new FormUrlEncodedContent(fields.Prepend(new("__RequestVerificationToken", token)))));
        foreach (var field in target.Fields)
        {
            if (field.IsFile)
            {
                foreach (var (kind, content) in Files())
                {
                    yield return new BadCase($"{name} file {field.Name}={kind}", role, false, () => Post(url, Multipart(token, [], field.Name, content)));
                }

                if (target.UploadLimit is { } limit)
                {
                    yield return new BadCase($"{name} file {field.Name} over its {limit:N0}-byte limit", role, true, () => Post(url, Multipart(token, [], field.Name, new Zeros(limit + 1))));
                }

                continue;
            }

            foreach (var (kind, value, edge) in ValuesFor(field.Type))
            {
                yield return new BadCase($"{name} form {field.Name}={kind}", role, edge, () => form([new(field.Name, value)]));
                if (target.HasFiles && edge)
                {
                    // The same through multipart, the way an upload form sends it.
                    yield return new BadCase($"{name} multipart {field.Name}={kind}", role, edge, () => Post(url, Multipart(token, [new(field.Name, value)], null, null)));
                }
            }
        }

        yield return new BadCase($"{name} form junk=NUL", role, true, () => form([new("junk\0", "x")]));
        yield return new BadCase($"{name} query junk=NUL", role, true, () => Post(With(url, "junk", "a\0b"), new FormUrlEncodedContent([new("__RequestVerificationToken", token)])));
        yield return new BadCase($"{name} a form value over the form limit", role, true, () => form([new("junk", new string('x', 4 * 1024 * 1024 + 1))]));
        yield return new BadCase($"{name} multipart without a boundary", role, true, () => Post(url, Raw("--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb\r\n--x--\r\n", "multipart/form-data")));
        yield return new BadCase($"{name} multipart cut short", role, true, () => Post(url, Raw("--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb", "multipart/form-data; boundary=x")));
        yield return new BadCase($"{name} no antiforgery token", role, false, () => Post(url, new FormUrlEncodedContent([new("x", "y")])));
        yield return new BadCase($"{name} JSON instead of a form", role, false, () => Post(url, Raw("{\"Input\":{}}", "application/json")));
        yield return new BadCase($"{name} text/plain instead of a form", role, false, () => Post(url, Raw("Input.Name=x", "text/plain")));
        yield return new BadCase($"{name} an empty form", role, false, () => form([]));
    }

    private IEnumerable<BadCase> EndpointCases(Target target, string role, Dictionary<string, string> values)
    {
        var path = BuildPath(target.Pattern, values, null);
        var name = target.Name;
        var api = path.StartsWith("/api/", StringComparison.OrdinalIgnoreCase);
        HttpRequestMessage Authorised(HttpRequestMessage request)
        {
            if (api)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", factory.ApiKey);
            }

            return request;
        }

        foreach (var routeCase in RouteCases(target, role, values))
        {
            yield return routeCase with { Request = () => Authorised(routeCase.Request()) };
        }

        var queryFields = target.Method == "GET" ? target.Fields.Where(f => EndpointCatalog.IsSimple(f.Type)) : Enumerable.Empty<InputField>();
        foreach (var field in queryFields.Append(new InputField("junk", typeof(string))))
        {
            foreach (var (kind, value, edge) in ValuesFor(field.Type))
            {
                yield return new BadCase($"{name} query {field.Name}={kind}", role, edge, () => Authorised(Send(target.Method, With(path, field.Name, value), target.Method == "POST" ? Raw("{}", "application/json") : null)));
            }
        }

        if (target.Method != "POST")
        {
            yield break;
        }

        foreach (var field in target.Fields.DistinctBy(f => f.Name))
        {
            var n = System.Text.Json.JsonEncodedText.Encode(field.Name).ToString();
            yield return new BadCase($"{name} JSON {field.Name}=NUL", role, true, () => Authorised(Post(path, Raw($"{{\"{n}\":\"a\\u0000b\"}}", "application/json"))));
            yield return new BadCase($"{name} JSON {field.Name}=lone surrogate", role, true, () => Authorised(Post(path, Raw($"{{\"{n}\":\"a\\ud800b\"}}", "application/json"))));
            yield return new BadCase($"{name} JSON {field.Name}=NUL in a list", role, true, () => Authorised(Post(path, Raw($"{{\"{n}\":[\"\\u0000\"]}}", "application/json"))));
            foreach (var (kind, json) in new[] { ("number", "1e400"), ("object", "{}"), ("array", "[1,[2]]"), ("true", "true"), ("null", "null"), ("long", $"\"{LongText}\""), ("empty", "\"\""), ("date", "\"2026-13-45\"") })
            {
                yield return new BadCase($"{name} JSON {field.Name}={kind}", role, false, () => Authorised(Post(path, Raw($"{{\"{n}\":{json}}}", "application/json"))));
            }
        }

        yield return new BadCase($"{name} JSON property name with NUL", role, true, () => Authorised(Post(path, Raw("{\"a\\u0000\":1}", "application/json"))));
        yield return new BadCase($"{name} form with NUL", role, true, () => Authorised(Post(path, Raw("a=%00", "application/x-www-form-urlencoded"))));
        yield return new BadCase($"{name} multipart without a boundary", role, true, () => Authorised(Post(path, Raw("--x--", "multipart/form-data"))));
        foreach (var (kind, body, type) in new[]
        {
            ("empty body", string.Empty, "application/json"), ("truncated JSON", "{\"text\":", "application/json"), ("JSON null", "null", "application/json"),
            ("JSON array", "[]", "application/json"), ("JSON string", "\"x\"", "application/json"), ("nested 5,000 deep", new string('[', 5000), "application/json"),
            ("not UTF-8", "\u00ff\u00fe", "application/json; charset=latin1"), ("a 2 MB string", $"{{\"text\":\"{new string('x', 2 * 1024 * 1024)}\"}}", "application/json"),
            ("text/plain", "hello", "text/plain"), ("XML", "<a>b</a>", "application/xml"), ("form", "a=b", "application/x-www-form-urlencoded"),
            ("an unknown content type", "{}", "application/x-nonsense"),
        })
        {
            yield return new BadCase($"{name} {kind}", role, false, () => Authorised(Post(path, Raw(body, type))));
        }

        yield return new BadCase($"{name} no content type", role, false, () => Authorised(new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent("{}"u8.ToArray()) }));
        if (api)
        {
            yield return new BadCase($"{name} a malformed key", role, false, () => Post(path, Raw("{}", "application/json"), new AuthenticationHeaderValue("Bearer", "plat_zz_" + new string('x', 5000))));
        }
    }

    private static IEnumerable<BadCase> RouteCases(Target target, string role, Dictionary<string, string> values)
    {
        foreach (var parameter in target.Pattern.Parameters.Where(p => p.Name != "handler"))
        {
            // No NUL here: a path cannot carry one (Kestrel refuses it with 400 before the app, and the in-memory client
            // will not build it); the input guard still checks route values in case a server lets one through.
            foreach (var (kind, value, edge) in new[] { ("text", "not-an-id", false), ("long", LongText, false), ("dot-dot", "..", false), ("encoded slash", "a/b", false) })
            {
                var bad = new Dictionary<string, string>(values) { [parameter.Name] = value };
                var url = BuildPath(target.Pattern, bad, target.Handler);
                yield return new BadCase($"{target.Name} route {parameter.Name}={kind}", role, edge, () => Send(target.Method, url, target.Method == "POST" ? new FormUrlEncodedContent([]) : null));
            }
        }
    }

    private Dictionary<string, string> RouteValues(Target target)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (FindLink(target.Pattern) is { } match)
        {
            foreach (var parameter in target.Pattern.Parameters)
            {
                if (match.Groups[parameter.Name] is { Success: true } group)
                {
                    values[parameter.Name] = Uri.UnescapeDataString(group.Value);
                }
            }
        }

        return values;
    }

    /// <summary>Bad values for a field of <paramref name="type"/>; NUL for every type (refused at the edge), the rest by type.</summary>
    private static IEnumerable<(string Kind, string Value, bool Edge)> ValuesFor(Type type)
    {
        yield return ("NUL", "a\0b", true);
        var t = Nullable.GetUnderlyingType(type) ?? type;
        (string, string)[] values =
            t == typeof(bool) ? [("x", "x"), ("maybe", "maybe"), ("empty", ""), ("1", "1")]
            : t == typeof(Guid) ? [("text", "not-a-guid"), ("empty guid", Guid.Empty.ToString()), ("empty", "")]
            : t == typeof(DateTime) || t == typeof(DateTimeOffset) || t == typeof(DateOnly) ? [("impossible date", "2026-13-45"), ("text", "yesterday"), ("year 0", "0000-01-01"), ("empty", "")]
            : t == typeof(TimeOnly) || t == typeof(TimeSpan) ? [("impossible time", "25:61"), ("text", "noon"), ("empty", "")]
            : t.IsEnum ? [("number", "999"), ("unknown", "NoSuchValue"), ("empty", "")]
            : t == typeof(string) ? [("empty", ""), ("spaces", "   "), ("over-long", LongText), ("markup", "<script>alert(1)</script>'\";--"), ("formula", "=HYPERLINK(\"http://x\")")]
            : t == typeof(char) ? [("two chars", "xy"), ("empty", "")]
            : [("text", "x"), ("overflow", "99999999999999999999999999999"), ("negative", "-1"), ("fraction", "1.5"), ("empty", "")];
        foreach (var (kind, value) in values)
        {
            yield return (kind, value, false);
        }
    }

    private static IEnumerable<(string Kind, HttpContent Content)> Files()
    {
        yield return ("empty file", new ByteArrayContent([]));
        yield return ("NUL bytes", new ByteArrayContent(Encoding.UTF8.GetBytes("phone,first_name\n+447700900125,A\0nn\n\0\0\0")));
        yield return ("binary", new ByteArrayContent([.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 7919 % 256))]));
        yield return ("broken UTF-8", new ByteArrayContent([0x70, 0x68, 0x6F, 0x6E, 0x65, 0x0A, 0xC3, 0x28, 0xED, 0xA0, 0x80, 0x0A]));
    }

    private static HttpRequestMessage Get(string url) => new(HttpMethod.Get, url);

    private static HttpRequestMessage Post(string url, HttpContent content, AuthenticationHeaderValue? authorization = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        request.Headers.Authorization = authorization;
        return request;
    }

    private static HttpRequestMessage Send(string method, string url, HttpContent? content) => new(new HttpMethod(method), url) { Content = content };

    private static ByteArrayContent Raw(string body, string contentType)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return content;
    }

    private static MultipartFormDataContent Multipart(string token, IEnumerable<KeyValuePair<string, string>> fields, string? fileField, HttpContent? file)
    {
        var content = new MultipartFormDataContent { { new StringContent(token), "__RequestVerificationToken" } };
        foreach (var (key, value) in fields)
        {
            content.Add(new StringContent(value), key);
        }

        if (fileField is not null && file is not null)
        {
            file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
            content.Add(file, fileField, "upload.csv");
        }

        return content;
    }

    private static string With(string url, string key, string value) =>
        $"{url}{(url.Contains('?') ? '&' : '?')}{Uri.EscapeDataString(key)}={Uri.EscapeDataString(value)}";

    /// <summary>The path of a route pattern with <paramref name="values"/>; a missing required value gets a harmless one of its constraint's kind.</summary>
    public static string BuildPath(RoutePattern pattern, IReadOnlyDictionary<string, string> values, string? handler)
    {
        var segments = new List<string>();
        foreach (var segment in pattern.PathSegments)
        {
            var text = new StringBuilder();
            var skip = false;
            foreach (var part in segment.Parts)
            {
                switch (part)
                {
                    case RoutePatternLiteralPart literal:
                        text.Append(literal.Content);
                        break;
                    case RoutePatternSeparatorPart separator:
                        text.Append(separator.Content);
                        break;
                    case RoutePatternParameterPart parameter:
                        var value = parameter.Name == "handler" ? handler : values.GetValueOrDefault(parameter.Name);
                        if (value is null && (parameter.IsOptional || parameter.IsCatchAll))
                        {
                            skip = true;
                        }
                        else
                        {
                            value ??= parameter.ParameterPolicies.Any(p => p.Content?.StartsWith("guid", StringComparison.Ordinal) == true) ? Guid.NewGuid().ToString()
                                : parameter.ParameterPolicies.Any(p => p.Content is "int" or "long") ? "1" : "x";
                            text.Append(Uri.EscapeDataString(value));
                        }

                        break;
                }
            }

            if (!skip)
            {
                segments.Add(text.ToString());
            }
        }

        return "/" + string.Join('/', segments);
    }

    private static Regex PatternRegex(RoutePattern pattern)
    {
        var regex = new StringBuilder("^");
        foreach (var segment in pattern.PathSegments)
        {
            var text = new StringBuilder("/");
            var optional = false;
            foreach (var part in segment.Parts)
            {
                switch (part)
                {
                    case RoutePatternLiteralPart literal:
                        text.Append(Regex.Escape(literal.Content));
                        break;
                    case RoutePatternSeparatorPart separator:
                        text.Append(Regex.Escape(separator.Content));
                        break;
                    case RoutePatternParameterPart parameter:
                        text.Append($"(?<{parameter.Name}>[^/?#]+)");
                        optional |= parameter.IsOptional || parameter.IsCatchAll;
                        break;
                }
            }

            regex.Append(optional ? $"(?:{text})?" : text.ToString());
        }

        return new Regex(regex.Append("/?(?:[?#].*)?$").ToString(), RegexOptions.IgnoreCase);
    }

    [GeneratedRegex("(?:href|action)=\"([^\"]+)\"")]
    private static partial Regex Href();

    /// <summary>A body of <paramref name="length"/> zero bytes, streamed rather than held: uploads over a 12 MB or 257 MB limit.</summary>
    private sealed class Zeros(long size) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var chunk = new byte[64 * 1024];
            for (var left = size; left > 0; left -= chunk.Length)
            {
                await stream.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, left)));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }
}
