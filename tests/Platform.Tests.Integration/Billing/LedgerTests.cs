using Platform.Modules.Accounts.Contracts;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Platform.Modules.Billing.Contracts;

namespace Platform.Tests.Integration.Billing;

/// <summary>The credits ledger through Billing's contracts, on a real PostgreSQL.</summary>
public sealed class LedgerTests(BillingFactory factory) : IClassFixture<BillingFactory>
{
    [Fact]
    public async Task A_new_company_gets_its_trial_credits_once_even_when_the_event_repeats()
    {
        var (_, companyId) = await factory.CompanyAsync($"Trial {Guid.NewGuid():N}");

        await factory.PublishAsync(new CompanyRegistered(companyId, "again", Guid.NewGuid()));
        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => factory.PublishAsync(new CompanyRegistered(companyId, "again", Guid.NewGuid()))));

        (await factory.SendAsync(new GetCreditBalance(companyId))).Should().Be(new CreditBalance(BillingFactory.TrialCredits, 0));
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM billing.ledger_entries WHERE company_id = @c AND kind = 'grant'", ("c", companyId))).Should().Be(1);
    }

    [Fact]
    public async Task The_lock_answers_the_locked_values_when_the_account_was_read_before_and_makes_a_missing_account()
    {
        var (_, companyId) = await factory.CompanyAsync($"Lock {Guid.NewGuid():N}");
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Platform.Modules.Billing.BillingDbContext>();
        var now = DateTimeOffset.UtcNow;
        (await db.CreditAccounts.SingleAsync(a => a.CompanyId == companyId)).Available.Should().Be(BillingFactory.TrialCredits);
        await factory.Database.ExecuteAsync($"UPDATE billing.credit_accounts SET available = 3 WHERE company_id = '{companyId}'");

        await using (var transaction = await db.Database.BeginTransactionAsync())
        {
            (await Platform.Modules.Billing.Features.Ledger.LockAsync(db, companyId, now, CancellationToken.None)).Available
                .Should().Be(3, "the row was tracked before the lock: the lock's values are the truth, not the ones read earlier");
            await transaction.CommitAsync();
        }

        var newcomer = Guid.NewGuid();
        await using (var transaction = await db.Database.BeginTransactionAsync())
        {
            var made = await Platform.Modules.Billing.Features.Ledger.LockAsync(db, newcomer, now, CancellationToken.None);
            made.Should().Match<Platform.Modules.Billing.Domain.CreditAccount>(a => a.CompanyId == newcomer && a.Available == 0 && a.Reserved == 0);
            await transaction.CommitAsync();
        }

        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM billing.credit_accounts WHERE company_id = @c", ("c", newcomer))).Should().Be(1);
    }

    [Fact]
    public async Task Fifty_concurrent_reservations_against_a_balance_for_ten_let_exactly_ten_through()
    {
        var (_, companyId) = await factory.CompanyAsync($"Race {Guid.NewGuid():N}");

        var results = await Task.WhenAll(Enumerable.Range(0, 50)
            .Select(i => factory.SendAsync(new ReserveCredits(companyId, Guid.NewGuid(), 1, $"campaign {i}"))));

        results.Count(r => r.Reserved).Should().Be(10);
        results.Where(r => !r.Reserved).Should().OnlyContain(r => r.Reason!.Contains("Not enough credits"));
        (await factory.SendAsync(new GetCreditBalance(companyId))).Should().Be(new CreditBalance(0, 10));
        (await factory.Database.ScalarAsync<long>("SELECT min(available_after) FROM billing.ledger_entries WHERE company_id = @c", ("c", companyId))).Should().BeGreaterThanOrEqualTo(0);
        (await factory.Database.ScalarAsync<long>("SELECT sum(available_change) FROM billing.ledger_entries WHERE company_id = @c", ("c", companyId))).Should().Be(0);
    }

    [Fact]
    public async Task Reserve_capture_and_release_are_idempotent_and_never_capture_more_than_reserved()
    {
        var (_, companyId) = await factory.CompanyAsync($"Idem {Guid.NewGuid():N}");
        var reservationId = Guid.NewGuid();

        var first = await factory.SendAsync(new ReserveCredits(companyId, reservationId, 6, "campaign"));
        var again = await factory.SendAsync(new ReserveCredits(companyId, reservationId, 6, "campaign"));
        first.Should().Be(new CreditReservation(true, 6, 4, null));
        again.Reserved.Should().BeTrue();
        (await factory.SendAsync(new GetCreditBalance(companyId))).Should().Be(new CreditBalance(4, 6));

        (await factory.SendAsync(new CaptureCredits(companyId, reservationId, 2, "batch-1"))).Should().Be(2);
        (await factory.SendAsync(new CaptureCredits(companyId, reservationId, 2, "batch-1"))).Should().Be(2, "the same capture key is the same capture");
        (await factory.SendAsync(new CaptureCredits(companyId, reservationId, 100, "batch-2"))).Should().Be(4, "never above what is still reserved");
        (await factory.SendAsync(new GetCreditBalance(companyId))).Should().Be(new CreditBalance(4, 0));

        (await factory.SendAsync(new ReleaseCredits(companyId, reservationId))).Should().Be(0);
        (await factory.SendAsync(new ReleaseCredits(companyId, reservationId))).Should().Be(0);
        (await factory.SendAsync(new GetCreditBalance(companyId))).Should().Be(new CreditBalance(4, 0));
    }

    [Fact]
    public async Task Releasing_returns_the_rest_once_and_a_released_reservation_cannot_be_captured()
    {
        var (_, companyId) = await factory.CompanyAsync($"Release {Guid.NewGuid():N}");
        var reservationId = Guid.NewGuid();
        await factory.SendAsync(new ReserveCredits(companyId, reservationId, 8, "campaign"));
        await factory.SendAsync(new CaptureCredits(companyId, reservationId, 3, "batch-1"));

        var released = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => factory.SendAsync(new ReleaseCredits(companyId, reservationId))));

        released.Should().OnlyContain(r => r == 5);
        (await factory.SendAsync(new GetCreditBalance(companyId))).Should().Be(new CreditBalance(7, 0));
        (await factory.SendAsync(new CaptureCredits(companyId, reservationId, 1, "late"))).Should().Be(0);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM billing.ledger_entries WHERE reservation_id = @r AND kind = 'release'", ("r", reservationId))).Should().Be(1);
    }

    [Fact]
    public async Task A_reservation_short_of_credits_is_refused_with_the_reason_and_changes_nothing()
    {
        var (_, companyId) = await factory.CompanyAsync($"Short {Guid.NewGuid():N}");

        var result = await factory.SendAsync(new ReserveCredits(companyId, Guid.NewGuid(), 11, "campaign"));

        result.Reserved.Should().BeFalse();
        result.Reason.Should().Be("Not enough credits: 11 needed, 10 available. Buy credits to continue.");
        (await factory.SendAsync(new GetCreditBalance(companyId))).Should().Be(new CreditBalance(10, 0));
    }

    [Fact]
    public async Task The_ledger_is_append_only()
    {
        var (_, companyId) = await factory.CompanyAsync($"Append {Guid.NewGuid():N}");

        var update = async () => await factory.Database.ExecuteAsync($"UPDATE billing.ledger_entries SET available_change = 1000 WHERE company_id = '{companyId}'");
        var delete = async () => await factory.Database.ExecuteAsync($"DELETE FROM billing.ledger_entries WHERE company_id = '{companyId}'");

        await update.Should().ThrowAsync<Npgsql.PostgresException>().WithMessage("*append-only*");
        await delete.Should().ThrowAsync<Npgsql.PostgresException>().WithMessage("*append-only*");
    }

    [Theory]
    [InlineData("GB", 2)]
    [InlineData("gb", 2)]
    [InlineData("DE", 3)]
    [InlineData("JP", 1)]
    public async Task Quotes_use_the_country_price_or_the_default(string country, long perSegment)
    {
        var (_, companyId) = await factory.CompanyAsync($"Quote {Guid.NewGuid():N}");

        var quote = await factory.SendAsync(new QuotePrice(companyId, country, 2, 50));

        quote.Should().Be(new PriceQuote(perSegment, perSegment * 2 * 50, BillingFactory.TrialCredits));
    }

    [Fact]
    public async Task A_price_change_from_a_date_applies_from_then_and_keeps_reserved_amounts()
    {
        var (_, companyId) = await factory.CompanyAsync($"Price {Guid.NewGuid():N}");
        var reservationId = Guid.NewGuid();
        var quote = await factory.SendAsync(new QuotePrice(companyId, "NL", 1, 5));
        await factory.SendAsync(new ReserveCredits(companyId, reservationId, quote.TotalCredits, "campaign"));

        await factory.Database.ExecuteAsync("INSERT INTO billing.prices (id, country_code, credits_per_segment, valid_from) VALUES (gen_random_uuid(), 'NL', 2, now() - interval '1 second'), (gen_random_uuid(), 'NL', 9, now() + interval '1 day')");

        (await factory.SendAsync(new QuotePrice(companyId, "NL", 1, 5))).CreditsPerSegment.Should().Be(2);
        (await factory.SendAsync(new GetCreditBalance(companyId))).Should().Be(new CreditBalance(5, 5));
        (await factory.SendAsync(new ReleaseCredits(companyId, reservationId))).Should().Be(5);
    }

    [Fact]
    public async Task Plan_limits_default_to_Free_without_a_limit()
    {
        var (_, companyId) = await factory.CompanyAsync($"Limits {Guid.NewGuid():N}");

        (await factory.SendAsync(new GetPlanLimits(companyId))).Should().Be(new PlanLimits("Free", null));
    }
}
