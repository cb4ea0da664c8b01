using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.OpenApi;
using Platform.Modules.Shared.Jobs;

namespace Platform.Modules.Campaigns.Features.Api;

/// <summary>
/// The send API: <c>POST /api/v1/messages</c>, <c>GET /api/v1/messages/{id}</c>, <c>GET /api/v1/inbound</c>, its OpenAPI
/// document, rate limit and webhooks (receipts and the inbound feed).
/// </summary>
internal static class ApiRegistration
{
    public const string RateLimitPolicy = "send-api";
    public const string DocumentName = "v1";
    public const string OpenApiPath = "/api/v1/openapi.json";
    public const long MaxBodyBytes = 12 * 1024 * 1024;

    public static IServiceCollection AddSendApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SendApiOptions>().Bind(configuration.GetSection(SendApiOptions.Section));
        services.AddScoped<SendApiService>();
        services.AddSingleton(SendRequestGatherer.ForHost);
        services.AddSingleton<ApiKeyAuthenticator>();
        services.AddMemoryCache();
        services.AddSingleton<SendChecksMemory>();
        services.AddSingleton<IdempotencyStore>();
        services.AddSingleton<WebhookPoster>();
        services.AddSingleton<InboundFeed>();
        services.AddSingleton<InboundWebhookDispatcher>();
        // Redirects are not followed (a 3xx is a failed post, retried): the receiver is the URL the company saved.
        services.AddHttpClient(WebhookDispatchJob.HttpClientName)
            .ConfigureHttpClient(c => c.Timeout = TimeSpan.FromSeconds(30))
            .ConfigurePrimaryHttpMessageHandler(provider =>
            {
                var handler = new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
                if (!provider.GetRequiredService<IOptions<SendApiOptions>>().Value.AllowPrivateWebhookAddresses)
                {
                    handler.ConnectCallback = WebhookAddresses.ConnectAsync;
                }

                return handler;
            });
        services.AddRateLimiter(options => options.AddPolicy<string, SendApiRateLimit>(RateLimitPolicy));
        services.AddOpenApi(DocumentName, options =>
        {
            options.ShouldInclude = description => description.RelativePath?.StartsWith("api/v1/", StringComparison.Ordinal) == true;
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "Platform send API";
                document.Info.Version = "v1";
                document.Info.Description = "Send SMS and read what handsets answer (inbound messages, opt-outs, opt-ins) with an API key (Authorization: Bearer plat_…). Errors are RFC 7807 problem details. See docs/api.md.";
                return Task.CompletedTask;
            });
            // The API speaks snake_case (see ApiJson); the generator names properties the framework's way.
            options.AddSchemaTransformer((schema, _, _) =>
            {
                if (schema.Properties is { Count: > 0 } properties)
                {
                    var renamed = properties.ToList();
                    properties.Clear();
                    foreach (var (name, value) in renamed)
                    {
                        properties[JsonNamingPolicy.SnakeCaseLower.ConvertName(name)] = value;
                    }
                }

                if (schema.Required is { Count: > 0 } required)
                {
                    var renamed = required.ToList();
                    required.Clear();
                    foreach (var name in renamed)
                    {
                        required.Add(JsonNamingPolicy.SnakeCaseLower.ConvertName(name));
                    }
                }

                return Task.CompletedTask;
            });
        });

        var webhookSeconds = Math.Max(1, configuration.GetValue($"{SendApiOptions.Section}:WebhookSeconds", 5));
        services.AddRecurringJob<WebhookDispatchJob>(WebhookDispatchJob.Id, RecurringJobServices.Every(TimeSpan.FromSeconds(webhookSeconds)),
            "Send API: final message states into the webhook outbox, then posted signed, in batches per company, with back-off; then each company's inbound messages and opt-out/opt-in events, in order.");
        return services;
    }

    public static IEndpointRouteBuilder MapSendApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/v1")
            .AllowAnonymous() // authenticated by API key, not by cookie
            .DisableAntiforgery()
            .WithTags("Messages");
        api.MapPost("/messages", SendAsync)
            .RequireRateLimiting(RateLimitPolicy)
            .WithName("SendMessages")
            .WithSummary("Send one message or a batch of up to 1,000")
            .WithDescription("Answers 202 with each message's id and status. An Idempotency-Key header makes retries safe: the same key and body replay the first answer, the same key with another body is refused (422).")
            .Accepts<SendMessagesBody>("application/json")
            .Produces<SendMessagesResponse>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status402PaymentRequired)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        api.MapGet("/messages/{id}", GetAsync)
            .RequireRateLimiting(RateLimitPolicy)
            .WithName("GetMessage")
            .WithSummary("A message's status, timestamps and error")
            .Produces<MessageStatusResponse>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        api.MapGet("/inbound", ListInboundAsync)
            .RequireRateLimiting(RateLimitPolicy)
            .WithTags("Inbound")
            .WithName("ListInbound")
            .WithSummary("Inbound messages and opt-out/opt-in events, oldest first, for those who poll")
            .WithDescription("The items the inbound webhook posts (types message.inbound, contact.opted_out, contact.opted_in), in the order they arrived. " +
                $"Pass the id of the last item you have as 'after' (0 or leave it out to start from the first) and up to {InboundFeed.MaxPage} as 'limit' " +
                $"(default {InboundFeed.DefaultPage}); continue with 'next_after' while 'has_more' is true.")
            .Produces<InboundPage>()
            .ProducesValidationProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                // The handler reads the query itself (so a bad value gets a clear 400, not the framework's bare one);
                // the document says what the values are.
                operation.Parameters ??= [];
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = "after", In = ParameterLocation.Query, Required = false,
                    Description = "The id of the last item you have; items after it are listed. 0 or absent: from the first.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64", Minimum = "0" },
                });
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = "limit", In = ParameterLocation.Query, Required = false,
                    Description = $"Items per page, 1 to {InboundFeed.MaxPage} (default {InboundFeed.DefaultPage}).",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "1", Maximum = InboundFeed.MaxPage.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                });
                return Task.CompletedTask;
            });
        endpoints.MapOpenApi(OpenApiPath).AllowAnonymous().ExcludeFromDescription();
        return endpoints;
    }

    // The edge: HTTP in (headers, body size, content type), plain results of the module's services out as HTTP answers.
    private static async Task<IResult> SendAsync(HttpRequest request, ApiKeyAuthenticator authenticator, SendApiService service, CancellationToken cancellationToken)
    {
        var authentication = await authenticator.AuthenticateAsync(request.Headers.Authorization, cancellationToken);
        if (authentication.Caller is not { } caller)
        {
            return ApiProblems.Unauthorized(authentication.Refusal!);
        }

        if (!request.HasJsonContentType())
        {
            return ApiProblems.Problem(StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type", "Send the body as JSON.",
                "Set the header Content-Type: application/json.");
        }

        if (request.ContentLength > MaxBodyBytes)
        {
            return TooLarge();
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return TooLarge();
            }

            buffer.Write(chunk, 0, read);
        }

        var key = request.Headers.TryGetValue("Idempotency-Key", out var values) ? values.ToString() : null;
        return await service.SendAsync(caller, buffer.ToArray(), key, cancellationToken) switch
        {
            SendAccepted accepted => Results.Content(accepted.Json, "application/json", statusCode: StatusCodes.Status202Accepted),
            SendReplayed replayed => new Replayed(replayed.Status, replayed.Json),
            SendRefused refused => Problem(refused.Refusal),
            var other => throw new InvalidOperationException($"No HTTP answer for {other}."),
        };
    }

    private static async Task<IResult> GetAsync(string id, HttpRequest request, ApiKeyAuthenticator authenticator, SendApiService service, CancellationToken cancellationToken)
    {
        var authentication = await authenticator.AuthenticateAsync(request.Headers.Authorization, cancellationToken);
        if (authentication.Caller is not { } caller)
        {
            return ApiProblems.Unauthorized(authentication.Refusal!);
        }

        return await service.GetAsync(caller, id, cancellationToken) is { } message
            ? Results.Json(message, ApiJson.Options)
            : ApiProblems.Problem(StatusCodes.Status404NotFound, "not-found", "No such message.", $"Your company has no message with id '{id}'.");
    }

    private static async Task<IResult> ListInboundAsync(HttpRequest request, ApiKeyAuthenticator authenticator, InboundFeed feed, CancellationToken cancellationToken)
    {
        var authentication = await authenticator.AuthenticateAsync(request.Headers.Authorization, cancellationToken);
        if (authentication.Caller is not { } caller)
        {
            return ApiProblems.Unauthorized(authentication.Refusal!);
        }

        // Case-insensitive, as the query collection is.
        var query = new Dictionary<string, StringValues>(request.Query, StringComparer.OrdinalIgnoreCase);
        var listing = await feed.ListAsync(caller, query, cancellationToken);
        return listing.Page is { } page
            ? Results.Json(page, ApiJson.Options)
            : ApiProblems.Fields(StatusCodes.Status400BadRequest, "The query is not valid for this endpoint.", new Dictionary<string, string[]>(listing.Errors!));
    }

    /// <summary>A refusal of the send as problem+json: its kind says the status and the problem type.</summary>
    private static IResult Problem(SendRefusal refusal) => refusal.Kind switch
    {
        SendRefusalKind.MalformedBody => ApiProblems.Fields(StatusCodes.Status400BadRequest, refusal.Title, new Dictionary<string, string[]>(refusal.Errors!)),
        SendRefusalKind.Unsendable => ApiProblems.Fields(StatusCodes.Status422UnprocessableEntity, refusal.Title, new Dictionary<string, string[]>(refusal.Errors!)),
        SendRefusalKind.InvalidIdempotencyKey => ApiProblems.Problem(StatusCodes.Status400BadRequest, "invalid-idempotency-key", refusal.Title, refusal.Detail!),
        SendRefusalKind.NotPaidFor => ApiProblems.Problem(StatusCodes.Status402PaymentRequired, "insufficient-credits", refusal.Title, refusal.Detail!),
        SendRefusalKind.CompanyMayNotSpend => ApiProblems.Problem(StatusCodes.Status403Forbidden, "company-may-not-send", refusal.Title, refusal.Detail!),
        SendRefusalKind.IdempotencyKeyReused => ApiProblems.Problem(StatusCodes.Status422UnprocessableEntity, "idempotency-key-reused", refusal.Title, refusal.Detail!),
        SendRefusalKind.IdempotencyInProgress => ApiProblems.Problem(StatusCodes.Status409Conflict, "idempotency-in-progress", refusal.Title, refusal.Detail!),
        _ => throw new InvalidOperationException($"No HTTP answer for {refusal.Kind}."),
    };

    /// <summary>The stored answer of the first request with the key, marked as a replay.</summary>
    private sealed class Replayed(int status, string body) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers["Idempotent-Replayed"] = "true";
            return Results.Content(body, "application/json", statusCode: status).ExecuteAsync(httpContext);
        }
    }

    private static IResult TooLarge() =>
        ApiProblems.Problem(StatusCodes.Status413PayloadTooLarge, "too-large", "The body is too large.",
            $"A request may be at most {MaxBodyBytes / 1024 / 1024} MB (1,000 messages of 1,600 characters). Split it into several requests.");
}

/// <summary>Requests per second per API key (by its public prefix; requests without one, per client address).</summary>
internal sealed class SendApiRateLimit(IOptions<SendApiOptions> options) : IRateLimiterPolicy<string>
{
    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => async (context, _) =>
    {
        if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
        {
            context.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        await ApiProblems.Problem(StatusCodes.Status429TooManyRequests, "rate-limited", "Too many requests.",
            $"An API key may make {options.Value.RequestsPerSecond} requests per second. Slow down, or send up to 1,000 messages per request.").ExecuteAsync(context.HttpContext);
    };

    public RateLimitPartition<string> GetPartition(HttpContext httpContext)
    {
        var authorization = httpContext.Request.Headers.Authorization.ToString();
        var prefix = ApiKeyFormat.PrefixOf(authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : null);
        var partition = prefix is null ? $"ip:{httpContext.Connection.RemoteIpAddress}" : $"key:{prefix}";
        var perSecond = Math.Max(1, options.Value.RequestsPerSecond);
        return RateLimitPartition.GetTokenBucketLimiter(partition, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = perSecond,
            TokensPerPeriod = perSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
        });
    }
}
