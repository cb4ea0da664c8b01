using System.Globalization;
using Platform.Tests.Integration.Infrastructure;
using SmtpServer.Protocol;

namespace Platform.Tests.Integration.Mail;

/// <summary>
/// At most once, through real host processes (ADR 18): a host SIGKILLed while the mail server holds its answer to a
/// registration's confirmation email leaves that email unknown — the host that takes over never sends it again — and sends the email queued
/// behind it once.
/// </summary>
public sealed class EmailCrashTests
{
    [Fact]
    public async Task A_host_killed_while_the_server_answers_never_resends_that_email_and_the_next_host_sends_the_rest()
    {
        await using var smtp = SmtpTestServer.Start();
        await using var database = await TestDatabase.CreateAsync();
        var firstPerson = $"{Guid.NewGuid():N}@first.example";
        var secondPerson = $"{Guid.NewGuid():N}@second.example";
        var dataArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var answer = new TaskCompletionSource<SmtpResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        smtp.Answer = message =>
        {
            if (!message.To.Mailboxes.Any(b => b.Address == firstPerson))
            {
                return Task.FromResult(SmtpResponse.Ok);
            }

            dataArrived.TrySetResult();
            return answer.Task; // held: the sender waits for the 250 that it will not live to read
        };
        var settings = new Dictionary<string, string>
        {
            ["Platform__RateLimits__LoginPerMinute"] = "10000",
            ["Platform__PublicBaseUrl"] = MailPlatformFactory.PublicBaseUrl,
            ["Platform__Mail__Host"] = "127.0.0.1",
            ["Platform__Mail__Port"] = smtp.Port.ToString(CultureInfo.InvariantCulture),
            ["Platform__Mail__Security"] = "None",
        };

        var first = HostProcess.Start(database.ConnectionString, "mail-a", settings);
        try
        {
            await first.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));
            // Each registration emails its owner a confirmation link: the first one's send is held by the server.
            (await first.CreateFormClient().PostFormAsync("/Accounts/Register", PlatformFactory.RegistrationForm($"Mail Crash {Guid.NewGuid():N}", firstPerson)))
                .StatusCode.Should().Be(System.Net.HttpStatusCode.Redirect);
            await dataArrived.Task.WaitAsync(TimeSpan.FromSeconds(90));
            (await StateAsync(database, firstPerson)).Should().Be(1, "marked sending before its data went out");
            (await first.CreateFormClient().PostFormAsync("/Accounts/Register", PlatformFactory.RegistrationForm($"Mail Crash {Guid.NewGuid():N}", secondPerson)))
                .StatusCode.Should().Be(System.Net.HttpStatusCode.Redirect);
            (await StateAsync(database, secondPerson)).Should().Be(0, "queued behind the stuck send");

            await first.KillAsync();
        }
        finally
        {
            await first.DisposeAsync();
        }

        answer.TrySetResult(SmtpResponse.Ok); // the server delivered; the dead sender never heard it
        await using var second = HostProcess.Start(database.ConnectionString, "mail-b", settings);
        await second.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));

        await database.WaitForAsync("the second email sent by the host that took over", TimeSpan.FromSeconds(90),
            "SELECT state = 2 FROM platform.emails WHERE to_address = @a", ("a", secondPerson));
        (await StateAsync(database, firstPerson)).Should().Be(4, "its outcome was lost with the host: unknown, never resent");
        smtp.To(firstPerson).Should().HaveCount(1, "at most once");
        smtp.To(secondPerson).Should().HaveCount(1);
        (await database.ScalarAsync<string>("SELECT last_error FROM platform.emails WHERE to_address = @a", ("a", firstPerson)))
            .Should().Contain("may have been delivered");
    }

    private static async Task<short> StateAsync(TestDatabase database, string to) =>
        await database.ScalarAsync<short>("SELECT state FROM platform.emails WHERE to_address = @a AND kind = 'accounts.confirm-email'", ("a", to));
}
