using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Platform.Modules.Shared.Jobs;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Privacy;

/// <summary>
/// Newsletters (issue #17 item 5): an admin writes one in Markdown, previews it, sends a test to themself and sends it by
/// email and SMS to the business users who opted in on that channel; the email arrives at a real SMTP server with a
/// one-click unsubscribe (RFC 8058) that works without signing in, and a STOP texted to the platform number after the
/// newsletter SMS ends SMS newsletters. Each is counted on the newsletter.
/// </summary>
public sealed partial class NewsletterTests(MailPlatformFactory factory) : IClassFixture<MailPlatformFactory>
{
    private const string Edit = "/Admin/Newsletters/Edit";

    [Fact]
    public async Task A_newsletter_reaches_once_those_opted_in_on_each_channel_and_unsubscribe_and_STOP_withdraw_consent()
    {
        var both = await BusinessUserAsync("email", "sms");
        var emailOnly = await BusinessUserAsync("email");
        var none = await BusinessUserAsync();
        var withdrawn = await BusinessUserAsync("email", "sms");
        var client = await factory.LoginAsync(withdrawn.Email, "Passw0rdPassw0rd");
        (await client.PostFormAsync("/Privacy/Account", new() { ["NewsletterEmail"] = "false", ["NewsletterSms"] = "false" }, handler: "Consents"))
            .StatusCode.Should().Be(HttpStatusCode.Redirect);
        var admin = await factory.LoginAsync(PlatformFactory.AdminEmail, PlatformFactory.AdminPassword);

        var saved = await admin.PostFormAsync(Edit, Form(
            "Spring update",
            "**New**: two-way inbox.\n\n<script>alert(1)</script>\n\n[Read more](https://example.com/spring) or [not this](javascript:alert(1))",
            "Spring update: two-way inbox is here."), "Save");
        saved.StatusCode.Should().Be(HttpStatusCode.Redirect, await saved.Content.ReadAsStringAsync());
        var id = Guid.Parse(IdIn().Match(saved.Headers.Location!.OriginalString).Groups[1].Value);

        // The preview renders the Markdown; raw HTML is shown as text and a javascript: link goes nowhere.
        var (_, page) = await admin.GetAsync($"{Edit}?id={id}");
        page.Should().Contain("Opted in now: 2 by email, 1 by SMS");
        var preview = Regex.Match(page, "<div class=\"border rounded p-3 bg-white\" id=\"preview\">.*?</div>", RegexOptions.Singleline).Value;
        preview.Should().Contain("<strong>New</strong>").And.Contain("&lt;script&gt;").And.Contain("href=\"https://example.com/spring\"")
            .And.NotContain("javascript:").And.NotContain("<script");

        // A test goes to the admin only.
        (await admin.PostFormAsync($"{Edit}?id={id}", Form("Spring update", "**New**: two-way inbox.", "Spring update: two-way inbox is here."), "Test"))
            .StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await EmailsAsync(PlatformFactory.AdminEmail)).Should().Be(1);
        (await EmailsAsync(both.Email)).Should().Be(0, "a test is not the newsletter");

        var sent = await admin.PostFormAsync($"{Edit}?id={id}", Form("Spring update", "**New**: two-way inbox.\n\n[Read more](https://example.com/spring)", "Spring update: two-way inbox is here."), "Send");
        sent.StatusCode.Should().Be(HttpStatusCode.Redirect, await sent.Content.ReadAsStringAsync());
        await factory.Database.WaitForAsync("the newsletter sent", TimeSpan.FromSeconds(90),
            "SELECT status = 'Sent' FROM privacy.newsletters WHERE id = @id", ("id", id));

        // Another run finds nothing more to send: once per person and channel.
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<RecurringJobRunner>().RunAsync("privacy.send-newsletters", CancellationToken.None);
        }

        (await EmailsAsync(both.Email)).Should().Be(1);
        (await EmailsAsync(emailOnly.Email)).Should().Be(1);
        (await EmailsAsync(none.Email)).Should().Be(0, "no consent, no newsletter");
        (await EmailsAsync(withdrawn.Email)).Should().Be(0, "the latest choice counts: consent given, then withdrawn");
        (await factory.ReceivedByAsync(withdrawn.Mobile)).Should().NotContain(m => m.Text.Contains("Spring update", StringComparison.Ordinal));
        (await factory.ReceivedByAsync(both.Mobile)).Should().ContainSingle(m => m.Text.Contains("Spring update: two-way inbox is here. Reply STOP", StringComparison.Ordinal));
        (await factory.ReceivedByAsync(emailOnly.Mobile)).Should().NotContain(m => m.Text.Contains("Spring update", StringComparison.Ordinal));

        // The email at the SMTP server carries the one-click unsubscribe headers; a POST to it, as a mail app sends it
        // (no cookie, no form token), unsubscribes.
        var arrived = await factory.Smtp.WaitForAsync(m => m.To.ToString().Contains(emailOnly.Email, StringComparison.OrdinalIgnoreCase) && m.Subject == "Spring update");
        arrived.HtmlBody.Should().Contain("<strong>New</strong>");
        arrived.Headers["List-Unsubscribe-Post"].Should().Be("List-Unsubscribe=One-Click");
        var oneClick = new Uri(arrived.Headers["List-Unsubscribe"]!.Trim('<', '>'));
        using (var mailApp = factory.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false }))
        {
            var unsubscribed = await mailApp.PostAsync(oneClick.PathAndQuery, new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));
            unsubscribed.StatusCode.Should().Be(HttpStatusCode.OK, await unsubscribed.Content.ReadAsStringAsync());
            var forged = await mailApp.PostAsync(oneClick.PathAndQuery[..^4] + "AAAA", new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));
            forged.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        }

        (await LatestConsentAsync(emailOnly.UserId, "email")).Should().BeFalse();

        // STOP from the handset the newsletter SMS went to, through the simulator carrier.
        await factory.TextPlatformAsync(both.Mobile, "STOP");
        (await LatestConsentAsync(both.UserId, "sms")).Should().BeFalse();
        (await LatestConsentAsync(both.UserId, "email")).Should().BeTrue("STOP ends SMS newsletters only");
        (await factory.ReceivedByAsync(both.Mobile)).Should().Contain(m => m.Text.Contains("no more newsletters from us by SMS", StringComparison.Ordinal));

        var (_, progress) = await admin.GetAsync($"{Edit}?id={id}");
        Row(progress, "email").Should().MatchRegex("class=\"sent\">2<").And.MatchRegex("class=\"unsubscribed\">1<");
        Row(progress, "sms").Should().MatchRegex("class=\"sent\">1<").And.MatchRegex("class=\"unsubscribed\">1<");
    }

    [Fact]
    public async Task A_bad_newsletter_is_refused_with_a_message_and_nothing_is_saved_and_company_users_cannot_open_the_page()
    {
        var admin = await factory.LoginAsync(PlatformFactory.AdminEmail, PlatformFactory.AdminPassword);
        var before = await factory.Database.ScalarAsync<long>("SELECT count(*) FROM privacy.newsletters");
        (string Subject, string Body, string? Sms, bool Email, bool ViaSms, string Message)[] cases =
        [
            (string.Empty, "Body", null, true, false, "Enter a subject."),
            ("Subject", string.Empty, null, true, false, "Write the newsletter."),
            ("Subject", "Body", null, false, false, "Choose email, SMS or both."),
            ("Subject", "Body", null, false, true, "Write the SMS version, or untick SMS."),
            (new string('x', 151), "Body", null, true, false, "Keep the subject to 150 characters."),
        ];
        foreach (var (subject, body, sms, email, viaSms, message) in cases)
        {
            var form = Form(subject, body, sms, email, viaSms);
            var response = await admin.PostFormAsync(Edit, form, "Send");
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()).Should().Contain(message);
        }

        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM privacy.newsletters")).Should().Be(before);
        var (owner, _) = await factory.CompanyAsync($"Newsletter peeker {Guid.NewGuid():N}");
        var peek = await owner.Http.GetAsync("/Admin/Newsletters");
        peek.StatusCode.Should().Be(HttpStatusCode.Redirect);
        peek.Headers.Location!.ToString().Should().Contain("/Accounts/AccessDenied");
    }

    private sealed record BusinessUser(Guid UserId, string Email, string Mobile);

    /// <summary>A company owner with a mobile of their own who opted in to newsletters on the given channels on Your data.</summary>
    private async Task<BusinessUser> BusinessUserAsync(params string[] channels)
    {
        var email = $"{Guid.NewGuid():N}@newsletter.example";
        var mobile = Infrastructure.TestHandsets.New(min: 2_000_000);
        var form = PlatformFactory.RegistrationForm($"News {Guid.NewGuid():N}"[..30], email);
        form["Input.MobileNumber"] = mobile;
        var owner = await factory.RegisterAsync(form);
        var consents = new Dictionary<string, string>();
        if (channels.Contains("email"))
        {
            consents["NewsletterEmail"] = "true";
        }

        if (channels.Contains("sms"))
        {
            consents["NewsletterSms"] = "true";
        }

        if (consents.Count > 0)
        {
            (await owner.PostFormAsync("/Privacy/Account", consents, handler: "Consents")).StatusCode.Should().Be(HttpStatusCode.Redirect);
        }

        var userId = await factory.Database.ScalarAsync<Guid>("SELECT id FROM accounts.users WHERE email = @e", ("e", email));
        return new BusinessUser(userId, email, mobile);
    }

    private static Dictionary<string, string> Form(string subject, string body, string? sms, bool email = true, bool viaSms = true)
    {
        // As a browser posts the checkboxes: "true" when ticked, the tag helper's hidden "false" always.
        return new Dictionary<string, string>
        {
            ["Input.Subject"] = subject,
            ["Input.Body"] = body,
            ["Input.SmsText"] = sms ?? string.Empty,
            ["Input.SendEmail"] = email ? "true" : "false",
            ["Input.SendSms"] = viaSms ? "true" : "false",
        };
    }

    private async Task<long> EmailsAsync(string to) =>
        await factory.Database.ScalarAsync<long>("SELECT count(*) FROM platform.emails WHERE kind = 'privacy.newsletter' AND lower(to_address) = lower(@t)", ("t", to));

    private async Task<bool?> LatestConsentAsync(Guid userId, string channel) =>
        await factory.Database.ScalarAsync<bool?>(
            "SELECT granted FROM privacy.marketing_consents WHERE subject_id = @s AND channel = @c ORDER BY id DESC LIMIT 1", ("s", userId), ("c", channel));

    private static string Row(string page, string channel) =>
        Regex.Match(page, $"<tr data-channel=\"{channel}\">.*?</tr>", RegexOptions.Singleline).Value;

    [GeneratedRegex("id=([0-9a-f-]{36})")]
    private static partial Regex IdIn();
}
