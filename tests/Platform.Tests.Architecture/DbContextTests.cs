using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Shared;

namespace Platform.Tests.Architecture;

public sealed partial class DbContextTests
{
    public static TheoryData<string> Modules() => ModuleBoundaryTests.Modules();

    private static Assembly Implementation(string module) =>
        ModuleCatalog.Implementations.Single(a => ModuleCatalog.ModuleName(a) == module);

    [Theory]
    [MemberData(nameof(Modules))]
    public void Each_module_has_exactly_one_DbContext(string module) =>
        ModuleCatalog.DbContextTypes(Implementation(module)).Should().ContainSingle();

    [Theory]
    [MemberData(nameof(Modules))]
    public void A_DbContext_maps_only_its_own_schema(string module)
    {
        var contextType = ModuleCatalog.DbContextTypes(Implementation(module)).Single();
        using var context = ModuleCatalog.CreateDbContext(contextType);
        var ownSchema = (string)contextType.GetField("Schema")!.GetValue(null)!;

        ownSchema.Should().Be(module.ToLowerInvariant());
        context.Model.GetDefaultSchema().Should().Be(ownSchema);
        context.Model.GetEntityTypes()
            .Select(e => (Entity: e.DisplayName(), Schema: e.GetSchema() ?? context.Model.GetDefaultSchema()))
            .Where(e => e.Schema != ownSchema)
            .Should().BeEmpty();
    }

    [Fact]
    public void No_entity_type_lives_in_two_DbContexts()
    {
        var owners = new Dictionary<Type, string>();
        foreach (var assembly in ModuleCatalog.Implementations)
        {
            using var context = ModuleCatalog.CreateDbContext(ModuleCatalog.DbContextTypes(assembly).Single());
            foreach (var entity in context.Model.GetEntityTypes().Where(e => !e.IsOwned()))
            {
                owners.TryAdd(entity.ClrType, ModuleCatalog.ModuleName(assembly)).Should()
                    .BeTrue($"{entity.ClrType.Name} is mapped by {ModuleCatalog.ModuleName(assembly)} and another module");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Modules))]
    public void Columns_that_look_personal_declare_PersonalData(string module)
    {
        using var context = ModuleCatalog.CreateDbContext(ModuleCatalog.DbContextTypes(Implementation(module)).Single());
        var undeclared = new List<string>();
        foreach (var entity in context.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                var column = property.GetColumnName();
                if (!LooksPersonal().IsMatch(column) || property.PropertyInfo is null)
                {
                    continue;
                }

                if (property.PropertyInfo.GetCustomAttribute<PersonalDataAttribute>(inherit: true) is null)
                {
                    undeclared.Add($"{entity.GetTableName()}.{column}");
                }
            }
        }

        undeclared.Should().BeEmpty("the Privacy module builds its inventory, export and erasure from [PersonalData]");
    }

    [GeneratedRegex("^(?!.*_confirmed$).*(first_name|surname|last_name|full_name|user_name|phone|mobile|msisdn|email|address|imei|ip_address|postal)")]
    private static partial Regex LooksPersonal();
}
