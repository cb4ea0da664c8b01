using System.Reflection;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.ModelBinding.Metadata;
using Microsoft.AspNetCore.Mvc.Rendering;
using Microsoft.AspNetCore.Mvc.Routing;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Platform.Modules.Shared;

namespace Platform.Host.Infrastructure;

/// <summary>
/// How pages take input and echo it back, for every page of every module: a value that does not bind becomes a
/// field error (never an exception in a view), no message repeats what was sent, and everything echoed is bounded.
/// </summary>
internal static class FormInput
{
    /// <summary>Longest TempData value kept: a message that quotes a long input cannot grow the cookie past what browsers send.</summary>
    public const int MaxTempDataLength = 500;

    /// <summary>Longest title, detail or field message of a problem+json answer.</summary>
    public const int MaxProblemTextLength = 1000;

    public static IMvcBuilder AddFormInput(this IMvcBuilder mvc)
    {
        mvc.AddMvcOptions(options =>
        {
            options.ModelBinderProviders.Insert(0, new CheckboxBinderProvider());
            options.ModelMetadataDetailsProviders.Add(new EmptyStringStaysEmpty());
            // The framework's messages quote the attempted value: a megabyte sent is a megabyte shown (and logged).
            var messages = options.ModelBindingMessageProvider;
            messages.SetAttemptedValueIsInvalidAccessor((_, field) => $"The value entered for {field} is not valid.");
            messages.SetNonPropertyAttemptedValueIsInvalidAccessor(_ => "The value entered is not valid.");
            messages.SetUnknownValueIsInvalidAccessor(field => $"The value entered for {field} is not valid.");
            messages.SetValueIsInvalidAccessor(_ => "The value entered is not valid.");
            messages.SetValueMustBeANumberAccessor(field => $"{field} must be a number.");
            messages.SetMissingBindRequiredValueAccessor(field => $"Enter {field}.");
            messages.SetValueMustNotBeNullAccessor(field => $"Enter {field}.");
        });

        var services = mvc.Services;
        services.Replace(ServiceDescriptor.Singleton<IHtmlGenerator, QuietValidationSummaryGenerator>());
        services.AddSingleton<CookieTempDataProvider>();
        services.Replace(ServiceDescriptor.Singleton<ITempDataProvider>(provider => new BoundedTempData(provider.GetRequiredService<CookieTempDataProvider>())));
        return mvc;
    }

    /// <summary>Problem details never carry more than <see cref="MaxProblemTextLength"/> characters per text.</summary>
    public static void Bound(ProblemDetails problem)
    {
        problem.Title = problem.Title is null ? null : StorableText.Bounded(problem.Title, MaxProblemTextLength);
        problem.Detail = problem.Detail is null ? null : StorableText.Bounded(problem.Detail, MaxProblemTextLength);
        if (problem is HttpValidationProblemDetails validation)
        {
            foreach (var (field, messages) in validation.Errors.ToList())
            {
                validation.Errors[field] = [.. messages.Select(m => StorableText.Bounded(m, MaxProblemTextLength))];
            }
        }
    }

    /// <summary>
    /// Booleans (checkboxes) bind "true"/"false" only. Anything else is a form error with the attempted value dropped:
    /// the checkbox tag helper converts the attempted value back to bool when the page re-renders, and "x" or "maybe"
    /// made it throw (a 500 that logged the whole value).
    /// </summary>
    private sealed class CheckboxBinderProvider : IModelBinderProvider
    {
        public IModelBinder? GetBinder(ModelBinderProviderContext context) =>
            context.Metadata.UnderlyingOrModelType == typeof(bool) ? new CheckboxBinder() : null;
    }

    private sealed class CheckboxBinder : IModelBinder
    {
        public Task BindModelAsync(ModelBindingContext bindingContext)
        {
            var result = bindingContext.ValueProvider.GetValue(bindingContext.ModelName);
            if (result == ValueProviderResult.None)
            {
                return Task.CompletedTask;
            }

            var value = result.FirstValue;
            if (bool.TryParse(value?.Trim(), out var parsed))
            {
                bindingContext.ModelState.SetModelValue(bindingContext.ModelName, result);
                bindingContext.Result = ModelBindingResult.Success(parsed);
            }
            else if (string.IsNullOrWhiteSpace(value) && bindingContext.ModelMetadata.IsReferenceOrNullableType)
            {
                bindingContext.Result = ModelBindingResult.Success(null);
            }
            else
            {
                var field = bindingContext.ModelMetadata.DisplayName ?? bindingContext.ModelMetadata.Name ?? bindingContext.ModelName;
                bindingContext.ModelState.SetModelValue(bindingContext.ModelName, rawValue: null, attemptedValue: null);
                // On the form's summary, not the field: a checkbox seldom has a message element of its own.
                bindingContext.ModelState.TryAddModelError(string.Empty, $"\"{field}\" is either ticked or not: send true or false.");
                bindingContext.Result = ModelBindingResult.Failed();
            }

            return Task.CompletedTask;
        }
    }

    /// <summary>
    /// A non-nullable string binds an empty field as "" rather than null, so a page never meets a null its type says
    /// cannot be there (an empty invitation token or simulator sender was a NullReferenceException). Required fields
    /// are still required: the implicit [Required] of a non-nullable property refuses "" as it refused null.
    /// </summary>
    private sealed class EmptyStringStaysEmpty : IDisplayMetadataProvider
    {
        public void CreateDisplayMetadata(DisplayMetadataProviderContext context)
        {
            if (context.Key.ModelType != typeof(string))
            {
                return;
            }

            var nullability = new NullabilityInfoContext();
            var state = context.Key switch
            {
                { MetadataKind: ModelMetadataKind.Property, PropertyInfo: { } property } => nullability.Create(property).WriteState,
                { MetadataKind: ModelMetadataKind.Parameter, ParameterInfo: { } parameter } => nullability.Create(parameter).WriteState,
                _ => NullabilityState.Unknown,
            };
            if (state == NullabilityState.NotNull)
            {
                context.DisplayMetadata.ConvertEmptyStringToNull = false;
            }
        }
    }

    /// <summary>
    /// A validation summary with nothing to say renders nothing. The framework renders an empty box holding
    /// <c>&lt;li style="display:none"&gt;</c>, which our CSP (no inline styles) shows as an empty red box and reports
    /// as a violation.
    /// </summary>
    private sealed class QuietValidationSummaryGenerator(
        IAntiforgery antiforgery,
        IOptions<MvcViewOptions> options,
        IModelMetadataProvider metadataProvider,
        IUrlHelperFactory urlHelperFactory,
        HtmlEncoder htmlEncoder,
        ValidationHtmlAttributeProvider validationAttributeProvider)
        : DefaultHtmlGenerator(antiforgery, options, metadataProvider, urlHelperFactory, htmlEncoder, validationAttributeProvider)
    {
        public override TagBuilder? GenerateValidationSummary(ViewContext viewContext, bool excludePropertyErrors, string? message, string? headerTag, object? htmlAttributes)
        {
            var modelState = viewContext.ViewData.ModelState;
            var entries = excludePropertyErrors
                ? modelState.TryGetValue(viewContext.ViewData.TemplateInfo.HtmlFieldPrefix, out var own) && own is not null ? [own] : []
                : modelState.Values.ToList();
            var anything = entries.Any(e => e.Errors.Any(error => !string.IsNullOrEmpty(error.ErrorMessage) || error.Exception is not null));
            return anything ? base.GenerateValidationSummary(viewContext, excludePropertyErrors, message, headerTag, htmlAttributes) : null;
        }
    }

    /// <summary>TempData (a cookie) keeps at most <see cref="MaxTempDataLength"/> characters per text.</summary>
    private sealed class BoundedTempData(ITempDataProvider inner) : ITempDataProvider
    {
        public IDictionary<string, object> LoadTempData(HttpContext context) => inner.LoadTempData(context);

        public void SaveTempData(HttpContext context, IDictionary<string, object> values) =>
            inner.SaveTempData(context, values.ToDictionary(v => v.Key, v => v.Value switch
            {
                string text => StorableText.Bounded(text, MaxTempDataLength),
                string[] texts => texts.Select(t => StorableText.Bounded(t, MaxTempDataLength)).ToArray(),
                var other => other,
            }));
    }
}
