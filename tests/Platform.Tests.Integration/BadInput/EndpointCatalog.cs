using System.Collections;
using System.Reflection;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc.RazorPages.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.Tests.Integration.BadInput;

/// <summary>An input a handler binds: its name as the form or query sends it, and its type.</summary>
public sealed record InputField(string Name, Type Type)
{
    public bool IsFile => typeof(IFormFile).IsAssignableFrom(Type) || typeof(IEnumerable<IFormFile>).IsAssignableFrom(Type);
}

/// <summary>A page handler (GET or POST, named or not) or a minimal endpoint, as the app's own endpoint data source describes it.</summary>
public sealed record Target(string Method, RoutePattern Pattern, string? Handler, bool IsPage, IReadOnlyList<InputField> Fields, long? UploadLimit)
{
    public string Name => $"{Method} /{Pattern.RawText?.TrimStart('/')}{(Handler is null ? string.Empty : $" handler={Handler}")}";

    public bool HasFiles => Fields.Any(f => f.IsFile);
}

/// <summary>
/// Every page handler and endpoint of the running host, read from its <see cref="EndpointDataSource"/> (pages compiled
/// through <see cref="PageLoader"/> for their handlers and bound properties): a page added tomorrow is swept without
/// editing the test.
/// </summary>
public static class EndpointCatalog
{
    public static async Task<IReadOnlyList<Target>> DiscoverAsync(IServiceProvider services)
    {
        var loader = services.GetRequiredService<PageLoader>();
        var isService = services.GetRequiredService<IServiceProviderIsService>();
        var targets = new List<Target>();
        var pagesSeen = new HashSet<string>();
        foreach (var endpoint in services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            if (endpoint.Metadata.GetMetadata<PageActionDescriptor>() is { } page)
            {
                // A page's Index has two routes ("/Lists" and "/Lists/Index"): one is enough.
                if (endpoint.Metadata.GetMetadata<ISuppressLinkGenerationMetadata>()?.SuppressLinkGeneration == true || !pagesSeen.Add(page.Id))
                {
                    continue;
                }

                var compiled = await loader.LoadAsync(page, endpoint.Metadata);
                var limit = endpoint.Metadata.GetMetadata<IFormOptionsMetadata>()?.MultipartBodyLengthLimit;
                foreach (var handler in compiled.HandlerMethods)
                {
                    var method = handler.HttpMethod.ToUpperInvariant();
                    var fields = compiled.BoundProperties
                        .Where(p => BindsOn(p.BindingInfo, method))
                        .SelectMany(p => Fields(p.BindingInfo?.BinderModelName ?? p.Name, p.ParameterType, 0))
                        .Concat(handler.Parameters
                            .Where(p => p.BindingInfo?.BindingSource != BindingSource.Services)
                            .SelectMany(p => Fields(p.BindingInfo?.BinderModelName ?? p.Name, p.ParameterType, 0)))
                        .Where(f => !IsRouteParameter(endpoint.RoutePattern, f.Name))
                        .DistinctBy(f => f.Name, StringComparer.OrdinalIgnoreCase)
                        .ToList();
                    targets.Add(new Target(method, endpoint.RoutePattern, handler.Name, IsPage: true, fields, limit));
                }
            }
            else if (endpoint.Metadata.GetMetadata<IHttpMethodMetadata>() is { } methods)
            {
                var handlerMethod = endpoint.Metadata.GetMetadata<MethodInfo>();
                var body = endpoint.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;
                var fields = new List<InputField>();
                foreach (var parameter in handlerMethod?.GetParameters() ?? [])
                {
                    var type = parameter.ParameterType;
                    if (IsSimple(type))
                    {
                        if (!IsRouteParameter(endpoint.RoutePattern, parameter.Name!))
                        {
                            fields.Add(new InputField(parameter.Name!, type));
                        }
                    }
                    else if (body is null && type.IsClass && !type.IsAbstract && type.Namespace?.StartsWith("Platform", StringComparison.Ordinal) == true && !isService.IsService(type))
                    {
                        body = type;
                    }
                }

                if (body is not null)
                {
                    fields.AddRange(JsonFields(body));
                }

                foreach (var method in methods.HttpMethods.Where(m => m is "GET" or "POST"))
                {
                    targets.Add(new Target(method, endpoint.RoutePattern, null, IsPage: false, fields, null));
                }
            }
        }

        return targets;
    }

    /// <summary>JSON property names of a body type (its [JsonPropertyName]s, else camelCase and snake_case).</summary>
    private static IEnumerable<InputField> JsonFields(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).SelectMany(p =>
            p.GetCustomAttribute<JsonPropertyNameAttribute>() is { } named
                ? [new InputField(named.Name, p.PropertyType)]
                : new[] { JsonNamingPolicyCamel(p.Name), System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name) }.Distinct().Select(n => new InputField(n, p.PropertyType)));

    private static string JsonNamingPolicyCamel(string name) => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(name);

    private static bool BindsOn(BindingInfo? binding, string method)
    {
        if (binding?.RequestPredicate is not { } predicate)
        {
            return binding is not null; // a property without binding info is not bound
        }

        var context = new ActionContext(new DefaultHttpContext { Request = { Method = method } }, new RouteData(), new ActionDescriptor());
        return predicate(context);
    }

    private static bool IsRouteParameter(RoutePattern pattern, string name) =>
        pattern.Parameters.Any(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

    private static IEnumerable<InputField> Fields(string name, Type type, int depth)
    {
        if (type == typeof(CancellationToken) || typeof(HttpContext).IsAssignableFrom(type))
        {
            yield break;
        }

        if (IsSimple(type) || typeof(IFormFile).IsAssignableFrom(type) || typeof(IEnumerable<IFormFile>).IsAssignableFrom(type))
        {
            yield return new InputField(name, type);
            yield break;
        }

        if (ElementOf(type) is { } element)
        {
            if (IsSimple(element))
            {
                yield return new InputField($"{name}[0]", element);
            }

            yield break;
        }

        if (depth >= 2 || !type.IsClass)
        {
            yield break;
        }

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.SetMethod?.IsPublic != true || property.GetCustomAttribute<BindNeverAttribute>() is not null || property.GetIndexParameters().Length > 0)
            {
                continue;
            }

            foreach (var field in Fields($"{name}.{property.Name}", property.PropertyType, depth + 1))
            {
                yield return field;
            }
        }
    }

    private static Type? ElementOf(Type type) =>
        type == typeof(string) || !typeof(IEnumerable).IsAssignableFrom(type) ? null
        : type.IsArray ? type.GetElementType()
        : type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];

    public static bool IsSimple(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal) || t == typeof(Guid) || t == typeof(DateTime)
            || t == typeof(DateTimeOffset) || t == typeof(DateOnly) || t == typeof(TimeOnly) || t == typeof(TimeSpan);
    }
}
