using System.Net;
using System.Text;

namespace Platform.Tests.Integration.SenderIds;

/// <summary>Every field of the application form, with the message a person sees; nothing is stored when refused.</summary>
public sealed class ApplicationValidationTests(SenderIdsFactory factory) : IClassFixture<SenderIdsFactory>
{
    [Theory]
    [InlineData("Input.SenderId", "ABCDEFGHIJKL", "3 to 11 characters")]
    [InlineData("Input.SenderId", "123456", "An all-digit Sender ID must be applied for as numeric")]
    [InlineData("Input.SenderId", "AB", "3 to 11 characters")]
    [InlineData("Input.SenderId", "PIZZA!", "Remove the other characters")]
    [InlineData("Input.SenderId", "", "Enter the Sender ID you apply for")]
    [InlineData("Input.Countries[0]", "XX", "\"XX\" is not a country code")]
    [InlineData("Input.UseCase", "", "Describe what you will send with this Sender ID")]
    [InlineData("Input.UseCase", "short", "Describe the use case in 10 to 1000 characters")]
    [InlineData("Input.SampleMessages", "", "Give at least one sample message")]
    [InlineData("Input.RegistrationNumber", "", "Enter your company registration number")]
    [InlineData("Input.RegistrationNumber", "<script>", "Enter the company registration number as on your certificate")]
    public async Task A_field_that_breaks_its_rule_is_refused_with_a_clear_message(string field, string value, string message)
    {
        var owner = await factory.NewCompanyAsync("Fields");
        var fields = SenderIdsFactory.ValidFields("PIZZA", "GB");
        fields[field] = value;

        await RefusedAsync(owner, fields, SenderIdsFactory.ValidFiles(), message);
    }

    [Theory]
    [InlineData("Numeric", "12", "a short code of 3 to 8 digits")]
    [InlineData("Numeric", "123456789", "a short code of 3 to 8 digits")]
    [InlineData("Numeric", "+44 12", "long code in international format")]
    [InlineData("Numeric", "PIZZA", "long code in international format")]
    public async Task A_numeric_sender_must_be_a_long_code_or_a_short_code(string kind, string value, string message)
    {
        var owner = await factory.NewCompanyAsync("Numeric");
        var fields = SenderIdsFactory.ValidFields(value, "GB");
        fields["Input.Kind"] = kind;

        await RefusedAsync(owner, fields, SenderIdsFactory.ValidFiles(), message);
    }

    [Fact]
    public async Task No_country_is_refused()
    {
        var owner = await factory.NewCompanyAsync("Countries");
        await RefusedAsync(owner, SenderIdsFactory.ValidFields("PIZZA"), SenderIdsFactory.ValidFiles(), "Choose at least one country");
    }

    public static TheoryData<string, string, string, string> BadFiles() => new()
    {
        { "renamed executable", "letter.pdf", "application/pdf", "is not a PDF, PNG or JPEG file (checked by its content" },
        { "svg with script", "letter.png", "image/svg+xml", "is not a PDF, PNG or JPEG file (checked by its content" },
        { "oversize pdf", "letter.pdf", "application/pdf", "is larger than 5 MB" },
        { "path traversal", "../../etc/passwd.pdf", "application/pdf", "file name must not contain a path" },
        { "windows path traversal", "..\\..\\boot.pdf", "application/pdf", "file name must not contain a path" },
        { "missing", "", "", "Attach the authorisation letter" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public async Task An_unsafe_or_unsupported_document_is_refused(string what, string fileName, string claimedType, string message)
    {
        var content = what switch
        {
            "renamed executable" => Encoding.ASCII.GetBytes("MZ\x90\0\x03\0\0\0This program cannot be run in DOS mode."),
            "svg with script" => Encoding.UTF8.GetBytes("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(document.cookie)</script></svg>"),
            "oversize pdf" => [.. SenderIdsFactory.Pdf, .. new byte[5 * 1024 * 1024]],
            _ => SenderIdsFactory.Pdf,
        };
        var owner = await factory.NewCompanyAsync("Files");
        var files = SenderIdsFactory.ValidFiles();
        files["Input.AuthorisationLetter"] = what == "missing" ? null : new Upload(content, fileName, claimedType);

        await RefusedAsync(owner, SenderIdsFactory.ValidFields("PIZZA", "GB"), files, message);
    }

    [Fact]
    public async Task A_valid_application_is_a_draft_with_its_files_stored_under_random_ids_and_types_from_content()
    {
        var owner = await factory.NewCompanyAsync("Valid");
        var files = SenderIdsFactory.ValidFiles();
        files["Input.RegistrationCertificate"] = new Upload(SenderIdsFactory.Jpeg, "certificate.exe", "application/octet-stream");

        var response = await SenderIdsFactory.PostApplyAsync(owner, SenderIdsFactory.ValidFields("Pizza Co", "GB", "IE"), files);

        response.StatusCode.Should().Be(HttpStatusCode.Redirect, WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()));
        var id = Guid.Parse(response.Headers.Location!.ToString().Split('/')[^1]);
        (await factory.Database.ScalarAsync<string>("SELECT status FROM senderids.applications WHERE id = @id", ("id", id))).Should().Be("Draft");
        (await factory.Database.ScalarAsync<string>("SELECT string_agg(content_type, ',' ORDER BY kind) FROM senderids.documents WHERE application_id = @id", ("id", id)))
            .Should().Be("application/pdf,image/jpeg");
        var stored = Directory.GetFiles(factory.DocumentsPath).Select(Path.GetFileName).ToList();
        stored.Should().NotContain(name => name!.Contains('.'), "files are stored under their id, never under the uploaded name");
        var (_, page) = await owner.GetAsync($"/SenderIds/Details/{id}");
        WebUtility.HtmlDecode(page).Should().Contain("Pizza Co").And.Contain("GB, IE").And.Contain("Draft");
    }

    private async Task RefusedAsync(Infrastructure.FormClient owner, Dictionary<string, string> fields, Dictionary<string, Upload?> files, string message)
    {
        var before = await factory.Database.ScalarAsync<long>("SELECT count(*) FROM senderids.applications");
        var filesBefore = Directory.Exists(factory.DocumentsPath) ? Directory.GetFiles(factory.DocumentsPath).Length : 0;

        var response = await SenderIdsFactory.PostApplyAsync(owner, fields, files);

        var body = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        response.StatusCode.Should().Be(HttpStatusCode.OK, body);
        body.Should().Contain(message);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM senderids.applications")).Should().Be(before);
        (Directory.Exists(factory.DocumentsPath) ? Directory.GetFiles(factory.DocumentsPath).Length : 0).Should().Be(filesBefore);
    }
}
