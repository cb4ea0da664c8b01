using System.Net;
using Platform.Modules.Billing.Contracts;

namespace Platform.Tests.Integration.Billing;

/// <summary>The company billing page, tenant isolation of invoices, and the admin page's plan and adjustment forms.</summary>
public sealed class PagesTests(BillingFactory factory) : IClassFixture<BillingFactory>
{
    [Fact]
    public async Task The_company_sees_its_plan_balance_reserved_credits_and_history_newest_first()
    {
        var (owner, companyId) = await factory.CompanyAsync($"Page {Guid.NewGuid():N}");
        await factory.SendAsync(new ReserveCredits(companyId, Guid.NewGuid(), 3, "Spring campaign"));

        var (status, html) = await owner.GetAsync("/Billing");

        status.Should().Be(HttpStatusCode.OK);
        html.Should().Contain("<div class=\"fs-4\" id=\"plan\">Free</div>")
            .And.Contain("<div class=\"fs-4\" id=\"available\">7</div>")
            .And.Contain("<div class=\"fs-4\" id=\"reserved\">3</div>");
        html.IndexOf("Spring campaign", StringComparison.Ordinal).Should().BeLessThan(html.IndexOf("Trial credits on registration", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Another_companys_invoice_is_not_found()
    {
        var (owner, companyId) = await factory.CompanyAsync($"Owner {Guid.NewGuid():N}");
        var response = await owner.PostFormAsync("/Billing", new() { ["Input.Pack"] = "small" }, "Buy");
        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        var session = factory.Stripe.Sessions.Single(s => s.Form["client_reference_id"] == companyId.ToString());
        var payload = BillingFactory.CheckoutCompleted($"evt_{Guid.NewGuid():N}", session);
        (await factory.DeliverWebhookAsync(payload, factory.Sign(payload))).StatusCode.Should().Be(HttpStatusCode.OK);
        var purchaseId = session.Form["metadata[purchase_id]"];
        var (status, invoice) = await owner.GetAsync($"/Billing/Invoice/{purchaseId}");
        status.Should().Be(HttpStatusCode.OK);
        // Prices include 20% VAT here (BillingFactory): the invoice splits the amount paid into net and tax.
        var gross = long.Parse(session.Form["line_items[0][price_data][unit_amount]"], System.Globalization.CultureInfo.InvariantCulture);
        var net = (long)Math.Round(gross / 1.2m, MidpointRounding.AwayFromZero);
        System.Net.WebUtility.HtmlDecode(invoice).Should().Contain("id=\"invoice-company\">Owner ").And.Contain("id=\"invoice-seller\">")
            .And.Contain(FormattableString.Invariant($"id=\"invoice-net\">{net / 100m:0.00} EUR"))
            .And.Contain(FormattableString.Invariant($"id=\"invoice-tax\">{(gross - net) / 100m:0.00} EUR"))
            .And.Contain(FormattableString.Invariant($"id=\"invoice-gross\">{gross / 100m:0.00} EUR"));
        var download = await owner.Http.GetAsync($"/Billing/Invoice/{purchaseId}?download=true");
        download.Content.Headers.ContentDisposition?.DispositionType.Should().Be("attachment");
        download.Content.Headers.ContentDisposition!.FileName!.Trim('"').Should().StartWith("invoice-").And.EndWith(".html");

        var (other, _) = await factory.CompanyAsync($"Other {Guid.NewGuid():N}");

        (await other.GetAsync($"/Billing/Invoice/{purchaseId}")).Status.Should().Be(HttpStatusCode.NotFound);
        (await other.GetAsync($"/Billing/Invoice/{Guid.NewGuid()}")).Status.Should().Be(HttpStatusCode.NotFound);
        (await other.GetAsync("/Billing")).Body.Should().NotContain(purchaseId);
    }

    [Fact]
    public async Task Company_users_cannot_open_the_admin_page()
    {
        var (owner, _) = await factory.CompanyAsync($"NotAdmin {Guid.NewGuid():N}");

        var (status, _) = await owner.GetAsync("/Admin/Billing");

        status.Should().BeOneOf(HttpStatusCode.Forbidden, HttpStatusCode.Redirect);
    }

    [Theory]
    [InlineData("", "5", "Choose the company.")]
    [InlineData("{company}", "", "Enter the number of credits to add")]
    [InlineData("{company}", "0", "An adjustment of 0 credits changes nothing")]
    [InlineData("{company}", "abc", "The value entered for")]
    [InlineData("{company}", "-11", "you can remove at most that many")]
    [InlineData("{unknown}", "5", "There is no such company.")]
    public async Task The_admin_adjustment_form_explains_what_is_wrong_and_changes_nothing(string company, string credits, string message)
    {
        var (_, companyId) = await factory.CompanyAsync($"Adjust {Guid.NewGuid():N}");
        var admin = await factory.LoginAsync(Infrastructure.PlatformFactory.AdminEmail, Infrastructure.PlatformFactory.AdminPassword);

        var response = await admin.PostFormAsync($"/Admin/Billing/Company?id={companyId}", new()
        {
            ["Adjust.CompanyId"] = company.Replace("{company}", companyId.ToString()).Replace("{unknown}", Guid.NewGuid().ToString()),
            ["Adjust.Credits"] = credits,
            ["Adjust.Reason"] = "Goodwill for the outage",
        }, "Adjust");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()).Should().Contain(message);
        (await factory.SendAsync(new GetCreditBalance(companyId))).Should().Be(new CreditBalance(BillingFactory.TrialCredits, 0));
    }

    [Fact]
    public async Task The_adjustment_reason_is_required()
    {
        var (_, companyId) = await factory.CompanyAsync($"Reason {Guid.NewGuid():N}");
        var admin = await factory.LoginAsync(Infrastructure.PlatformFactory.AdminEmail, Infrastructure.PlatformFactory.AdminPassword);

        var response = await admin.PostFormAsync($"/Admin/Billing/Company?id={companyId}", new() { ["Adjust.CompanyId"] = companyId.ToString(), ["Adjust.Credits"] = "5", ["Adjust.Reason"] = "" }, "Adjust");

        WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()).Should().Contain("Enter the reason for the adjustment");
        (await factory.SendAsync(new GetCreditBalance(companyId))).Available.Should().Be(BillingFactory.TrialCredits);
    }

    [Fact]
    public async Task The_admin_adjusts_credits_with_a_reason_and_sets_the_plan_and_limits()
    {
        var (owner, companyId) = await factory.CompanyAsync($"Admin {Guid.NewGuid():N}");
        var admin = await factory.LoginAsync(Infrastructure.PlatformFactory.AdminEmail, Infrastructure.PlatformFactory.AdminPassword);

        var adjusted = await admin.PostFormAsync($"/Admin/Billing/Company?id={companyId}", new() { ["Adjust.CompanyId"] = companyId.ToString(), ["Adjust.Credits"] = "-4", ["Adjust.Reason"] = "Duplicate trial" }, "Adjust");
        var planned = await admin.PostFormAsync($"/Admin/Billing/Company?id={companyId}", new() { ["Plan.CompanyId"] = companyId.ToString(), ["Plan.Plan"] = "Free", ["Plan.MaxRecipientsPerCampaign"] = "250" }, "Plan");

        (await adjusted.Content.ReadAsStringAsync()).Should().Contain("the company now has 6 credits available");
        (await planned.Content.ReadAsStringAsync()).Should().Contain("Plan set to Free.");
        (await factory.SendAsync(new GetCreditBalance(companyId))).Available.Should().Be(6);
        (await factory.SendAsync(new GetPlanLimits(companyId))).Should().Be(new PlanLimits("Free", 250));
        (await owner.GetAsync("/Billing")).Body.Should().Contain("Duplicate trial").And.Contain("id=\"max-recipients\">250<");
    }

    [Fact]
    public async Task The_admin_finds_a_company_by_name_and_sees_its_balance_purchases_and_ledger_without_a_GUID_to_paste()
    {
        var name = $"Findable Bakery {Guid.NewGuid():N}"[..28];
        var (owner, companyId) = await factory.CompanyAsync(name);
        await factory.BuyAsync(owner, companyId);
        var admin = await factory.LoginAsync(Infrastructure.PlatformFactory.AdminEmail, Infrastructure.PlatformFactory.AdminPassword);

        var (_, list) = await admin.GetAsync("/Admin/Billing");
        Visible(list).Should().NotContain(companyId.ToString(), "admins see names, not ids");
        var (_, found) = await admin.GetAsync("/Admin/Billing?Name=" + Uri.EscapeDataString(name[5..20].ToUpperInvariant()));
        found.Should().Contain(name).And.Contain($"/Admin/Billing/Company?id={companyId}");
        var (_, other) = await admin.GetAsync("/Admin/Billing?Name=no%25such_company");
        other.Should().Contain("id=\"none\"", "% and _ are searched for, not patterns");

        var (_, company) = await admin.GetAsync($"/Admin/Billing/Company?id={companyId}");
        var invoice = await factory.Database.ScalarAsync<string>("SELECT invoice_number FROM billing.purchases WHERE company_id = @c AND status = 'Paid'", ("c", companyId));
        company.Should().Contain(name).And.Contain(invoice!).And.Contain("id=\"available\">1010<").And.Contain("Trial credits on registration");
        Visible(company).Should().NotContain(companyId.ToString());
        var adjusted = await admin.PostFormAsync($"/Admin/Billing/Company?id={companyId}", new() { ["Adjust.CompanyId"] = companyId.ToString(), ["Adjust.Credits"] = "25", ["Adjust.Reason"] = "Goodwill for the outage" }, "Adjust");
        WebUtility.HtmlDecode(await adjusted.Content.ReadAsStringAsync()).Should().Contain("the company now has 1035 credits available").And.Contain("Goodwill for the outage (by a platform admin)");
    }

    /// <summary>The page as a person reads it: without link targets and hidden form values.</summary>
    private static string Visible(string html) =>
        System.Text.RegularExpressions.Regex.Replace(html, "(href|value|action)=\"[^\"]*\"", string.Empty);
}
