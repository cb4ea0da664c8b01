using System.Reflection;

namespace Platform.Modules.Shared;

/// <summary>
/// What the host needs to know about a module to run it: its name, the PostgreSQL schema it owns and
/// the assembly that carries its SQL migrations (embedded resources under <c>Migrations/</c>).
/// Each module registers exactly one of these from its <c>Add&lt;Module&gt;()</c>.
/// </summary>
public interface IModule
{
    string Name { get; }

    string Schema { get; }

    Assembly Assembly { get; }
}

/// <summary>The plain implementation modules register; a record so tests can compare them.</summary>
public sealed record ModuleDescriptor(string Name, string Schema, Assembly Assembly) : IModule;
