using System.Net;
using Platform.Modules.Billing.Contracts;

namespace Platform.Tests.Integration.Billing;

/// <summary>
/// Billing notices (issue #17): a paid purchase is a receipt emailed once with its invoice link, and a balance that falls
/// below the company's warning level is emailed once per crossing. Both travel through Billing's outbox to Accounts.
/// </summary>
public sealed class BillingNoticeTests(BillingFactory factory) : IClassFixture<BillingFactory>
{
    [Fact]
    public async Task A_paid_purchase_is_emailed_once_as_a_receipt_with_its_invoice_link_and_PDF()
    {
        var (owner, companyId) = await factory.CompanyAsync($"Receipt {Guid.NewGuid():N}");
        var ownerEmail = await OwnerEmailAsync(companyId);
        var purchaseId = await factory.BuyAsync(owner, companyId);
        // Stripe sends completed and async_payment_succeeded for one session: still one payment, one receipt.
        var session = factory.Stripe.Sessions.Single(s => s.Form["client_reference_id"] == companyId.ToString());
        var again = BillingFactory.CheckoutCompleted($"evt_{Guid.NewGuid():N}", session);
        (await factory.DeliverWebhookAsync(again, factory.Sign(again))).StatusCode.Should().Be(HttpStatusCode.OK);

        await WaitForDispatchAsync(purchaseId, attempts: 1);
        var number = await factory.Database.ScalarAsync<string>("SELECT invoice_number FROM billing.purchases WHERE id = @id", ("id", purchaseId));
        (await ReceiptsAsync(ownerEmail)).Should().Be(1);
        (await factory.Database.ScalarAsync<string>(
                "SELECT subject || ' ' || text_body FROM platform.emails WHERE kind = 'notice.payment-received' AND to_address = @e", ("e", ownerEmail)))
            .Should().Contain($"invoice {number}").And.Contain("10.00 EUR").And.Contain("1,000 credits were added")
            .And.Contain($"{BillingFactory.PublicBaseUrl}/Billing/Invoice/{purchaseId}");

        // Through the SMTP server: the invoice PDF is attached, and it is this purchase's invoice.
        var received = await factory.Smtp.WaitForAsync(m => m.To.Mailboxes.Any(a => a.Address == ownerEmail) && (m.Subject ?? string.Empty).Contains(number!, StringComparison.Ordinal));
        var attachment = received.Attachments.OfType<MimeKit.MimePart>().Single();
        attachment.FileName.Should().Be($"invoice-{number}.pdf");
        attachment.ContentType.MimeType.Should().Be("application/pdf");
        using (var content = new MemoryStream())
        {
            await attachment.Content!.DecodeToAsync(content);
            using var pdf = UglyToad.PdfPig.PdfDocument.Open(content.ToArray());
            string.Join(" ", pdf.GetPages().SelectMany(p => p.GetWords()).Select(w => w.Text)).Should().Contain($"Invoice {number}").And.Contain("10.00 EUR");
        }

        // Delivered again (as after a crash before the outbox row was marked): the receipt is not emailed twice.
        await factory.Database.ExecuteAsync($"UPDATE billing.outbox SET dispatched_at = NULL WHERE payload ->> 'purchaseId' = '{purchaseId}'");
        await WaitForDispatchAsync(purchaseId, attempts: 2);
        (await ReceiptsAsync(ownerEmail)).Should().Be(1);
    }

    [Fact]
    public async Task A_balance_falling_below_the_warning_level_is_emailed_once_per_crossing()
    {
        var (owner, companyId) = await factory.CompanyAsync($"Low balance {Guid.NewGuid():N}");
        var ownerEmail = await OwnerEmailAsync(companyId);
        var (_, page) = await owner.GetAsync("/Billing");
        page.Should().Contain("value=\"100\"", "every company starts with a warning at 100 credits");

        // Bad levels are refused with a message and change nothing.
        foreach (var bad in new[] { "0", "-5", "lots" })
        {
            var refused = await owner.PostFormAsync("/Billing", new() { ["Warning.Credits"] = bad }, "Warning");
            refused.StatusCode.Should().Be(HttpStatusCode.OK);
            WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync()).Should().MatchRegex("Enter a whole number of credits|is not valid");
        }

        (await ThresholdAsync(companyId)).Should().Be(100);
        var saved = await owner.PostFormAsync("/Billing", new() { ["Warning.Credits"] = "8" }, "Warning");
        saved.StatusCode.Should().Be(HttpStatusCode.Redirect, await saved.Content.ReadAsStringAsync());
        (await ThresholdAsync(companyId)).Should().Be(8);

        // 10 trial credits: 10 -> 7 crosses 8; 7 -> 6 stays below and says nothing more.
        await ReserveAsync(companyId, 3);
        await ReserveAsync(companyId, 1);
        await WaitForWarningsDispatchedAsync(companyId, 1);
        (await WarningsAsync(ownerEmail)).Should().Be(1);
        (await factory.Database.ScalarAsync<string>(
                "SELECT subject || ' ' || text_body FROM platform.emails WHERE kind = 'notice.low-balance' AND to_address = @e", ("e", ownerEmail)))
            .Should().Contain("7 credits available").And.Contain("warning level of 8").And.Contain($"{BillingFactory.PublicBaseUrl}/Billing");

        // A release and a purchase raise the balance without a word; once above the level, falling below warns again.
        var held = await ReserveAsync(companyId, 1);
        (await factory.SendAsync(new ReleaseCredits(companyId, held))).Should().Be(1);
        await factory.BuyAsync(owner, companyId);
        await ReserveAsync(companyId, 1_000);
        await WaitForWarningsDispatchedAsync(companyId, 2);
        (await WarningsAsync(ownerEmail)).Should().Be(2);

        // Turned off: no more warnings however low the balance goes.
        (await owner.PostFormAsync("/Billing", new() { ["Warning.Credits"] = string.Empty }, "Warning")).StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await ThresholdAsync(companyId)).Should().BeNull();
        await factory.BuyAsync(owner, companyId);
        await ReserveAsync(companyId, 1_000);
        (await factory.Database.ScalarAsync<long>(
            "SELECT count(*) FROM billing.outbox WHERE event_type LIKE '%LowCreditBalance%' AND payload ->> 'companyId' = @c", ("c", companyId.ToString()))).Should().Be(2);
    }

    private async Task<Guid> ReserveAsync(Guid companyId, long credits)
    {
        var id = Guid.NewGuid();
        (await factory.SendAsync(new ReserveCredits(companyId, id, credits, "test campaign"))).Reserved.Should().BeTrue();
        return id;
    }

    private async Task<long?> ThresholdAsync(Guid companyId) =>
        await factory.Database.ScalarAsync<long?>("SELECT low_balance_threshold FROM billing.credit_accounts WHERE company_id = @c", ("c", companyId));

    private async Task<string> OwnerEmailAsync(Guid companyId) =>
        (await factory.Database.ScalarAsync<string>("SELECT email FROM accounts.users WHERE company_id = @c", ("c", companyId)))!;

    private Task WaitForDispatchAsync(Guid purchaseId, int attempts) =>
        factory.Database.WaitForAsync("the payment event dispatched", TimeSpan.FromSeconds(60),
            "SELECT count(*) = 1 FROM billing.outbox WHERE payload ->> 'purchaseId' = @id AND dispatched_at IS NOT NULL AND attempts = @a",
            ("id", purchaseId.ToString()), ("a", attempts));

    private Task WaitForWarningsDispatchedAsync(Guid companyId, int count) =>
        factory.Database.WaitForAsync($"{count} low-balance events dispatched", TimeSpan.FromSeconds(60),
            "SELECT count(*) = @n FROM billing.outbox WHERE event_type LIKE '%LowCreditBalance%' AND payload ->> 'companyId' = @c AND dispatched_at IS NOT NULL",
            ("n", (long)count), ("c", companyId.ToString()));

    private async Task<long> ReceiptsAsync(string to) =>
        await factory.Database.ScalarAsync<long>("SELECT count(*) FROM platform.emails WHERE kind = 'notice.payment-received' AND to_address = @t", ("t", to));

    private async Task<long> WarningsAsync(string to) =>
        await factory.Database.ScalarAsync<long>("SELECT count(*) FROM platform.emails WHERE kind = 'notice.low-balance' AND to_address = @t", ("t", to));
}
