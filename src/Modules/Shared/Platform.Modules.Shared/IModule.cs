using System.Reflection;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.Modules.Shared;

/// <summary>
/// Everything the host and the tests need to know about a module to run and check it: its name, the PostgreSQL
/// schema it owns, the assembly that carries its SQL migrations (embedded resources under <c>Migrations/</c>), its
/// Razor area and the policy that guards it, and how to add its services and map its endpoints. Each module exposes
/// one as <c>&lt;M&gt;Module.Definition</c>; the host's <c>ModuleRegistry.Modules</c> lists them, and every other list
/// of modules (areas, migrations, architecture and schema tests) is read from there.
/// </summary>
public interface IModule
{
    string Name { get; }

    string Schema { get; }

    Assembly Assembly { get; }

    /// <summary>The Razor area of the module's pages (<c>Areas/&lt;Area&gt;/Pages</c>).</summary>
    string Area { get; }

    /// <summary>The authorization policy every page of <see cref="Area"/> requires; null when its pages decide for themselves (sign-in, registration).</summary>
    string? AreaPolicy { get; }

    /// <summary>Registers the module's services; it also registers this <see cref="IModule"/> (see <c>ModuleServices.AddModule</c>).</summary>
    IServiceCollection AddServices(IServiceCollection services, IConfiguration configuration);

    IEndpointRouteBuilder MapEndpoints(IEndpointRouteBuilder endpoints);
}

/// <summary>
/// The plain implementation: a record so tests can compare them. Without <see cref="Services"/> and
/// <see cref="Endpoints"/> it is a schema with migrations and nothing else (the host's own <c>platform</c> tables).
/// </summary>
public sealed record ModuleDescriptor(string Name, string Schema, Assembly Assembly) : IModule
{
    public string Area { get; init; } = Name;

    public string? AreaPolicy { get; init; }

    /// <summary>The module's <c>Add&lt;M&gt;(services, configuration)</c>.</summary>
    public Func<IServiceCollection, IConfiguration, IServiceCollection>? Services { get; init; }

    /// <summary>The module's <c>Map&lt;M&gt;(endpoints)</c>.</summary>
    public Func<IEndpointRouteBuilder, IEndpointRouteBuilder>? Endpoints { get; init; }

    public IServiceCollection AddServices(IServiceCollection services, IConfiguration configuration) =>
        Services?.Invoke(services, configuration) ?? services.AddSingleton<IModule>(this);

    public IEndpointRouteBuilder MapEndpoints(IEndpointRouteBuilder endpoints) => Endpoints?.Invoke(endpoints) ?? endpoints;
}
