using System.Net;
using Platform.Modules.Billing.Contracts;

namespace Platform.Tests.Integration.Billing;

/// <summary>
/// Billing on Stripe.net (ADR 19): the Checkout Session is created by the SDK against the fake (its pinned API version, our
/// idempotency key), webhooks signed by Stripe.net's own helper are accepted once, and what the SDK would refuse is refused
/// with a message of ours and credits nothing.
/// </summary>
public sealed class StripeNetTests(BillingFactory factory) : IClassFixture<BillingFactory>
{
    private async Task<(Guid CompanyId, FakeSessionRequest Session)> CheckoutAsync()
    {
        var (owner, companyId) = await factory.CompanyAsync($"Stripe.net {Guid.NewGuid():N}");
        var response = await owner.PostFormAsync("/Billing", new() { ["Input.Pack"] = "small" }, "Buy");
        response.StatusCode.Should().Be(HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());
        return (companyId, factory.Stripe.Sessions.Single(s => s.Form["client_reference_id"] == companyId.ToString()));
    }

    private async Task<long> PurchaseEntriesAsync(Guid companyId) =>
        await factory.Database.ScalarAsync<long>("SELECT count(*) FROM billing.ledger_entries WHERE company_id = @c AND kind = 'purchase'", ("c", companyId));

    [Fact]
    public async Task A_purchase_through_Stripe_net_against_the_fake_is_credited_once_for_three_deliveries_of_its_webhook()
    {
        var (companyId, session) = await CheckoutAsync();
        session.StripeVersion.Should().Be(Stripe.StripeConfiguration.ApiVersion, "the session was created by Stripe.net, which pins its API version");
        session.IdempotencyKey.Should().Be(session.Form["metadata[purchase_id]"]);
        var payload = BillingFactory.CheckoutCompleted($"evt_{Guid.NewGuid():N}", session, withDetails: true);

        var outcomes = new List<string>();
        foreach (var _ in Enumerable.Range(0, 3))
        {
            // Stripe signs each delivery anew: a fresh header every time, from Stripe.net's own helper.
            var response = await factory.DeliverWebhookAsync(payload, factory.SignWithStripeNet(payload));
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            outcomes.Add(await response.Content.ReadAsStringAsync());
        }

        outcomes.Should().Equal("credited", "already processed", "already processed");
        (await factory.SendAsync(new GetCreditBalance(companyId))).Should().Be(new CreditBalance(BillingFactory.TrialCredits + 1000, 0));
        (await PurchaseEntriesAsync(companyId)).Should().Be(1);
        (await factory.Database.ScalarAsync<string>("SELECT concat_ws('|', status, card_brand, card_last4, billing_address_country) FROM billing.purchases WHERE stripe_session_id = @s", ("s", session.SessionId)))
            .Should().Be("Paid|visa|4242|IE", "Stripe.net read the session, its expanded card and the billing contact");
    }

    [Theory]
    [InlineData("Stripe.net")]
    [InlineData("npm stripe")]
    public async Task A_webhook_signed_by_Stripes_own_library_is_accepted_and_the_same_one_tampered_is_refused_with_a_clear_message_crediting_nothing(string signer)
    {
        var (companyId, session) = await CheckoutAsync();
        var payload = BillingFactory.CheckoutCompleted($"evt_{Guid.NewGuid():N}", session);
        var signature = signer == "npm stripe" ? await factory.SignWithStripeNodeAsync(payload) : factory.SignWithStripeNet(payload);
        signature.Should().MatchRegex(@"^t=\d+,v1=[0-9a-f]{64}");
        var forged = payload.Replace("\"payment_status\":\"paid\"", "\"payment_status\": \"paid\"", StringComparison.Ordinal);
        forged.Should().NotBe(payload);
        // The header's v1 with its last hex digit changed: still well formed, no longer Stripe's.
        var tamperedSignature = signature[..^1] + (signature[^1] == '0' ? '1' : '0');

        foreach (var (body, header) in new[] { (payload, tamperedSignature), (forged, signature) })
        {
            var refused = await factory.DeliverWebhookAsync(body, header);
            refused.StatusCode.Should().Be(HttpStatusCode.BadRequest);
            (await refused.Content.ReadAsStringAsync()).Should().Be("Stripe-Signature does not match the payload.");
        }

        (await factory.SendAsync(new GetCreditBalance(companyId))).Available.Should().Be(BillingFactory.TrialCredits);
        (await PurchaseEntriesAsync(companyId)).Should().Be(0);

        var accepted = await factory.DeliverWebhookAsync(payload, signature);
        accepted.StatusCode.Should().Be(HttpStatusCode.OK);
        (await accepted.Content.ReadAsStringAsync()).Should().Be("credited");
        (await factory.SendAsync(new GetCreditBalance(companyId))).Available.Should().Be(BillingFactory.TrialCredits + 1000);
    }

    [Fact]
    public async Task Events_of_another_API_version_or_none_are_refused_with_what_to_change_and_credit_nothing()
    {
        var (companyId, session) = await CheckoutAsync();
        var older = BillingFactory.CheckoutCompleted($"evt_{Guid.NewGuid():N}", session, apiVersion: "2024-06-20");
        var none = BillingFactory.CheckoutCompleted($"evt_{Guid.NewGuid():N}", session).Replace(
            $"\"api_version\":\"{Stripe.StripeConfiguration.ApiVersion}\",", string.Empty, StringComparison.Ordinal);
        none.Should().NotContain("api_version");
        var notJson = "{\"id\": \"evt_1\", ";

        var cases = new (string Body, string Message)[]
        {
            (older, $"The event's API version 2024-06-20 is not {Stripe.StripeConfiguration.ApiVersion}"),
            (none, "The event has no api_version"),
            (notJson, "The event is not valid JSON of a Stripe event."),
        };
        foreach (var (body, message) in cases)
        {
            var response = await factory.DeliverWebhookAsync(body, factory.Sign(body));
            response.StatusCode.Should().Be(HttpStatusCode.BadRequest, body);
            (await response.Content.ReadAsStringAsync()).Should().Contain(message);
        }

        (await factory.SendAsync(new GetCreditBalance(companyId))).Available.Should().Be(BillingFactory.TrialCredits);
        (await PurchaseEntriesAsync(companyId)).Should().Be(0);
    }
}
