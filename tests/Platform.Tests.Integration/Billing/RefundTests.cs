using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Platform.Modules.Billing.Contracts;
using Platform.Modules.Shared.Jobs;
using Platform.Tests.Integration.Infrastructure;
using UglyToad.PdfPig;

namespace Platform.Tests.Integration.Billing;

/// <summary>
/// Refunds and credit notes (issue #18 item 4, ADR 28): an admin refunds through Stripe's Refund API on the company's
/// billing page; a refund made in Stripe's dashboard arrives by <c>charge.refunded</c>; each Stripe refund makes one credit
/// note (its own gapless yearly series) and one ledger reversal, however many times it is brought; the reversal takes back
/// only that purchase's unspent credits, counting spending oldest first and never taking reserved credits.
/// </summary>
public sealed partial class RefundTests(BillingFactory factory) : IClassFixture<BillingFactory>
{
    private const string CompanyPage = "/Admin/Billing/Company";

    [Fact]
    public async Task An_admin_refunds_half_a_purchase_and_the_webhooks_it_triggers_add_no_second_credit_note_or_reversal()
    {
        var name = $"Refund Bakery {Guid.NewGuid():N}"[..26];
        var (owner, companyId) = await factory.CompanyAsync(name);
        var purchaseId = await factory.BuyAsync(owner, companyId);
        var session = SessionOf(purchaseId);
        var admin = await AdminAsync();
        (await admin.GetAsync($"{CompanyPage}?id={companyId}")).Body.Should().MatchRegex("class=\"text-end unspent\">1000<", "the whole small pack is unspent");

        var key = Guid.NewGuid();
        var (status, html) = await RefundAsync(admin, companyId, purchaseId, "5.00", "Customer cancelled half the order", key);

        status.Should().Be(HttpStatusCode.OK);
        var note = CreditNoteNumber().Match(html).Value;
        html.Should().Contain($"Refunded 5.00 EUR: credit note {note}; 500 credits taken back.");
        var refund = factory.Stripe.Refunds.Single(r => r.PaymentIntent == $"pi_{session.SessionId}");
        refund.Amount.Should().Be(500);
        refund.IdempotencyKey.Should().Be(key.ToString(), "the form's key is Stripe's idempotency key");
        refund.Form["metadata[reason]"].Should().Be("Customer cancelled half the order");

        // Stripe's webhooks for this refund: refunds not expanded (Billing lists them), again, and expanded.
        foreach (var payload in new[]
                 {
                     BillingFactory.ChargeRefunded($"evt_{Guid.NewGuid():N}", session),
                     BillingFactory.ChargeRefunded($"evt_{Guid.NewGuid():N}", session),
                     BillingFactory.ChargeRefunded($"evt_{Guid.NewGuid():N}", session, refund),
                 })
        {
            var response = await factory.DeliverWebhookAsync(payload, factory.Sign(payload));
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            (await response.Content.ReadAsStringAsync()).Should().Be("refunds already recorded");
        }

        factory.Stripe.RefundListings.Should().Contain($"pi_{session.SessionId}");
        // The same form sent twice: Stripe answers the same refund for the same key.
        (await RefundAsync(admin, companyId, purchaseId, "5.00", "Customer cancelled half the order", key)).Html.Should().Contain($"credit note {note};");
        factory.Stripe.Refunds.Count(r => r.PaymentIntent == $"pi_{session.SessionId}").Should().Be(1);
        (await CountAsync("SELECT count(*) FROM billing.refunds WHERE company_id = @id", companyId)).Should().Be(1);
        (await CountAsync("SELECT count(*) FROM billing.ledger_entries WHERE company_id = @id AND kind = 'refund'", companyId)).Should().Be(1);
        (await CountAsync("SELECT available FROM billing.credit_accounts WHERE company_id = @id", companyId)).Should().Be(BillingFactory.TrialCredits + 500);

        // The customer sees the credit note: net and tax split at the invoice's 20%, the invoice it credits, its PDF.
        var (_, billing) = await owner.GetAsync("/Billing");
        billing.Should().Contain(note).And.Contain("(5.00 refunded)");
        var refundId = await factory.Database.ScalarAsync<Guid>("SELECT id FROM billing.refunds WHERE credit_note_number = @n", ("n", note));
        var (pageStatus, page) = await owner.GetAsync($"/Billing/CreditNote/{refundId}");
        pageStatus.Should().Be(HttpStatusCode.OK);
        page = WebUtility.HtmlDecode(page);
        var invoice = await factory.Database.ScalarAsync<string>("SELECT invoice_number FROM billing.purchases WHERE id = @id", ("id", purchaseId));
        page.Should().Contain($"id=\"credit-note-number\">{note}<").And.Contain($">{invoice}</a>")
            .And.Contain("id=\"credit-note-net\">4.17 EUR<").And.Contain("id=\"credit-note-tax\">0.83 EUR<").And.Contain("id=\"credit-note-gross\">5.00 EUR<")
            .And.Contain("id=\"credit-note-credits\">500<");
        var pdf = await owner.Http.GetAsync($"/Billing/CreditNote/{refundId}?handler=Pdf");
        pdf.Content.Headers.ContentType!.MediaType.Should().Be("application/pdf");
        using (var document = PdfDocument.Open(await pdf.Content.ReadAsByteArrayAsync()))
        {
            var text = string.Join(" ", document.GetPages().SelectMany(p => p.GetWords()).Select(w => w.Text));
            text.Should().Contain($"Credit note {note}").And.Contain(invoice).And.Contain(name).And.Contain("4.17 EUR").And.Contain("0.83 EUR").And.Contain("5.00 EUR");
        }

        var (other, _) = await factory.CompanyAsync($"Other {Guid.NewGuid():N}");
        (await other.GetAsync($"/Billing/CreditNote/{refundId}")).Status.Should().Be(HttpStatusCode.NotFound);
        (await other.GetAsync($"/Billing/CreditNote/{refundId}?handler=Pdf")).Status.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_refund_made_in_Stripes_dashboard_arrives_by_webhook_and_makes_one_credit_note_in_a_gapless_series()
    {
        var (owner, companyId) = await factory.CompanyAsync($"Dashboard {Guid.NewGuid():N}");
        var purchaseId = await factory.BuyAsync(owner, companyId);
        var session = SessionOf(purchaseId);
        var first = new FakeRefund($"re_{Guid.NewGuid():N}", $"pi_{session.SessionId}", 300, new Dictionary<string, string>(), null);
        factory.Stripe.DashboardRefunds.Enqueue(first);

        var payload = BillingFactory.ChargeRefunded($"evt_{Guid.NewGuid():N}", session, first);
        var response = await factory.DeliverWebhookAsync(payload, factory.Sign(payload));
        (await response.Content.ReadAsStringAsync()).Should().Be("1 refund(s) recorded");
        (await factory.DeliverWebhookAsync(payload, factory.Sign(payload))).StatusCode.Should().Be(HttpStatusCode.OK, "the same event again is answered");

        // A second refund in the dashboard: its event lists both (Billing asks Stripe); only the new one is recorded.
        var second = new FakeRefund($"re_{Guid.NewGuid():N}", $"pi_{session.SessionId}", 700, new Dictionary<string, string>(), null);
        factory.Stripe.DashboardRefunds.Enqueue(second);
        var again = BillingFactory.ChargeRefunded($"evt_{Guid.NewGuid():N}", session);
        (await (await factory.DeliverWebhookAsync(again, factory.Sign(again))).Content.ReadAsStringAsync()).Should().Be("1 refund(s) recorded");

        (await CountAsync("SELECT count(*) FROM billing.refunds WHERE company_id = @id", companyId)).Should().Be(2);
        (await CountAsync("SELECT coalesce(sum(credits_reversed), 0) FROM billing.refunds WHERE company_id = @id", companyId)).Should().Be(1000, "the whole pack refunded: the whole pack back");
        (await CountAsync("SELECT available FROM billing.credit_accounts WHERE company_id = @id", companyId)).Should().Be(BillingFactory.TrialCredits);
        (await CountAsync("SELECT count(*) FROM billing.refunds WHERE company_id = @id AND refunded_by IS NULL", companyId)).Should().Be(2, "made at Stripe, not by an admin here");
        (await owner.GetAsync("/Billing")).Body.Should().Contain("(10.00 refunded)");

        // Gapless per year: the credit notes of this database are numbered 1..n.
        var numbers = await factory.Database.ScalarAsync<string>(
            "SELECT string_agg(split_part(credit_note_number, '-', 3), ',' ORDER BY credit_note_number) FROM billing.refunds WHERE credit_note_number LIKE 'CN-' || extract(year FROM now())::int || '-%'");
        var series = numbers!.Split(',').Select(n => int.Parse(n, CultureInfo.InvariantCulture)).ToList();
        series.Should().Equal(Enumerable.Range(1, series.Count));
    }

    [Fact]
    public async Task A_refund_takes_back_only_the_purchases_unspent_credits_oldest_spent_first_and_never_reserved_ones()
    {
        var (owner, companyId) = await factory.CompanyAsync($"Spender {Guid.NewGuid():N}");
        var small = await factory.BuyAsync(owner, companyId);
        var medium = await factory.BuyAsync(owner, companyId, "medium");
        // 10 trial + 1000 + 5000 credits; a campaign reserves 700 and sends 500 of them: 200 stay reserved.
        var reservation = Guid.NewGuid();
        await factory.SendAsync(new ReserveCredits(companyId, reservation, 700, "Spring campaign"));
        await factory.SendAsync(new CaptureCredits(companyId, reservation, 500, "sent"));
        (await CountAsync("SELECT available FROM billing.credit_accounts WHERE company_id = @id", companyId)).Should().Be(5310);

        // Oldest first: the 10 trial credits, then 690 of the small pack are spent or reserved; 310 of it are left.
        var admin = await AdminAsync();
        var (_, page) = await admin.GetAsync($"{CompanyPage}?id={companyId}");
        Unspent(page, await InvoiceAsync(small)).Should().Be(310);
        Unspent(page, await InvoiceAsync(medium)).Should().Be(5000);

        var (_, html) = await RefundAsync(admin, companyId, small, "10.00", "Refund of the first pack");

        html.Should().Contain("; 310 credits taken back. Not 1000: the other 690 of this purchase's credits were already spent or reserved");
        (await CountAsync("SELECT available FROM billing.credit_accounts WHERE company_id = @id", companyId)).Should().Be(5000);
        (await CountAsync("SELECT reserved FROM billing.credit_accounts WHERE company_id = @id", companyId)).Should().Be(200, "reserved credits are never taken back");
        Unspent((await admin.GetAsync($"{CompanyPage}?id={companyId}")).Body, await InvoiceAsync(medium)).Should().Be(5000);

        (await RefundAsync(admin, companyId, medium, "22.50", "Half of the second pack")).Html.Should().Contain("; 2500 credits taken back.");
        (await CountAsync("SELECT available FROM billing.credit_accounts WHERE company_id = @id", companyId)).Should().Be(2500);
        (await CountAsync("SELECT reserved FROM billing.credit_accounts WHERE company_id = @id", companyId)).Should().Be(200);
    }

    [Theory]
    [InlineData("abc", "Enter the amount as money with at most two decimals")]
    [InlineData("0", "Enter the amount as money with at most two decimals")]
    [InlineData("1.005", "Enter the amount as money with at most two decimals")]
    [InlineData("10.01", "At most 10.00 EUR of invoice")]
    [InlineData("", "Enter the amount to refund")]
    [InlineData("5.00|other", "There is no such paid purchase of this company.")]
    [InlineData("5.00|no-reason", "Enter the reason for the refund")]
    public async Task A_refund_the_admin_gets_wrong_is_explained_and_changes_nothing(string amount, string message)
    {
        var (owner, companyId) = await factory.CompanyAsync($"Wrong Refund {Guid.NewGuid():N}");
        var purchaseId = await factory.BuyAsync(owner, companyId);
        var (_, otherCompany) = await factory.CompanyAsync($"Other {Guid.NewGuid():N}");
        var refundsBefore = factory.Stripe.Refunds.Count;
        var parts = amount.Split('|');

        var (status, html) = await RefundAsync(await AdminAsync(), parts.Contains("other") ? otherCompany : companyId, purchaseId, parts[0],
            parts.Contains("no-reason") ? string.Empty : "Because the customer asked");

        status.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(html).Should().Contain(message);
        factory.Stripe.Refunds.Count.Should().Be(refundsBefore, "nothing is asked of Stripe");
        (await CountAsync("SELECT count(*) FROM billing.refunds WHERE purchase_id = @id", purchaseId)).Should().Be(0);
        (await CountAsync("SELECT available FROM billing.credit_accounts WHERE company_id = @id", companyId)).Should().Be(BillingFactory.TrialCredits + 1000);
    }

    [Fact]
    public async Task Purchases_from_before_the_payment_intent_was_kept_get_it_from_Stripe_and_can_be_refunded()
    {
        var (owner, companyId) = await factory.CompanyAsync($"Old Purchase {Guid.NewGuid():N}");
        var first = await factory.BuyAsync(owner, companyId);
        var second = await factory.BuyAsync(owner, companyId);
        await factory.Database.ExecuteAsync($"UPDATE billing.purchases SET stripe_payment_intent_id = NULL WHERE company_id = '{companyId}'");
        factory.Stripe.Paid[SessionOf(first).SessionId] = true;
        factory.Stripe.Paid[SessionOf(second).SessionId] = true;

        // Asked at once when an admin refunds one ...
        (await RefundAsync(await AdminAsync(), companyId, first, "1.00", "Goodwill refund")).Html.Should().Contain("Refunded 1.00 EUR");
        (await factory.Database.ScalarAsync<string>("SELECT stripe_payment_intent_id FROM billing.purchases WHERE id = @id", ("id", first)))
            .Should().Be($"pi_{SessionOf(first).SessionId}");

        // ... and filled in for the rest by the reconciliation job.
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<RecurringJobRunner>().RunAsync("billing.reconcile-checkout-sessions", CancellationToken.None);
        }

        (await factory.Database.ScalarAsync<string>("SELECT stripe_payment_intent_id FROM billing.purchases WHERE id = @id", ("id", second)))
            .Should().Be($"pi_{SessionOf(second).SessionId}");
    }

    private FakeSessionRequest SessionOf(Guid purchaseId) =>
        factory.Stripe.Sessions.Single(s => s.Form["metadata[purchase_id]"] == purchaseId.ToString());

    private Task<FormClient> AdminAsync() => factory.LoginAsync(PlatformFactory.AdminEmail, PlatformFactory.AdminPassword);

    private async Task<(HttpStatusCode Status, string Html)> RefundAsync(FormClient admin, Guid companyId, Guid purchaseId, string amount, string reason, Guid? key = null)
    {
        var response = await admin.PostFormAsync($"{CompanyPage}?id={companyId}", new()
        {
            ["Refund.CompanyId"] = companyId.ToString(),
            ["Refund.PurchaseId"] = purchaseId.ToString(),
            ["Refund.Key"] = (key ?? Guid.NewGuid()).ToString(),
            ["Refund.Amount"] = amount,
            ["Refund.Reason"] = reason,
        }, "Refund");
        return (response.StatusCode, WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()));
    }

    private async Task<long> CountAsync(string sql, Guid id) => await factory.Database.ScalarAsync<long>(sql, ("id", id));

    private async Task<string> InvoiceAsync(Guid purchaseId) =>
        (await factory.Database.ScalarAsync<string>("SELECT invoice_number FROM billing.purchases WHERE id = @id", ("id", purchaseId)))!;

    private static long Unspent(string page, string invoice)
    {
        var row = Regex.Match(page, $"<tr data-invoice=\"{invoice}\">.*?</tr>", RegexOptions.Singleline).Value;
        return long.Parse(Regex.Match(row, "class=\"text-end unspent\">(\\d+)<").Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"CN-\d{4}-\d{6}")]
    private static partial Regex CreditNoteNumber();
}
