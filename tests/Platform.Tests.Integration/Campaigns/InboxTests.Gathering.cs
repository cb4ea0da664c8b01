using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Platform.Modules.Campaigns.Domain;
using Platform.Modules.Campaigns.Features.TwoWay;
using Platform.Tests.Integration.Infrastructure;
using Platform.Tests.Integration.OptIns;

namespace Platform.Tests.Integration.Campaigns;

/// <summary>
/// Issue #12's reply throughput: replies to one platform number that arrive together are written in one round trip and
/// one commit (ConversationStore, LaneGatherer). The lane's two writes are held on row locks the test takes on two
/// threads, so the replies that come meanwhile wait for the lane — a state the test reads, not a guess of time.
/// </summary>
public sealed partial class InboxTests
{
    [Fact]
    public async Task Replies_that_arrive_together_are_written_in_one_transaction_each_to_the_company_that_messaged_its_sender()
    {
        var (alphaOwner, alpha) = await factory.CompanyAsync("Inbox Batch Alpha");
        var (betaOwner, beta) = await factory.CompanyAsync("Inbox Batch Beta");
        var alphaPhones = await CampaignToListAsync(alphaOwner, alpha, 8, 971_000);
        var betaPhones = await CampaignToListAsync(betaOwner, beta, 6, 972_000);
        string[] strangers = ["+447709730001", "+447709730002", "+447709730003"];

        var held = alphaPhones[..2];
        foreach (var phone in held)
        {
            await TextAsync(phone, "First of two");
        }

        var store = factory.Services.GetRequiredService<ConversationStore>();
        Task[] heldReplies;
        Task[] together;
        await using (await HoldThreadsAsync(alpha, held))
        {
            // One at a time, so each is a write of its own and both of the lane's writes wait on the locks.
            heldReplies = await OneWaitingAtATimeAsync([.. held.Select(phone => (Func<Task>)(() => TextAsync(phone, "Second of two")))], "campaigns.conversations");

            var senders = alphaPhones[2..].Concat(betaPhones).Concat(strangers).ToList();
            together = [.. senders.Select(phone => TextAsync(phone, $"Reply from {phone}"))];
            await WaitForAsync(() => Task.FromResult(store.RepliesWaiting(PlatformNumber)), waiting => waiting == senders.Count, "the replies waiting for the lane");
        }

        await Task.WhenAll(heldReplies.Concat(together));

        foreach (var (company, phones) in new[] { (alpha, alphaPhones[2..]), (beta, betaPhones) })
        {
            foreach (var phone in phones)
            {
                (await factory.Database.ScalarAsync<long>("""
                    SELECT count(*) FROM campaigns.conversation_messages m JOIN campaigns.conversations c ON c.id = m.conversation_id
                    WHERE c.company_id = @c AND c.phone = @p AND m.direction = 'in' AND m.body = @b
                    """, ("c", company), ("p", phone), ("b", $"Reply from {phone}"))).Should().Be(1, $"{phone}'s reply is in the thread of the company that messaged it");
                (await ReceivedAsync(phone)).Should().NotContain(m => m.Text.StartsWith("Sorry", StringComparison.Ordinal), "a reply that reached an inbox gets no courtesy answer");
            }
        }

        foreach (var phone in strangers)
        {
            (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.conversations WHERE phone = @p", ("p", phone))).Should().Be(0);
            (await ReceivedAsync(phone)).Should().Contain(m => m.Text.StartsWith("Sorry, we did not recognise", StringComparison.Ordinal), "no company messaged it, so it is told how to join");
        }

        (await factory.Database.ScalarAsync<long>("SELECT count(DISTINCT xmin::text) FROM campaigns.conversation_messages WHERE body LIKE 'Reply from %'"))
            .Should().Be(1, "the replies that waited for the lane were written by one transaction");
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.conversation_messages WHERE body = 'Second of two'")).Should().Be(2);
    }

    [Fact]
    public async Task A_reply_the_database_refuses_fails_alone_and_the_others_gathered_with_it_are_written()
    {
        var (owner, companyId) = await factory.CompanyAsync("Inbox Batch Refused");
        var phones = await CampaignToListAsync(owner, companyId, 5, 974_000);
        var held = phones[0];
        await TextAsync(held, "Hello");

        var store = factory.Services.GetRequiredService<ConversationStore>();
        var since = DateTimeOffset.UtcNow.AddYears(-1);
        ConversationEntry Reply(string phone, string text) =>
            new(Guid.Empty, PlatformNumber, phone, ConversationDirections.Inbound, null, text, DateTimeOffset.UtcNow, CarrierInstance: "simulator");

        Task<Guid?>[] gathered;
        Task<Guid?>[] holding;
        await using (await HoldThreadsAsync(companyId, [held]))
        {
            holding = await OneWaitingAtATimeAsync(
                [.. Enumerable.Range(0, ConversationStore.WritesPerNumber).Select(i => (Func<Task<Guid?>>)(() => store.AppendReplyAsync(Reply(held, $"Held {i}"), since, null)))],
                "campaigns.conversations");

            // PostgreSQL refuses a NUL character in text: that statement fails, and with it the batch's transaction.
            gathered = [.. phones[1..].Select((phone, i) => store.AppendReplyAsync(Reply(phone, i == 1 ? "Broken\0text" : $"Fine from {phone}"), since, null))];
            await WaitForAsync(() => Task.FromResult(store.RepliesWaiting(PlatformNumber)), waiting => waiting == gathered.Length, "the replies waiting for the lane");
        }

        (await Task.WhenAll(holding)).Should().OnlyContain(company => company == companyId);
        for (var i = 0; i < gathered.Length; i++)
        {
            if (i == 1)
            {
                await FluentActions.Awaiting(() => gathered[i]).Should().ThrowAsync<PostgresException>("only the refused reply fails");
            }
            else
            {
                (await gathered[i]).Should().Be(companyId, "a reply gathered with a refused one is written all the same");
            }
        }

        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.conversation_messages WHERE body LIKE 'Fine from %'")).Should().Be(gathered.Length - 1);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.inbound_queue q JOIN campaigns.conversation_messages m ON m.id = q.message_id WHERE m.body LIKE 'Fine from %'"))
            .Should().Be(gathered.Length - 1, "each written reply is queued for the inbound feed once");
    }

    [Fact]
    public async Task Reply_senders_looked_up_together_are_each_answered_with_their_own_subscription()
    {
        var (alphaOwner, alpha) = await factory.CompanyAsync("Inbox Lookup Alpha");
        var (betaOwner, beta) = await factory.CompanyAsync("Inbox Lookup Beta");
        await OptInsFactory.CreateKeywordAsync(alphaOwner, "LOOKALPHA");
        await OptInsFactory.CreateKeywordAsync(betaOwner, "LOOKBETA");
        string[] alphaOnly = ["+15557660001", "+15557660002", "+15557660003", "+15557660004"];
        string[] betaLater = ["+15557660011", "+15557660012"]; // joined alpha, then beta: beta was last in contact
        string[] strangers = ["+15557660021", "+15557660022"];
        foreach (var phone in alphaOnly.Concat(betaLater))
        {
            await TextAsync(phone, "lookalpha");
        }

        foreach (var phone in betaLater)
        {
            await TextAsync(phone, "lookbeta");
        }

        var senders = factory.Services.GetRequiredService<Platform.Modules.OptIns.Features.ReplySenders>();
        var held = alphaOnly[..2];
        Task[] heldReplies;
        Task[] together;
        await using (await HoldLocksAsync("LOCK TABLE optins.subscriptions IN ACCESS EXCLUSIVE MODE"))
        {
            // One at a time, so each is a lookup of its own and both of the lane's lookups wait on the lock.
            heldReplies = await OneWaitingAtATimeAsync([.. held.Select(phone => (Func<Task>)(() => TextAsync(phone, $"Question from {phone}")))], "optins.subscriptions");
            var rest = alphaOnly[2..].Concat(betaLater).Concat(strangers).ToList();
            together = [.. rest.Select(phone => TextAsync(phone, $"Question from {phone}"))];
            await WaitForAsync(() => Task.FromResult(senders.WaitingFor(PlatformNumber)), waiting => waiting == rest.Count, "the lookups waiting for the lane");
        }

        await Task.WhenAll(heldReplies.Concat(together));
        foreach (var (company, phones) in new[] { (alpha, alphaOnly), (beta, betaLater) })
        {
            foreach (var phone in phones)
            {
                var code = await factory.Database.ScalarAsync<string>("SELECT user_code FROM optins.subscribers WHERE phone = @p", ("p", phone));
                (await factory.Database.ScalarAsync<long>("""
                    SELECT count(*) FROM campaigns.conversation_messages m JOIN campaigns.conversations c ON c.id = m.conversation_id
                    WHERE c.company_id = @c AND c.phone = @p AND c.user_code = @code AND m.direction = 'in' AND m.body = @b
                    """, ("c", company), ("p", phone), ("code", code!), ("b", $"Question from {phone}")))
                    .Should().Be(1, $"{phone}'s question is in the thread of the company it was last in contact with, under its own user code");
            }
        }

        foreach (var phone in strangers)
        {
            (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns.conversations WHERE phone = @p", ("p", phone))).Should().Be(0);
        }
    }

    /// <summary>Row locks on the company's threads with the handsets, held until disposed: a reply's write to them waits.</summary>
    private async Task<IAsyncDisposable> HoldThreadsAsync(Guid companyId, string[] phones)
    {
        var held = await HoldLocksAsync(
            "SELECT count(*) FROM (SELECT id FROM campaigns.conversations WHERE company_id = @c AND phone = ANY (@p) FOR UPDATE) l", ("c", companyId), ("p", phones));
        ((long)held.Answer!).Should().Be(phones.Length, "every thread to hold exists");
        return held;
    }

    /// <summary>The locks <paramref name="sql"/> takes, in a transaction held until disposed (then rolled back).</summary>
    private async Task<HeldLocks> HoldLocksAsync(string sql, params (string Name, object Value)[] parameters)
    {
        var connection = new NpgsqlConnection(factory.Database.ConnectionString);
        await connection.OpenAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return new HeldLocks(connection, transaction, await command.ExecuteScalarAsync());
    }

    private sealed class HeldLocks(NpgsqlConnection connection, NpgsqlTransaction transaction, object? answer) : IAsyncDisposable
    {
        public object? Answer { get; } = answer;

        public async ValueTask DisposeAsync()
        {
            await transaction.RollbackAsync();
            await connection.DisposeAsync();
        }
    }

    /// <summary>
    /// Starts each piece of work only once the ones before it wait on the test's locks on <paramref name="table"/>, so each
    /// is a store of its own and all of them hold the lane's stores (two started together could share a batch).
    /// </summary>
    private async Task<T[]> OneWaitingAtATimeAsync<T>(IReadOnlyList<Func<T>> starts, string table)
        where T : Task
    {
        var started = new T[starts.Count];
        for (var i = 0; i < starts.Count; i++)
        {
            started[i] = starts[i]();
            var waiting = i + 1;
            await WaitForAsync(() => factory.Database.ScalarAsync<long>(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE @q", ("q", $"%{table}%")),
                blocked => blocked == waiting, $"{waiting} statements waiting on the test's locks on {table}");
        }

        return started;
    }

    /// <summary>A campaign of the company to a list of <paramref name="count"/> contacts from <paramref name="first"/>, sent; answers their numbers.</summary>
    private async Task<string[]> CampaignToListAsync(FormClient owner, Guid companyId, int count, int first)
    {
        var listId = await factory.ListAsync(companyId, "Regulars", count, first);
        var campaignId = await SendingFactory.CreateCampaignAsync(owner, SendingFactory.CampaignForm("Sunday offer", listId));
        await factory.WaitForAsync(campaignId, "Completed", TimeSpan.FromMinutes(1));
        return [.. Enumerable.Range(first, count).Select(n => "+4477" + n.ToString("D7", System.Globalization.CultureInfo.InvariantCulture))];
    }
}
