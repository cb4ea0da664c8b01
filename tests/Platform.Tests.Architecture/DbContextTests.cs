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

    [Theory]
    [InlineData("first_name")]
    [InlineData("surname")]
    [InlineData("phone")]
    [InlineData("mobile_number")]
    [InlineData("email")]
    [InlineData("billing_address")]
    [InlineData("postal_code")]
    [InlineData("imei")]
    [InlineData("ip")]
    [InlineData("client_ip_address")]
    [InlineData("date_of_birth")]
    [InlineData("age")]
    [InlineData("age_band")]
    [InlineData("gender")]
    public void A_column_named_like_personal_data_must_declare_it(string column) => LooksPersonal().IsMatch(column).Should().BeTrue();

    [Theory]
    [InlineData("email_confirmed")]
    [InlineData("company_id")]
    [InlineData("name")]
    [InlineData("message")]
    [InlineData("page")]
    public void Other_columns_are_not_taken_for_personal_data(string column) => LooksPersonal().IsMatch(column).Should().BeFalse();

    /// <summary>Name, phone, email, address, postal code, IMEI, IP, birth/age, gender (snake_case column names).</summary>
    [GeneratedRegex("^(?!.*_confirmed$).*(first_name|surname|last_name|full_name|user_name|given_name|family_name|phone|mobile|msisdn|email|address|imei|(^|_)ip($|_)|network_prefix|postal|zip|birth|(^|_)age($|_)|age_band|gender|(^|_)sex($|_))")]
    private static partial Regex LooksPersonal();
}
