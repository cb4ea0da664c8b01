using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Platform.Modules.Billing.Contracts;
using Hangfire;

namespace Platform.Tests.Integration.Billing;

/// <summary>The reconciliation job: sessions whose webhook never came are asked about at Stripe and credited once.</summary>
public sealed class ReconciliationTests(BillingFactory factory) : IClassFixture<BillingFactory>
{
    private async Task<(Guid CompanyId, FakeSessionRequest Session)> CheckoutAsync(int minutesAgo)
    {
        var (owner, companyId) = await factory.CompanyAsync($"Reconcile {Guid.NewGuid():N}");
        var response = await owner.PostFormAsync("/Billing", new() { ["Input.Pack"] = "small" }, "Buy");
        response.StatusCode.Should().Be(HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());
        var session = factory.Stripe.Sessions.Single(s => s.Form["client_reference_id"] == companyId.ToString());
        await factory.Database.ExecuteAsync($"UPDATE billing.purchases SET created_at = now() - interval '{minutesAgo} minutes' WHERE stripe_session_id = '{session.SessionId}'");
        return (companyId, session);
    }

    /// <summary>Triggers the job and waits until it has asked Stripe about <paramref name="marker"/> (a session that stays pending) once more.</summary>
    private async Task RunJobAsync(string marker)
    {
        var asked = factory.Stripe.Retrieved.Count(id => id == marker);
        factory.Services.GetRequiredService<IRecurringJobManager>().Trigger("billing.reconcile-checkout-sessions");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (factory.Stripe.Retrieved.Count(id => id == marker) == asked)
        {
            DateTime.UtcNow.Should().BeBefore(deadline, "the reconciliation job should have run");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task A_paid_session_whose_webhook_never_came_is_credited_once_and_a_late_webhook_adds_nothing()
    {
        var (paidCompany, paid) = await CheckoutAsync(minutesAgo: 30);
        var (unpaidCompany, unpaid) = await CheckoutAsync(minutesAgo: 20);
        var (recentCompany, recent) = await CheckoutAsync(minutesAgo: 1);
        factory.Stripe.Paid[paid.SessionId] = true;
        factory.Stripe.Paid[recent.SessionId] = true;

        // Sessions are asked about oldest first: the unpaid one, made second, is asked about after the paid one.
        await RunJobAsync(unpaid.SessionId);
        await RunJobAsync(unpaid.SessionId);
        var late = BillingFactory.CheckoutCompleted($"evt_{Guid.NewGuid():N}", paid);
        (await factory.DeliverWebhookAsync(late, factory.Sign(late))).StatusCode.Should().Be(HttpStatusCode.OK);

        (await factory.SendAsync(new GetCreditBalance(paidCompany))).Available.Should().Be(BillingFactory.TrialCredits + 1000);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM billing.ledger_entries WHERE company_id = @c AND kind = 'purchase'", ("c", paidCompany))).Should().Be(1);
        (await factory.Database.ScalarAsync<string>("SELECT invoice_number FROM billing.purchases WHERE stripe_session_id = @s", ("s", paid.SessionId))).Should().MatchRegex(@"^\d{4}-\d{6}$");
        (await factory.SendAsync(new GetCreditBalance(unpaidCompany))).Available.Should().Be(BillingFactory.TrialCredits, "Stripe says it is not paid");
        (await factory.SendAsync(new GetCreditBalance(recentCompany))).Available.Should().Be(BillingFactory.TrialCredits, "its webhook may still come");
        factory.Stripe.Retrieved.Should().Contain(unpaid.SessionId).And.NotContain(recent.SessionId);
        factory.Stripe.Retrieved.Count(id => id == paid.SessionId).Should().Be(1, "once credited it is no longer pending");
    }
}
