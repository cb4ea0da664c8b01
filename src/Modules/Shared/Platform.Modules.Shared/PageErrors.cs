using MediatR;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace Platform.Modules.Shared;

/// <summary>Helpers for pages: send a request and turn validation failures into form errors.</summary>
public static class PageErrors
{
    /// <summary>
    /// Sends the request; on a validation failure adds each message to the model state (under
    /// <paramref name="prefix"/>.Field, the way the form binds it) and returns default.
    /// </summary>
    public static async Task<(bool Ok, TResponse? Response)> TrySendAsync<TResponse>(
        this IMediator mediator,
        IRequest<TResponse> request,
        ModelStateDictionary modelState,
        string prefix = "Input",
        CancellationToken cancellationToken = default)
    {
        try
        {
            return (true, await mediator.Send(request, cancellationToken));
        }
        catch (RequestValidationException exception)
        {
            foreach (var error in exception.Errors)
            {
                var key = string.IsNullOrEmpty(error.Field) ? string.Empty : $"{prefix}.{error.Field}";
                modelState.AddModelError(key, error.Message);
            }

            return (false, default);
        }
    }
}
