using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Platform.Modules.Shared;
using Platform.Modules.Shared.Jobs;
using Platform.Tests.Integration.Infrastructure;
using SmtpServer.Protocol;

namespace Platform.Tests.Integration.Mail;

/// <summary>
/// The host's email (issue #17): a module's <see cref="SendEmail"/> is queued in platform.emails and sent by the
/// platform.send-emails job over real SMTP to a server in the test process — once, with a stable Message-ID, both
/// parts, RFC 8058 headers on bulk mail; refusals, deferrals and an unreachable server change what they should.
/// </summary>
public sealed class EmailDeliveryTests(MailPlatformFactory factory) : IClassFixture<MailPlatformFactory>
{
    private static readonly EmailBody Body = new(
        "Reset your password <now>",
        ["Someone asked to reset the password of your account.", "If it was not you, ignore this email: <script>alert(1)</script>"],
        new EmailAction("Choose a new password", new Uri("https://platform.example/Accounts/ResetPassword?token=abc&id=1")));

    [Fact]
    public async Task A_queued_email_arrives_once_with_both_parts_and_its_message_id_even_when_asked_twice()
    {
        var to = Address();
        var first = await factory.SendAsync(new SendEmail(to, "Ada Lovelace", "Reset your password", Body, "tests.reset", $"tests:{to}"));
        var second = await factory.SendAsync(new SendEmail(to, "Ada Lovelace", "Reset your password", Body, "tests.reset", $"tests:{to}"));

        first.AlreadyQueued.Should().BeFalse();
        second.Should().Be(first with { AlreadyQueued = true }, "the same dedup key queues nothing new");
        var message = await factory.Smtp.WaitForAsync(m => m.To.Mailboxes.Any(b => b.Address == to));
        await WaitForStateAsync(first.EmailId, sent: 2);

        message.Subject.Should().Be("Reset your password");
        message.From.Mailboxes.Single().Address.Should().Be("no-reply@platform.test");
        message.To.Mailboxes.Single().Name.Should().Be("Ada Lovelace");
        message.MessageId.Should().Be(await factory.Database.ScalarAsync<string>("SELECT message_id FROM platform.emails WHERE id = @id", ("id", first.EmailId)))
            .And.EndWith("@platform.test");
        message.TextBody.Should().Contain("Choose a new password: https://platform.example/Accounts/ResetPassword?token=abc&id=1");
        message.HtmlBody.Should().Contain("&lt;script&gt;").And.NotContain("<script>", "a module's text is encoded, never markup")
            .And.Contain("href=\"https://platform.example/Accounts/ResetPassword?token=abc&amp;id=1\"");
        message.Headers.Contains("List-Unsubscribe").Should().BeFalse("only bulk mail carries unsubscribe headers");

        (await RunJobAsync()).Should().StartWith("0 sent", "nothing was left to send");
        factory.Smtp.To(to).Should().HaveCount(1, "a sent email is never sent again");
    }

    [Fact]
    public async Task Bulk_mail_carries_one_click_unsubscribe_headers_and_a_footer_link()
    {
        var to = Address();
        var unsubscribe = new Uri("https://platform.example/privacy/unsubscribe?token=xyz");
        await factory.SendAsync(new SendEmail(to, null, "News from Platform", new EmailBody("What is new", ["Two-way SMS is here."]), "tests.newsletter", $"tests:{to}", new EmailUnsubscribe(unsubscribe)));

        var message = await factory.Smtp.WaitForAsync(m => m.To.Mailboxes.Any(b => b.Address == to));

        message.Headers["List-Unsubscribe"].Should().Be("<https://platform.example/privacy/unsubscribe?token=xyz>");
        message.Headers["List-Unsubscribe-Post"].Should().Be("List-Unsubscribe=One-Click");
        message.TextBody.Should().Contain("Unsubscribe: https://platform.example/privacy/unsubscribe?token=xyz");
        message.HtmlBody.Should().Contain(">Unsubscribe</a>");
    }

    [Fact]
    public async Task A_permanent_refusal_fails_the_email_for_good_and_a_deferral_queues_it_for_later()
    {
        var refusedTo = Address();
        var deferredTo = Address();
        factory.Smtp.Answer = message => Task.FromResult(
            message.To.Mailboxes.Any(b => b.Address == refusedTo) ? new SmtpResponse(SmtpReplyCode.MailboxUnavailable, "No such user here")
            : message.To.Mailboxes.Any(b => b.Address == deferredTo) ? new SmtpResponse((SmtpReplyCode)451, "Try again later")
            : SmtpResponse.Ok);
        try
        {
            var refused = await factory.SendAsync(new SendEmail(refusedTo, null, "Refused", Body, "tests.refused", $"tests:{refusedTo}"));
            var deferred = await factory.SendAsync(new SendEmail(deferredTo, null, "Deferred", Body, "tests.deferred", $"tests:{deferredTo}"));

            await WaitForStateAsync(refused.EmailId, failed: 3);
            await factory.Database.WaitForAsync("the deferred email attempted once", TimeSpan.FromSeconds(60),
                "SELECT state = 0 AND attempts = 1 AND next_attempt_at > now() FROM platform.emails WHERE id = @id", ("id", deferred.EmailId));

            (await factory.Database.ScalarAsync<string>("SELECT last_error FROM platform.emails WHERE id = @id", ("id", refused.EmailId))).Should().StartWith("550");
            (await factory.Database.ScalarAsync<string>("SELECT last_error FROM platform.emails WHERE id = @id", ("id", deferred.EmailId))).Should().StartWith("451");
            await RunJobAsync();
            factory.Smtp.To(refusedTo).Should().HaveCount(1, "a refused email is not retried");
            factory.Smtp.To(deferredTo).Should().HaveCount(1, "a deferred email waits for its back-off");
        }
        finally
        {
            factory.Smtp.Answer = _ => Task.FromResult(SmtpResponse.Ok);
        }
    }

    [Fact]
    public async Task Admin_Emails_shows_the_days_mail_by_kind_and_a_refusal_with_the_domain_only()
    {
        var domain = $"{Guid.NewGuid():N}.example";
        var to = $"private.person@{domain}";
        factory.Smtp.Answer = message => Task.FromResult(message.To.Mailboxes.Any(b => b.Address == to)
            ? new SmtpResponse(SmtpReplyCode.MailboxUnavailable, "No such user here") : SmtpResponse.Ok);
        try
        {
            var refused = await factory.SendAsync(new SendEmail(to, null, "Refused", Body, "tests.admin-view", $"tests:{to}"));
            await WaitForStateAsync(refused.EmailId, failed: 3);
        }
        finally
        {
            factory.Smtp.Answer = _ => Task.FromResult(SmtpResponse.Ok);
        }

        var admin = await factory.LoginAsync(PlatformFactory.AdminEmail, PlatformFactory.AdminPassword);
        var (status, page) = await admin.GetAsync("/Admin/Emails");

        status.Should().Be(System.Net.HttpStatusCode.OK);
        page.Should().Contain("tests.admin-view").And.Contain(domain).And.Contain("550: No such user here")
            .And.NotContain("private.person", "admins see the domain, not who was written to");
        var (owner, _) = await factory.CompanyAsync($"Mail Viewer {Guid.NewGuid():N}");
        (await owner.GetAsync("/Admin/Emails")).Status.Should().NotBe(System.Net.HttpStatusCode.OK, "only platform admins see it");
    }

    [Fact]
    public async Task An_address_that_is_not_one_is_refused_before_anything_is_queued()
    {
        var queuedBefore = await factory.Database.ScalarAsync<long>("SELECT count(*) FROM platform.emails");

        var asking = () => factory.SendAsync(new SendEmail("not an address", null, "Hello", Body, "tests.bad", "tests:bad"));

        await asking.Should().ThrowAsync<ArgumentException>().WithMessage("*'not an address' is not an email address*");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM platform.emails")).Should().Be(queuedBefore);
    }

    private Task WaitForStateAsync(Guid id, short sent = -1, short failed = -1) =>
        factory.Database.WaitForAsync($"email {id} in state {Math.Max(sent, failed)}", TimeSpan.FromSeconds(60),
            "SELECT state = @state FROM platform.emails WHERE id = @id", ("state", Math.Max(sent, failed)), ("id", id));

    /// <summary>One run of the sending job that really ran (a scheduled run holding the job's lock makes ours skip: then again).</summary>
    private async Task<string> RunJobAsync()
    {
        while (true)
        {
            await using var scope = factory.Services.CreateAsyncScope();
            var summary = await scope.ServiceProvider.GetRequiredService<RecurringJobRunner>().RunAsync("platform.send-emails", CancellationToken.None);
            if (!summary.StartsWith("Skipped", StringComparison.Ordinal))
            {
                return summary;
            }

            await Task.Delay(50);
        }
    }

    private static string Address() => $"{Guid.NewGuid():N}@mail.example";
}

/// <summary>With the mail server down, queued email waits (attempt counted, reason kept) and nothing is lost.</summary>
public sealed class EmailServerDownTests(EmailServerDownTests.NoServerFactory factory) : IClassFixture<EmailServerDownTests.NoServerFactory>
{
    public sealed class NoServerFactory : PlatformFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
        {
            ["Platform:Mail:Host"] = "127.0.0.1",
            ["Platform:Mail:Port"] = "1", // nothing listens on tcpmux
            ["Platform:Mail:Security"] = "None",
        };
    }

    [Fact]
    public async Task Queued_email_waits_for_the_server_with_the_reason()
    {
        var queued = await factory.SendAsync(new SendEmail("ada@mail.example", null, "Hello", new EmailBody("Hello", ["Hi."]), "tests.down", "tests:down"));

        await factory.Database.WaitForAsync("the email deferred", TimeSpan.FromSeconds(60),
            "SELECT state = 0 AND attempts >= 1 AND next_attempt_at > now() FROM platform.emails WHERE id = @id", ("id", queued.EmailId));
        (await factory.Database.ScalarAsync<string>("SELECT last_error FROM platform.emails WHERE id = @id", ("id", queued.EmailId))).Should().StartWith("Mail server unreachable");
    }
}
