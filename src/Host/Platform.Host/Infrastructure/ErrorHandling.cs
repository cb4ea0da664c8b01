using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Platform.Modules.Shared;

namespace Platform.Host.Infrastructure;

/// <summary>
/// A user's mistake that reaches the top (a validation failure, a malformed request, a missing
/// permission) is answered as such — 400/403 with ProblemDetails for the API, a short page otherwise —
/// never as a 500. Anything else goes on to the generic error page, which shows no stack trace.
/// </summary>
internal sealed class UserErrorExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, errors) = exception switch
        {
            RequestValidationException validation => (StatusCodes.Status400BadRequest, "The request is not valid.",
                validation.Errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray())),
            BadHttpRequestException bad => (bad.StatusCode, "The request is not valid.", null),
            UnauthorizedAccessException => (StatusCodes.Status403Forbidden, "You cannot do that.", null),
            _ => (0, string.Empty, (Dictionary<string, string[]>?)null),
        };
        if (status == 0)
        {
            return false;
        }

        httpContext.Response.StatusCode = status;
        var details = errors is null
            ? new ProblemDetails { Status = status, Title = title, Detail = exception.Message }
            : new ValidationProblemDetails(errors) { Status = status, Title = title };
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = details, Exception = exception });
    }
}
