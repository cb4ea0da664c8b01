using System.Net;
using Platform.Modules.Billing.Contracts;

namespace Platform.Tests.Integration.Billing;

/// <summary>Buying credits: Checkout Session at the (fake) Stripe, redirect, signed webhook credited once, invoice.</summary>
public sealed class CheckoutTests(BillingFactory factory) : IClassFixture<BillingFactory>
{
    private async Task<(Platform.Tests.Integration.Infrastructure.FormClient Owner, Guid CompanyId, FakeSessionRequest Session)> CheckoutAsync(string pack = "small")
    {
        var (owner, companyId) = await factory.CompanyAsync($"Buyer {Guid.NewGuid():N}");
        var response = await owner.PostFormAsync("/Billing", new() { ["Input.Pack"] = pack }, "Buy");
        response.StatusCode.Should().Be(HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());
        var session = factory.Stripe.Sessions.Single(s => s.Form["client_reference_id"] == companyId.ToString());
        response.Headers.Location!.ToString().Should().Be($"https://checkout.fake/pay/{session.SessionId}");
        return (owner, companyId, session);
    }

    [Fact]
    public async Task Checkout_creates_a_session_at_Stripe_with_the_right_form_and_redirects_the_buyer()
    {
        var (_, companyId, session) = await CheckoutAsync("medium");

        session.Authorization.Should().Be($"Bearer {factory.SecretKey}");
        session.Form.Should().Contain(new Dictionary<string, string>
        {
            ["mode"] = "payment",
            ["client_reference_id"] = companyId.ToString(),
            ["line_items[0][quantity]"] = "1",
            ["line_items[0][price_data][currency]"] = "eur",
            ["line_items[0][price_data][unit_amount]"] = "4500",
            ["line_items[0][price_data][product_data][name]"] = "5,000 credits",
            ["metadata[pack]"] = "medium",
            ["metadata[credits]"] = "5000",
            ["success_url"] = $"{BillingFactory.PublicBaseUrl}/Billing?checkout=success",
            ["cancel_url"] = $"{BillingFactory.PublicBaseUrl}/Billing?checkout=cancelled",
        });
        session.IdempotencyKey.Should().Be(session.Form["metadata[purchase_id]"]);
        (await factory.Database.ScalarAsync<string>("SELECT stripe_session_id FROM billing.purchases WHERE id = @id", ("id", Guid.Parse(session.IdempotencyKey!)))).Should().Be(session.SessionId);
        (await factory.SendAsync(new GetCreditBalance(companyId))).Available.Should().Be(BillingFactory.TrialCredits, "nothing is credited before Stripe says it is paid");
    }

    [Fact]
    public async Task The_return_addresses_ignore_a_hostile_Host_header()
    {
        var (owner, companyId) = await factory.CompanyAsync($"Hostile Host {Guid.NewGuid():N}");
        var form = new Dictionary<string, string> { ["Input.Pack"] = "small" };
        owner.Http.DefaultRequestHeaders.Host = "attacker.example";

        var response = await owner.PostFormAsync("/Billing", form, "Buy");

        response.StatusCode.Should().Be(HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());
        var session = factory.Stripe.Sessions.Single(s => s.Form["client_reference_id"] == companyId.ToString());
        session.Form["success_url"].Should().Be($"{BillingFactory.PublicBaseUrl}/Billing?checkout=success");
        session.Form["cancel_url"].Should().Be($"{BillingFactory.PublicBaseUrl}/Billing?checkout=cancelled");
    }

    [Fact]
    public async Task The_card_brand_last_four_expiry_and_billing_contact_from_Stripe_are_stored_and_on_the_invoice()
    {
        var (owner, _, session) = await CheckoutAsync();
        var payload = BillingFactory.CheckoutCompleted($"evt_{Guid.NewGuid():N}", session, withDetails: true);

        (await factory.DeliverWebhookAsync(payload, factory.Sign(payload))).StatusCode.Should().Be(HttpStatusCode.OK);

        var purchaseId = Guid.Parse(session.Form["metadata[purchase_id]"]);
        (await factory.Database.ScalarAsync<string>(
            "SELECT concat_ws('|', card_brand, card_last4, card_exp_month, card_exp_year, billing_name, billing_email, billing_address_line1, billing_address_city, billing_address_postal_code, billing_address_country) FROM billing.purchases WHERE id = @id",
            ("id", purchaseId)))
            .Should().Be("visa|4242|12|2034|Dana Payer|dana.payer@example.com|1 Billing Street|Dublin|D02 X285|IE");
        var (status, invoice) = await owner.GetAsync($"/Billing/Invoice/{purchaseId}");
        status.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(invoice).Should().Contain("Visa •••• 4242 (exp. 12/2034)")
            .And.Contain("Dana Payer").And.Contain("dana.payer@example.com").And.Contain("1 Billing Street").And.Contain("D02 X285 Dublin");
    }

    [Fact]
    public async Task An_unknown_pack_is_refused_with_a_message()
    {
        var (owner, _) = await factory.CompanyAsync($"Pack {Guid.NewGuid():N}");

        var response = await owner.PostFormAsync("/Billing", new() { ["Input.Pack"] = "free-money" }, "Buy");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()).Should().Contain("Choose one of the packs on offer.");
    }

    [Fact]
    public async Task The_same_webhook_delivered_three_times_concurrently_and_again_later_is_credited_once()
    {
        var (owner, companyId, session) = await CheckoutAsync();
        var payload = BillingFactory.CheckoutCompleted($"evt_{Guid.NewGuid():N}", session);
        var signature = factory.Sign(payload);

        var responses = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => factory.DeliverWebhookAsync(payload, signature)));
        var late = await factory.DeliverWebhookAsync(payload, factory.Sign(payload));
        // A different event for the same session (Stripe may send completed and async_payment_succeeded) credits nothing more.
        var other = BillingFactory.CheckoutCompleted($"evt_{Guid.NewGuid():N}", session);
        var second = await factory.DeliverWebhookAsync(other, factory.Sign(other));

        responses.Append(late).Append(second).Should().OnlyContain(r => r.StatusCode == HttpStatusCode.OK);
        (await factory.SendAsync(new GetCreditBalance(companyId))).Should().Be(new CreditBalance(BillingFactory.TrialCredits + 1000, 0));
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM billing.ledger_entries WHERE company_id = @c AND kind = 'purchase'", ("c", companyId))).Should().Be(1);
        (await factory.SendAsync(new GetPlanLimits(companyId))).Plan.Should().Be("Paid");

        var purchaseId = Guid.Parse(session.Form["metadata[purchase_id]"]);
        var number = await factory.Database.ScalarAsync<string>("SELECT invoice_number FROM billing.purchases WHERE id = @id", ("id", purchaseId));
        number.Should().MatchRegex(@"^\d{4}-\d{6}$");
        var (status, page) = await owner.GetAsync("/Billing");
        status.Should().Be(HttpStatusCode.OK);
        page.Should().Contain(number).And.Contain($"/Billing/Invoice/{purchaseId}");
        var (invoiceStatus, invoice) = await owner.GetAsync($"/Billing/Invoice/{purchaseId}");
        invoiceStatus.Should().Be(HttpStatusCode.OK);
        invoice.Should().Contain(number).And.Contain("10.00 EUR").And.Contain("1000 credits");
    }

    [Fact]
    public async Task Bad_stale_or_tampered_webhooks_are_refused_with_400_and_change_nothing()
    {
        var (_, companyId, session) = await CheckoutAsync();
        var payload = BillingFactory.CheckoutCompleted($"evt_{Guid.NewGuid():N}", session);
        var stale = DateTimeOffset.UtcNow.AddSeconds(-301).ToUnixTimeSeconds();
        var tampered = payload.Replace("\"payment_status\":\"paid\"", "\"payment_status\": \"paid\"");
        tampered.Should().NotBe(payload);

        var cases = new (string Body, string Signature, string Message)[]
        {
            (payload, factory.Sign(payload, secret: "whsec_wrong"), "does not match"),
            (payload, factory.Sign(payload, timestamp: stale), "tolerance"),
            (tampered, factory.Sign(payload), "does not match"),
            (payload, "t=123", "Malformed"),
            (payload, string.Empty, "Missing"),
        };
        foreach (var (body, signature, message) in cases)
        {
            var response = await factory.DeliverWebhookAsync(body, signature);
            response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
            (await response.Content.ReadAsStringAsync()).Should().Contain(message);
        }

        (await factory.SendAsync(new GetCreditBalance(companyId))).Available.Should().Be(BillingFactory.TrialCredits);
        (await factory.Database.ScalarAsync<long>("SELECT count(*) FROM billing.stripe_events WHERE event_id LIKE 'evt_%' AND event_id = @e", ("e", System.Text.Json.JsonDocument.Parse(payload).RootElement.GetProperty("id").GetString()!))).Should().Be(0);

        // Several v1 values (a rolled secret): one matching is enough.
        var t = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var good = factory.Sign(payload, t);
        var rolled = $"t={t},v1={new string('0', 64)},{good.Split(',')[1]}";
        (await factory.DeliverWebhookAsync(payload, rolled)).StatusCode.Should().Be(HttpStatusCode.OK);
        (await factory.SendAsync(new GetCreditBalance(companyId))).Available.Should().Be(BillingFactory.TrialCredits + 1000);
    }

    [Fact]
    public async Task Unknown_event_types_and_unpaid_sessions_are_acknowledged_and_ignored()
    {
        var (_, companyId, session) = await CheckoutAsync();
        var unknown = BillingFactory.Event($"evt_{Guid.NewGuid():N}", "customer.created", new { id = "cus_1", @object = "customer" });
        var unpaid = BillingFactory.CheckoutCompleted($"evt_{Guid.NewGuid():N}", session, "unpaid");

        (await factory.DeliverWebhookAsync(unknown, factory.Sign(unknown))).StatusCode.Should().Be(HttpStatusCode.OK);
        (await factory.DeliverWebhookAsync(unpaid, factory.Sign(unpaid))).StatusCode.Should().Be(HttpStatusCode.OK);

        (await factory.SendAsync(new GetCreditBalance(companyId))).Available.Should().Be(BillingFactory.TrialCredits);
    }
}
