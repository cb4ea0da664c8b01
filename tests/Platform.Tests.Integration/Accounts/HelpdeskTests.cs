using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Accounts;

/// <summary>
/// The helpdesk (issue #17 item 6): a visitor writes from the public Contact page, a business user opens a request with
/// attachments on Support, staff answer from Admin → Support; every step is emailed to the other side once, attachments
/// follow the document rules (type by content) and only the ticket's owner and staff can open a ticket or its files.
/// </summary>
public sealed partial class HelpdeskTests(MailPlatformFactory factory) : IClassFixture<MailPlatformFactory>
{
    private static readonly byte[] Pdf = Encoding.ASCII.GetBytes("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D];

    [Fact]
    public async Task A_visitor_writes_from_Contact_staff_answer_and_the_visitor_is_emailed_the_answer()
    {
        var visitor = factory.CreateFormClient();
        var email = $"{Guid.NewGuid():N}@visitor.example";
        var (status, page) = await visitor.GetAsync("/Contact");
        status.Should().Be(HttpStatusCode.OK);
        page.Should().Contain("id=\"Input_Email\"", "a visitor gives an address to answer");

        var sent = await visitor.PostFormAsync("/Contact", new()
        {
            ["Input.Name"] = "Vera Visitor", ["Input.Email"] = email, ["Input.Subject"] = "Do you send to Ireland?", ["Input.Message"] = "We are a bakery in Cork.\nCan we text our customers?",
        });
        sent.StatusCode.Should().Be(HttpStatusCode.Redirect, await sent.Content.ReadAsStringAsync());
        (await visitor.GetAsync("/Contact")).Body.Should().MatchRegex("Your request is #\\d+");
        var ticketId = await factory.Database.ScalarAsync<Guid>("SELECT id FROM accounts.support_tickets WHERE email = @e AND user_id IS NULL", ("e", email));
        (await EmailsAsync("accounts.support-received", email)).Should().Be(1);
        (await EmailsAsync("accounts.support-staff", PlatformFactory.AdminEmail, ticketId)).Should().Be(1);

        // Staff see it waiting, answer with a file and close it; the visitor reads the answer in the email.
        var admin = await factory.LoginAsync(PlatformFactory.AdminEmail, PlatformFactory.AdminPassword);
        (await admin.GetAsync("/Admin/Support")).Body.Should().Contain("Do you send to Ireland?").And.Contain("Visitor");
        var answered = await PostWithFilesAsync(admin, $"/Admin/Support/Ticket?id={ticketId}",
            new() { ["Input.Message"] = "Yes: Ireland is covered. Register and apply for a Sender ID.", ["Input.Close"] = "true" },
            [("prices.png", Png, "image/png")]);
        answered.StatusCode.Should().Be(HttpStatusCode.Redirect, await answered.Content.ReadAsStringAsync());
        (await factory.Database.ScalarAsync<string>("SELECT status FROM accounts.support_tickets WHERE id = @id", ("id", ticketId))).Should().Be("Closed");
        var answer = await factory.Smtp.WaitForAsync(m => m.To.ToString().Contains(email, StringComparison.OrdinalIgnoreCase) && (m.Subject ?? string.Empty).StartsWith("Re: your request", StringComparison.Ordinal));
        answer.TextBody.Should().Contain("Yes: Ireland is covered.").And.Contain("We have closed this request.");
        (await EmailsAsync("accounts.support-answer", email)).Should().Be(1);
    }

    [Fact]
    public async Task A_business_user_opens_a_request_with_attachments_follows_it_and_only_they_and_staff_can_open_it()
    {
        var (owner, _) = await factory.CompanyAsync($"Helpdesk {Guid.NewGuid():N}"[..30]);
        var opened = await PostWithFilesAsync(owner, "/Accounts/Support",
            new() { ["Input.Subject"] = "Invoice address", ["Input.Message"] = "Please put our VAT number on the invoice." },
            [("certificate.pdf", Pdf, "application/pdf")]);
        opened.StatusCode.Should().Be(HttpStatusCode.Redirect, await opened.Content.ReadAsStringAsync());
        var ticketPath = opened.Headers.Location!.OriginalString;
        ticketPath.Should().StartWith("/Accounts/Support/Ticket?id=");

        var (_, thread) = await owner.GetAsync(ticketPath);
        thread.Should().Contain("Please put our VAT number on the invoice.").And.Contain("certificate.pdf");
        var download = WebUtility.HtmlDecode(AttachmentLink().Match(thread).Groups[1].Value);
        var file = await owner.Http.GetAsync(ticketPath.Split('?')[0] + download);
        file.StatusCode.Should().Be(HttpStatusCode.OK);
        file.Content.Headers.ContentType!.MediaType.Should().Be("application/pdf");
        (await file.Content.ReadAsByteArrayAsync()).Should().Equal(Pdf);

        // Another company's user sees neither the ticket nor its file.
        var (other, _) = await factory.CompanyAsync($"Other {Guid.NewGuid():N}"[..30]);
        (await other.Http.GetAsync(ticketPath)).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await other.Http.GetAsync(ticketPath.Split('?')[0] + download)).StatusCode.Should().Be(HttpStatusCode.NotFound);

        // Staff answer: the owner is emailed with a link back; the owner replies and the request waits for staff again.
        var ticketId = Guid.Parse(ticketPath[(ticketPath.IndexOf('=', StringComparison.Ordinal) + 1)..]);
        var admin = await factory.LoginAsync(PlatformFactory.AdminEmail, PlatformFactory.AdminPassword);
        (await PostWithFilesAsync(admin, $"/Admin/Support/Ticket?id={ticketId}", new() { ["Input.Message"] = "Add it under Profile, then download the invoice again." }, []))
            .StatusCode.Should().Be(HttpStatusCode.Redirect);
        var ownerEmail = await factory.Database.ScalarAsync<string>("SELECT email FROM accounts.support_tickets WHERE id = @id", ("id", ticketId));
        (await factory.Database.ScalarAsync<string>("SELECT text_body FROM platform.emails WHERE kind = 'accounts.support-answer' AND to_address = @e", ("e", ownerEmail!)))
            .Should().Contain("Add it under Profile").And.Contain($"/Accounts/Support/Ticket?id={ticketId}");
        (await PostWithFilesAsync(owner, ticketPath, new() { ["Input.Message"] = "Done, thank you." }, [])).StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await factory.Database.ScalarAsync<string>("SELECT status FROM accounts.support_tickets WHERE id = @id", ("id", ticketId))).Should().Be("Open");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM platform.emails WHERE kind = 'accounts.support-staff' AND text_body LIKE '%Done, thank you.%'"))
            .Should().Be(1);
        (await owner.GetAsync("/Accounts/Support")).Body.Should().Contain("Invoice address");
    }

    [Fact]
    public async Task Bad_requests_are_refused_with_a_message_and_change_nothing()
    {
        var (owner, companyId) = await factory.CompanyAsync($"Bad help {Guid.NewGuid():N}"[..30]);
        (string Name, byte[] Content, string Type)[] fake = [("invoice.pdf", Encoding.UTF8.GetBytes("<script>alert(1)</script>"), "application/pdf")];
        (string, byte[], string)[] four = [("a.pdf", Pdf, "application/pdf"), ("b.pdf", Pdf, "application/pdf"), ("c.pdf", Pdf, "application/pdf"), ("d.pdf", Pdf, "application/pdf")];
        (string, byte[], string)[] path = [("../../etc/passwd.pdf", Pdf, "application/pdf")];
        var cases = new (Dictionary<string, string> Form, (string, byte[], string)[] Files, string Message)[]
        {
            (new() { ["Input.Subject"] = "Hi", ["Input.Message"] = "See the file" }, fake, "is not a PDF, PNG or JPEG file"),
            (new() { ["Input.Subject"] = "Hi", ["Input.Message"] = "See the files" }, four, "Attach at most 3 files."),
            (new() { ["Input.Subject"] = "Hi", ["Input.Message"] = "See the file" }, path, "must not contain a path"),
            (new() { ["Input.Subject"] = string.Empty, ["Input.Message"] = "No subject" }, [], "Enter a subject."),
        };
        foreach (var (form, files, message) in cases)
        {
            var response = await PostWithFilesAsync(owner, "/Accounts/Support", form, files);
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()).Should().Contain(message);
        }

        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM accounts.support_tickets WHERE company_id = @c", ("c", companyId))).Should().Be(0);

        var visitor = factory.CreateFormClient();
        var noAddress = await visitor.PostFormAsync("/Contact", new() { ["Input.Name"] = "Nobody", ["Input.Subject"] = "Hi", ["Input.Message"] = "Hello" });
        noAddress.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await noAddress.Content.ReadAsStringAsync()).Should().Contain("Enter your email address, so we can answer.");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM accounts.support_tickets WHERE name = 'Nobody'")).Should().Be(0);

        foreach (var page in new[] { "/Faq", "/About", "/Contact" })
        {
            (await visitor.GetAsync(page)).Status.Should().Be(HttpStatusCode.OK, $"{page} is public");
        }
    }

    private static async Task<HttpResponseMessage> PostWithFilesAsync(FormClient client, string url, Dictionary<string, string> fields, IEnumerable<(string Name, byte[] Content, string Type)> files)
    {
        var (_, page) = await client.GetAsync(url);
        var content = new MultipartFormDataContent { { new StringContent(FormClient.TokenIn(page)!), "__RequestVerificationToken" } };
        foreach (var (name, value) in fields)
        {
            content.Add(new StringContent(value), name);
        }

        foreach (var (name, bytes, type) in files)
        {
            var file = new ByteArrayContent(bytes);
            file.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
            content.Add(file, "Input.Attachments", name);
        }

        return await client.Http.PostAsync(url, content);
    }

    private async Task<long> EmailsAsync(string kind, string to, Guid? ticketId = null) =>
        await factory.Database.ScalarAsync<long>(
            "SELECT count(*) FROM platform.emails WHERE kind = @k AND lower(to_address) = lower(@t) AND (@ticket = '' OR text_body LIKE '%' || @ticket || '%')",
            ("k", kind), ("t", to), ("ticket", ticketId?.ToString() ?? string.Empty));

    [GeneratedRegex("href=\"(\\?id=[^\"]+?handler=Attachment(?:&amp;|&)attachment=[^\"]+)\"")]
    private static partial Regex AttachmentLink();
}
