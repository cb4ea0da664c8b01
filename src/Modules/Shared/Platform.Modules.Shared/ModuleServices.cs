using System.Reflection;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Platform.Modules.Shared.Events;
using Platform.Modules.Shared.Jobs;

namespace Platform.Modules.Shared;

/// <summary>Registration helpers every module's <c>Add&lt;Module&gt;()</c> uses, so they all look the same.</summary>
public static class ModuleServices
{
    public const string ConnectionStringName = "Platform";

    /// <summary>
    /// The one PostgreSQL connection string; a clear error instead of a null deep inside Npgsql. Every session it opens
    /// runs with PostgreSQL's JIT compiler off (unless the configured string sets <c>jit</c> itself): the set-based
    /// statements over a batch of a thousand messages have plan costs above <c>jit_above_cost</c>, so each call
    /// compiled its plan with LLVM — 100–500 ms of CPU for a statement that runs in 20–50 ms. Measured on the SMPP
    /// campaign benchmark (200,000 recipients, docs/benchmarks.md): 3,515 msg/s with JIT, 5,457 without.
    /// </summary>
    public static string PlatformConnectionString(this IConfiguration configuration)
    {
        if (configuration.GetConnectionString(ConnectionStringName) is not { Length: > 0 } value)
        {
            throw new InvalidOperationException(
                "ConnectionStrings:Platform is not set. Set it in appsettings or as ConnectionStrings__Platform.");
        }

        var builder = new Npgsql.NpgsqlConnectionStringBuilder(value);
        if (builder.Options?.Contains("jit=", StringComparison.Ordinal) != true)
        {
            builder.Options = $"{builder.Options} -c jit=off".Trim();
        }

        return builder.ConnectionString;
    }

    /// <summary>The pieces shared by all modules: MediatR, the validation pipeline, the tenant context.</summary>
    public static IServiceCollection AddPlatformCore(this IServiceCollection services)
    {
        services.AddHttpContextAccessor();
        services.TryAddScoped<ServiceFactory>(provider => provider.GetService!);
        services.TryAddScoped<IMediator, Mediator>();
        services.TryAddEnumerable(ServiceDescriptor.Scoped(typeof(IPipelineBehavior<,>), typeof(ValidationBehavior<,>)));
        services.TryAddScoped<ITenantContext, HttpTenantContext>();
        services.TryAddSingleton<PublicLinks>();
        return services;
    }

    /// <summary>
    /// Registers a module: its <see cref="IModule"/> (for the migrator and the inventory), its DbContext bound to its
    /// own schema, and its MediatR handlers and validators found by Scrutor in its own assembly, internal types included.
    /// </summary>
    public static IServiceCollection AddModule<TContext>(
        this IServiceCollection services,
        IConfiguration configuration,
        IModule module)
        where TContext : DbContext
    {
        var (name, schema, assembly) = (module.Name, module.Schema, typeof(TContext).Assembly);
        services.AddPlatformCore();
        services.AddSingleton(module);
        var connectionString = configuration.PlatformConnectionString();
        // The options are built once (a singleton), not per scope: they depend on nothing scoped, and building them for
        // every request (UseNpgsql, then EF comparing the new options with its cached ones to find its internal services)
        // showed in a profile of the campaign page, and again in every job scope (issue 13).
        services.AddDbContext<TContext>(options => options
            .UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable("__ef_unused", schema))
            .UseSnakeCaseNamingConvention()
            .ReplaceService<IModelCustomizer, ModuleEventsModelCustomizer>(),
            contextLifetime: ServiceLifetime.Scoped, optionsLifetime: ServiceLifetime.Singleton);
        services.AddModuleHandlers(assembly);
        services.AddModuleEvents(configuration, new ModuleEventContext(name, schema, assembly, typeof(TContext)));
        return services;
    }

    /// <summary>
    /// The durable module events: the module's outbox, inbox and positions are mapped in its DbContext (by
    /// <see cref="ModuleEventsModelCustomizer"/>), and one <see cref="ModuleEventDispatcher"/> per host delivers them.
    /// </summary>
    private static void AddModuleEvents(this IServiceCollection services, IConfiguration configuration, ModuleEventContext module)
    {
        services.AddSingleton(module);
        services.AddOptions<ModuleEventsOptions>().Bind(configuration.GetSection(ModuleEventsOptions.Section));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ModuleEventDispatcher>());
        if (!services.Any(d => d.ImplementationInstance is RecurringJobDefinition { Id: ModuleEventsHealthJob.Id }))
        {
            services.AddRecurringJob<ModuleEventsHealthJob>(ModuleEventsHealthJob.Id, "0 * * * * *",
                "Module events that keep failing (3 attempts or more) end this run Failed, with their handlers' last errors; the dispatcher retries them with back-off.");
        }
    }

    public static IServiceCollection AddModuleHandlers(this IServiceCollection services, Assembly assembly)
    {
        services.Scan(scan => scan
            .FromAssemblies(assembly)
            .AddClasses(classes => classes.AssignableToAny(
                    typeof(IRequestHandler<,>),
                    typeof(INotificationHandler<>),
                    typeof(IRequestValidator<>)),
                publicOnly: false)
            .AsImplementedInterfaces()
            .WithScopedLifetime());
        return services;
    }
}
