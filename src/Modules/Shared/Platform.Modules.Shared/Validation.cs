using System.ComponentModel.DataAnnotations;
using MediatR;

namespace Platform.Modules.Shared;

/// <summary>One problem with a request: the field it concerns (empty for the whole request) and what to do.</summary>
public sealed record ValidationError(string Field, string Message);

/// <summary>
/// Thrown by the validation pipeline (and by handlers that find a rule broken only once they look at
/// the data, such as a duplicate email) so the caller shows the messages; never surfaces as HTTP 500.
/// </summary>
public sealed class RequestValidationException(IReadOnlyList<ValidationError> errors)
    : Exception(string.Join(" ", errors.Select(e => e.Message)))
{
    public RequestValidationException(string field, string message)
        : this([new ValidationError(field, message)])
    {
    }

    public IReadOnlyList<ValidationError> Errors { get; } = errors;
}

/// <summary>Rules for one request type that data annotations cannot express (cross-field, lists).</summary>
public interface IRequestValidator<in TRequest>
{
    IEnumerable<ValidationError> Validate(TRequest request);
}

/// <summary>
/// Runs every request through its data annotations and its <see cref="IRequestValidator{TRequest}"/>s
/// before the handler sees it, so handlers only ever get well-formed input.
/// </summary>
internal sealed class ValidationBehavior<TRequest, TResponse>(IEnumerable<IRequestValidator<TRequest>> validators)
    : IPipelineBehavior<TRequest, TResponse>
{
    public Task<TResponse> Handle(TRequest request, CancellationToken cancellationToken, RequestHandlerDelegate<TResponse> next)
    {
        var errors = new List<ValidationError>();
        if (request is not null)
        {
            var results = new List<ValidationResult>();
            Validator.TryValidateObject(request, new ValidationContext(request), results, validateAllProperties: true);
            foreach (var result in results)
            {
                var field = result.MemberNames.FirstOrDefault() ?? string.Empty;
                errors.Add(new ValidationError(field, result.ErrorMessage ?? $"{field} is not valid."));
            }

            foreach (var validator in validators)
            {
                errors.AddRange(validator.Validate(request));
            }
        }

        if (errors.Count > 0)
        {
            throw new RequestValidationException(errors);
        }

        return next();
    }
}
