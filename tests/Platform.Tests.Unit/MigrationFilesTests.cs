using Platform.Modules.Accounts;
using Platform.Modules.Shared;

namespace Platform.Tests.Unit;

public sealed class MigrationFilesTests
{
    [Fact]
    public void Checksum_ignores_line_ending_style_but_not_content()
    {
        ModuleMigrator.Checksum("CREATE TABLE a ();\r\n").Should().Be(ModuleMigrator.Checksum("CREATE TABLE a ();\n"));
        ModuleMigrator.Checksum("CREATE TABLE a ();").Should().NotBe(ModuleMigrator.Checksum("CREATE TABLE b ();"));
    }

    [Fact]
    public void Module_migrations_are_embedded_and_ordered_by_name()
    {
        var module = new ModuleDescriptor(AccountsModule.Name, "accounts", typeof(AccountsModule).Assembly);
        var migrations = ModuleMigrator.ReadMigrations(module);

        migrations.Should().NotBeEmpty();
        migrations[0].Name.Should().Be("0001_accounts.sql");
        migrations.Select(m => m.Name).Should().BeInAscendingOrder(StringComparer.Ordinal);
        migrations[0].Sql.Should().Contain("CREATE TABLE accounts.users");
    }
}
