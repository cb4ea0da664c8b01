using Microsoft.AspNetCore.Http;

namespace Platform.Modules.Campaigns.Features.Api;

/// <summary>The send API's errors: RFC 7807 problem details with a clear title and detail, field errors under <c>errors</c>.</summary>
internal static class ApiProblems
{
    public const string TypeBase = "https://docs.platform.local/api/errors/";

    public static IResult Problem(int status, string type, string title, string detail) =>
        Results.Problem(detail: detail, statusCode: status, title: title, type: TypeBase + type);

    public static IResult Fields(int status, string title, IDictionary<string, string[]> errors) =>
        Results.ValidationProblem(errors, detail: string.Join(" ", errors.SelectMany(e => e.Value).Take(3)), statusCode: status, title: title, type: TypeBase + "invalid-request");

    public static IResult Unauthorized(string detail) =>
        new UnauthorizedProblem(detail);

    /// <summary>401 with <c>WWW-Authenticate: Bearer</c>.</summary>
    private sealed class UnauthorizedProblem(string detail) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.WWWAuthenticate = "Bearer realm=\"Platform send API\"";
            return Problem(StatusCodes.Status401Unauthorized, "unauthorized", "The API key is missing or not valid.", detail).ExecuteAsync(httpContext);
        }
    }
}
