using System.Text.RegularExpressions;
using Platform.Host.Infrastructure;

namespace Platform.Tests.Architecture;

/// <summary>
/// Adding a module is one new folder plus one line in <see cref="ModuleRegistry.Modules"/>: these tests fail when a
/// module is wired in without being on that list, or when another list of the modules grows back anywhere.
/// </summary>
public sealed partial class ModuleListTests
{
    [Fact]
    public void Every_module_the_host_references_is_on_the_module_list()
    {
        var referenced = typeof(ModuleRegistry).Assembly.GetReferencedAssemblies()
            .Select(r => r.Name!)
            .Where(name => name.StartsWith("Platform.Modules.", StringComparison.Ordinal))
            .Where(name => name != "Platform.Modules.Shared" && !name.EndsWith(".Contracts", StringComparison.Ordinal));

        referenced.Should().BeEquivalentTo(ModuleRegistry.Modules.Select(m => m.Assembly.GetName().Name));
    }

    [Fact]
    public void Each_module_on_the_list_is_named_after_its_assembly_and_owns_a_schema_of_its_own()
    {
        foreach (var module in ModuleRegistry.Modules)
        {
            module.Assembly.GetName().Name.Should().Be($"Platform.Modules.{module.Name}");
            module.Schema.Should().Be(module.Name.ToLowerInvariant());
        }

        ModuleRegistry.Modules.Select(m => m.Schema).Should().OnlyHaveUniqueItems();
    }

    [Fact]
    public void The_module_list_is_the_only_list_of_the_modules()
    {
        var names = ModuleRegistry.Modules.Select(m => m.Name).ToList();
        var root = RepositoryRoot();
        var lists = new List<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories)
                     .Concat(Directory.EnumerateFiles(Path.Combine(root, "tests"), "*.cs", SearchOption.AllDirectories)))
        {
            var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
            if (relative.Contains("/bin/", StringComparison.Ordinal) || relative.Contains("/obj/", StringComparison.Ordinal)
                || relative == "src/Host/Platform.Host/Infrastructure/ModuleRegistry.cs")
            {
                continue;
            }

            // A file that names every module (as "Name", "name" or NameModule) is a list of them.
            var mentioned = ModuleMention().Matches(File.ReadAllText(file))
                .Select(m => m.Groups["name"].Value)
                .ToHashSet(StringComparer.OrdinalIgnoreCase);
            if (names.All(mentioned.Contains))
            {
                lists.Add(relative);
            }
        }

        lists.Should().BeEmpty("the host's ModuleRegistry.Modules is the one list of the modules; read it instead");
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Platform.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"Platform.sln was not found above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex("\"(?<name>[A-Za-z]+)\"|\\b(?<name>[A-Z][A-Za-z]+)Module\\b")]
    private static partial Regex ModuleMention();
}
