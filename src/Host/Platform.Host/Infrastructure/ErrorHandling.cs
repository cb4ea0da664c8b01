using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Platform.Modules.Shared;

namespace Platform.Host.Infrastructure;

/// <summary>
/// A user's mistake that reaches the top (a validation failure, a malformed request, a missing
/// permission) is answered as such — 400/403 with ProblemDetails for the API, a short page otherwise —
/// never as a 500. Anything else goes on to the generic error page, which shows no stack trace; for the API and other
/// endpoints that are not pages it is logged here and answered as problem+json, never as an HTML page.
/// </summary>
internal sealed partial class UserErrorExceptionHandler(IProblemDetailsService problemDetails, ILogger<UserErrorExceptionHandler> logger) : IExceptionHandler
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
            if (Refusals.ForPage(httpContext))
            {
                return false;
            }

            // Handled here, so the middleware does not log it: we do, with the request's reference the answer shows.
            Unhandled(logger, exception, httpContext.TraceIdentifier);
            (status, title) = (StatusCodes.Status500InternalServerError, "Something went wrong.");
            exception = new InvalidOperationException($"It has been logged with the reference {httpContext.TraceIdentifier}; please try again in a moment.");
        }

        httpContext.Response.StatusCode = status;
        var details = errors is null
            ? new ProblemDetails { Status = status, Title = title, Detail = exception.Message }
            : new ValidationProblemDetails(errors) { Status = status, Title = title };
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = details, Exception = exception });
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "An unhandled exception answered request {TraceIdentifier} with 500.")]
    private static partial void Unhandled(ILogger logger, Exception exception, string traceIdentifier);
}
