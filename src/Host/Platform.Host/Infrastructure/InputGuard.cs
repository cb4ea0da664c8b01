using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Modules.Shared;

namespace Platform.Host.Infrastructure;

/// <summary>
/// The edge for bad input, before any page or endpoint runs: the path, route values, query, header values, form fields
/// and file names (url-encoded and multipart) and every string of a JSON body are checked once against
/// <see cref="StorableText"/>, and a request carrying a NUL or a broken surrogate is refused with 400. Reading the form
/// here also makes its limits one rule: a body over the endpoint's limit (its [RequestFormLimits]/[RequestSizeLimit],
/// applied by routing, or Kestrel's) is a 413, a malformed one a 400, instead of an exception inside a page.
/// </summary>
internal static class InputGuard
{
    /// <summary>JSON bodies are scanned up to this size; an endpoint that takes more refuses it by its own limit.</summary>
    private const int MaxScannedJsonBytes = 4 * 1024 * 1024;

    public static IApplicationBuilder UseInputGuard(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            // A re-executed error page runs on the same request: it was judged once already.
            if (context.Features.Get<IStatusCodeReExecuteFeature>() is null && context.Features.Get<IExceptionHandlerFeature>() is null)
            {
                var refusal = await JudgeAsync(context);
                if (refusal is not null)
                {
                    await Refusals.WriteAsync(context, refusal.Status, refusal.Title, refusal.Detail);
                    return;
                }
            }

            await next(context);
        });

    private static async Task<Refusal?> JudgeAsync(HttpContext context)
    {
        var request = context.Request;
        if (!StorableText.IsStorable(request.PathBase.Value) || !StorableText.IsStorable(request.Path.Value)
            || request.RouteValues.Values.Any(v => v is string s && !StorableText.IsStorable(s))
            || request.Query.Any(q => !IsStorable(q.Key, q.Value))
            || request.Headers.Any(h => !IsStorable(h.Key, h.Value)))
        {
            return Refusal.Unstorable;
        }

        if (request.HasFormContentType)
        {
            return await JudgeFormAsync(context);
        }

        return request.HasJsonContentType() ? await JudgeJsonAsync(context) : null;
    }

    private static async Task<Refusal?> JudgeFormAsync(HttpContext context)
    {
        IFormCollection form;
        try
        {
            form = await context.Request.ReadFormAsync(context.RequestAborted);
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Refusal.TooLarge;
        }
        catch (InvalidDataException exception) when (exception.Message.Contains("limit", StringComparison.OrdinalIgnoreCase))
        {
            // FormOptions' limits (multipart body, value length, value count) say so in their message.
            return Refusal.TooLarge;
        }
        catch (Exception exception) when (exception is BadHttpRequestException or InvalidDataException or IOException or InvalidOperationException)
        {
            // A truncated or malformed body (a multipart without its boundary, a broken part) is the sender's mistake.
            return Refusal.Malformed;
        }

        return form.Any(f => !IsStorable(f.Key, f.Value)) || form.Files.Any(f => !StorableText.IsStorable(f.Name) || !StorableText.IsStorable(f.FileName))
            ? Refusal.Unstorable
            : null;
    }

    private static async Task<Refusal?> JudgeJsonAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.ContentLength > MaxScannedJsonBytes)
        {
            return null;
        }

        request.EnableBuffering();
        byte[] body;
        try
        {
            using var copy = new MemoryStream();
            await request.Body.CopyToAsync(copy, context.RequestAborted);
            body = copy.ToArray();
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Refusal.TooLarge;
        }
        finally
        {
            request.Body.Position = 0;
        }

        return body.Length <= MaxScannedJsonBytes && !IsStorableJson(body) ? Refusal.Unstorable : null;
    }

    /// <summary>False when a property name or string value unescapes to a NUL or a lone surrogate; malformed JSON is left to the endpoint.</summary>
    private static bool IsStorableJson(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped
                    && !StorableText.IsStorable(reader.GetString()))
                {
                    return false;
                }
            }
        }
        catch (JsonException)
        {
            return true;
        }
        catch (InvalidOperationException)
        {
            return false; // GetString refuses an escaped lone surrogate
        }

        return true;
    }

    private static bool IsStorable(string key, Microsoft.Extensions.Primitives.StringValues values)
    {
        if (!StorableText.IsStorable(key))
        {
            return false;
        }

        foreach (var value in values)
        {
            if (!StorableText.IsStorable(value))
            {
                return false;
            }
        }

        return true;
    }

    private sealed record Refusal(int Status, string Title, string Detail)
    {
        public static readonly Refusal Unstorable = new(StatusCodes.Status400BadRequest, "The request contains a character that is not allowed.", StorableText.Refusal);

        public static readonly Refusal TooLarge = new(StatusCodes.Status413PayloadTooLarge, "The request is too large.",
            "What you sent is larger than this page accepts. Send a smaller file (see the limit on the page) and try again.");

        public static readonly Refusal Malformed = new(StatusCodes.Status400BadRequest, "The request could not be read.",
            "The form arrived incomplete or malformed. Reload the page and send it again.");
    }
}

/// <summary>
/// How a refused request is answered, in one place: problem+json for the API and other endpoints, and for pages the
/// error page (the status code page re-executes /Error, which shows the title and detail kept here).
/// </summary>
internal static class Refusals
{
    private const string ItemKey = "Platform.Refusal";

    public static async Task WriteAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        if (ForPage(context))
        {
            context.Items[ItemKey] = (title, detail);
            return;
        }

        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail };
        if (!await context.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem }))
        {
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync($"{title} {detail}", context.RequestAborted);
        }
    }

    /// <summary>The title and detail a refusal kept for the error page, if this request was refused.</summary>
    public static (string Title, string Detail)? Kept(HttpContext context) =>
        context.Items.TryGetValue(ItemKey, out var kept) && kept is (string title, string detail) ? (title, detail) : null;

    /// <summary>A Razor page (or, with no endpoint, a browser asking for HTML) gets a page; everything else problem+json.</summary>
    public static bool ForPage(HttpContext context) =>
        context.GetEndpoint() is { } endpoint
            ? endpoint.Metadata.GetMetadata<PageActionDescriptor>() is not null
            : context.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);
}
