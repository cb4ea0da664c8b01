using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;
using Platform.Tests.Integration.Browser;
using Platform.Tests.Integration.Privacy;
using static Microsoft.Playwright.Assertions;

namespace Platform.Tests.Integration.Billing;

/// <summary>One host process of its own with the Development fake Stripe mapped on itself (/fake-stripe) and test-generated keys.</summary>
public sealed class BillingHostFixture : BrowserHostFixture
{
    protected override string InstanceName => "billing-browser";

    protected override IDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Platform__Billing__FakeStripe__Enabled"] = "true",
        ["Platform__PublicBaseUrl"] = "{BaseUrl}",
        ["Platform__Billing__Stripe__ApiBase"] = "{BaseUrl}/fake-stripe",
        ["Platform__Billing__Stripe__SecretKey"] = $"sk_test_{Guid.NewGuid():N}",
        ["Platform__Billing__Stripe__WebhookSecret"] = $"whsec_{Guid.NewGuid():N}",
        ["Platform__RateLimits__LoginPerMinute"] = "1000",
        // The demo's platform admin (with the test authenticator key), who refunds in the credit-note test.
        ["Platform__Demo__Seed"] = "true",
        ["Platform__Demo__AdminEmail"] = AdminEmail,
        ["Platform__Demo__AdminPassword"] = AdminPassword,
        ["Platform__Demo__OwnerEmail"] = "owner@billing-browser.test",
        ["Platform__Demo__OwnerPassword"] = "BillingOwn3rPass",
        [Infrastructure.TestAdmins.DemoSetting.Key] = Infrastructure.TestAdmins.DemoSetting.Value,
    };

    public const string AdminEmail = "admin@billing-browser.test";
    public const string AdminPassword = "BillingAdm1nPass";
}

public sealed partial class BillingBrowserTests(BillingHostFixture fixture) : BrowserTestBase, IClassFixture<BillingHostFixture>
{
    private async Task<string> BuyAsync(Microsoft.Playwright.IPage page, string company, string email)
    {
        var baseUrl = fixture.Host.BaseUrl;
        await BrowserSession.RegisterCompanyAsync(page, baseUrl, fixture.Database, company, email, "+44 7700 900123");
        await page.GotoAsync($"{baseUrl}/Billing");
        await Expect(page.Locator("#available")).ToHaveTextAsync("100");
        await page.SelectOptionAsync("#Input_Pack", "medium");
        await page.ClickAsync("#buy");

        // The fake Stripe's hosted Checkout page, on the host itself.
        await page.ArriveAtAsync("**/fake-stripe/pay/**");
        await Expect(page.Locator("#amount")).ToHaveTextAsync("45.00 EUR");
        await page.FillAsync("#email", "dana.payer@example.com");
        await page.FillAsync("#card", "4000 0000 0000 0002");
        await page.FillAsync("#expiry", "12 / 34");
        await page.FillAsync("#cvc", "123");
        await page.FillAsync("#name", "Dana Payer");
        await page.FillAsync("#line1", "1 Billing Street");
        await page.FillAsync("#city", "Dublin");
        await page.FillAsync("#postal_code", "D02 X285");
        await page.FillAsync("#country", "IE");
        await page.ClickAsync("#pay");
        await Expect(page.Locator("#card-error")).ToContainTextAsync("declined");
        (await page.InputValueAsync("#card")).Should().BeEmpty("the fake never echoes a card number back");

        await page.FillAsync("#card", "4242 4242 4242 4242");
        await page.FillAsync("#expiry", "12 / 34");
        await page.FillAsync("#cvc", "123");
        await page.ClickAsync("#pay");
        await page.ArriveAtAsync("**/Billing?checkout=success");
        await Expect(page.Locator("#available")).ToHaveTextAsync("5100");
        await Expect(page.Locator("#plan")).ToHaveTextAsync("Paid");
        var invoice = page.Locator("#invoices tbody tr a").First;
        var number = await invoice.InnerTextAsync();
        number.Should().MatchRegex(@"^\d{4}-\d{6}$");
        await invoice.ClickAsync();
        await page.ArriveAtAsync("**/Billing/Invoice/**");
        await Expect(page.Locator("#invoice")).ToContainTextAsync(number);
        await Expect(page.Locator("#invoice")).ToContainTextAsync("45.00 EUR");
        await Expect(page.Locator("#invoice-card")).ToContainTextAsync("Visa •••• 4242 (exp. 12/2034)");
        await Expect(page.Locator("#invoice-contact")).ToContainTextAsync("Dana Payer");
        return number;
    }

    [Fact]
    public async Task The_owner_buys_a_pack_through_the_fake_Stripe_Checkout_with_the_test_card_and_sees_the_balance_and_the_invoice()
    {
        await using var context = await Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(60_000);
        try
        {
            await BuyAsync(page, "Card Browser Pizza", $"olga.{Guid.NewGuid():N}@cardbrowserpizza.example");
        }
        catch
        {
            await BrowserSession.ScreenshotAsync(page, "billing-buy");
            throw;
        }
    }

    [Fact]
    public async Task An_admin_refunds_half_a_purchase_and_the_customer_sees_the_credit_note()
    {
        await using var customerContext = await Browser.NewContextAsync();
        await using var adminContext = await Browser.NewContextAsync();
        var customer = await customerContext.NewPageAsync();
        var admin = await adminContext.NewPageAsync();
        customer.SetDefaultTimeout(60_000);
        admin.SetDefaultTimeout(60_000);
        var company = $"Refund Browser {Guid.NewGuid():N}"[..27];
        try
        {
            var number = await BuyAsync(customer, company, $"olga.{Guid.NewGuid():N}@refundbrowser.example");
            await Expect(customer.Locator("#download-pdf")).ToBeVisibleAsync();

            // The admin finds the company by name and refunds half of the 45.00 EUR pack; the fake Stripe's charge.refunded
            // webhook for it reaches the platform too, and still there is one credit note.
            await admin.AdminLogInAsync(fixture.Host.BaseUrl, BillingHostFixture.AdminEmail, BillingHostFixture.AdminPassword);
            await admin.GotoAsync($"{fixture.Host.BaseUrl}/Admin/Billing");
            await admin.FillAsync("#Name", company[..20]);
            await admin.ClickAsync("#find-company button");
            await admin.ClickAsync($"#accounts a:text-is(\"{company}\")");
            await admin.ArriveAtAsync("**/Admin/Billing/Company**");
            var row = admin.Locator($"#purchases tr[data-invoice=\"{number}\"]");
            await Expect(row.Locator(".unspent")).ToHaveTextAsync("5000");
            await row.Locator(".refund-amount").FillAsync("22.50");
            await row.Locator(".refund-reason").FillAsync("Half the pack was bought by mistake");
            await row.Locator(".refund-button").ClickAsync();
            await Expect(admin.Locator("#message")).ToContainTextAsync("Refunded 22.50 EUR: credit note CN-");
            await Expect(admin.Locator("#message")).ToContainTextAsync("2500 credits taken back.");
            await Expect(admin.Locator("#credit-notes tbody tr")).ToHaveCountAsync(1);

            await customer.GotoAsync($"{fixture.Host.BaseUrl}/Billing");
            await Expect(customer.Locator("#available")).ToHaveTextAsync("2600");
            await Expect(customer.Locator("#credit-notes tbody tr")).ToHaveCountAsync(1);
            await customer.Locator("#credit-notes tbody tr a").First.ClickAsync();
            await customer.ArriveAtAsync("**/Billing/CreditNote/**");
            await Expect(customer.Locator("#credit-note-invoice")).ToContainTextAsync(number);
            await Expect(customer.Locator("#credit-note-gross")).ToHaveTextAsync("22.50 EUR");
            await Expect(customer.Locator("#credit-note-credits")).ToHaveTextAsync("2500");
            await Expect(customer.Locator("#credit-note-number")).ToHaveTextAsync(new Regex(@"^CN-\d{4}-\d{6}$"));
        }
        catch
        {
            await BrowserSession.ScreenshotAsync(customer, "billing-refund-customer");
            await BrowserSession.ScreenshotAsync(admin, "billing-refund-admin");
            throw;
        }
    }

    [Fact]
    public void The_scan_recognises_card_numbers_however_they_are_written()
    {
        CardNumbers("card 4242 4242 4242 4242, 4000-0000-0000-0002 and 378282246310005").Should().Equal("4242424242424242", "4000000000000002", "378282246310005");
        CardNumbers("4242 4242 4242 4241 0000000000000000 +447700900123 2026-11-28 09:51").Should().BeEmpty();
        CardNumbers("fire instance 7822108370750").Should().BeEmpty("a machine counter is not a payment card (major industry identifier 7)");
        CardNumbers("purchase 0a1b2c3d-4994-9208-0202-2f3a4b5c6d7e paid").Should().BeEmpty("a GUID's digit groups are not a card number");
        CardNumbers("id 0a1b2c3d-1111-2222-3333-444455556666, card 4242-4242-4242-4242").Should().Equal("4242424242424242");
        CardNumbers("TraceId:b65ad408184163351208ff1a9e860159, SpanId:ffa7ee80a303ceef").Should().BeEmpty("a trace id's digits (408184163351208, Luhn-valid by chance) are not a card number");
        CardNumbers("trace b65ad408184163351208ff1a9e860159 card 4242424242424242").Should().Equal("4242424242424242");
    }

    [Fact]
    public async Task After_a_purchase_no_Luhn_valid_card_number_is_in_any_text_column_or_in_the_host_log()
    {
        await using var context = await Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(60_000);
        await BuyAsync(page, "Luhn Browser Pizza", $"olga.{Guid.NewGuid():N}@luhnbrowserpizza.example");

        // The receipt with its invoice PDF reaches the mail queue through Billing's outbox: wait for it, so that it is scanned too.
        await fixture.Database.WaitForAsync("the receipt with its invoice PDF queued", TimeSpan.FromSeconds(60),
            "SELECT EXISTS (SELECT 1 FROM platform.email_attachments a JOIN platform.emails e ON e.id = a.email_id WHERE e.kind = 'notice.payment-received')");
        var found = new List<string>();
        var pdfsRead = 0;
        await using var connection = new NpgsqlConnection(fixture.Database.ConnectionString);
        await connection.OpenAsync();
        // bytea too (data protection keys), read as its text form; Hangfire's job arguments and results are text.
        var columns = await PrivacyTestKit.TextColumnsAsync(connection, withBytea: true);
        columns.Should().Contain(c => c.Schema == "billing" && c.Table == "purchases");
        var binary = (await PrivacyTestKit.TextColumnsAsync(connection, withBytea: true)).Except(await PrivacyTestKit.TextColumnsAsync(connection)).ToHashSet();
        foreach (var (schema, table, column) in columns)
        {
            // Binary columns are read as the text inside them (escape encoding), not as hex: hex digits of a serialized
            // session ticket make Luhn-valid runs by chance, text typed into a form would show as itself.
            var isBinary = binary.Contains((schema, table, column));
            var value = isBinary ? $"encode(\"{column}\", 'escape')" : $"\"{column}\"::text";
            // A PDF (an invoice attached to a receipt email) is read as the text it shows: its raw bytes are compressed
            // streams and number arrays (glyph widths), whose digits say nothing about what a person typed.
            const string pdf = "substring(\"{0}\" from 1 for 4) = '\\x25504446'::bytea";
            await using (var select = new NpgsqlCommand(
                $"SELECT {value} FROM \"{schema}\".\"{table}\" WHERE {value} ~ '[0-9]([ -]?[0-9]){{12,18}}'" + (isBinary ? $" AND NOT {string.Format(CultureInfo.InvariantCulture, pdf, column)}" : string.Empty), connection))
            await using (var reader = await select.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    found.AddRange(CardNumbers(reader.GetString(0)).Select(n => $"{schema}.{table}.{column}: {n}"));
                }
            }

            if (isBinary)
            {
                await using var selectPdfs = new NpgsqlCommand($"SELECT \"{column}\" FROM \"{schema}\".\"{table}\" WHERE {string.Format(CultureInfo.InvariantCulture, pdf, column)}", connection);
                await using var pdfs = await selectPdfs.ExecuteReaderAsync();
                while (await pdfs.ReadAsync())
                {
                    using var document = UglyToad.PdfPig.PdfDocument.Open((byte[])pdfs[0]);
                    var text = string.Join(" ", document.GetPages().Select(page => page.Text));
                    found.AddRange(CardNumbers(text).Select(n => $"{schema}.{table}.{column} (PDF text): {n}"));
                    pdfsRead++;
                }
            }
        }

        // With the log line, so a failure says what wrote it.
        found.AddRange(fixture.Host.Output.Split('\n').SelectMany(line => CardNumbers(line).Select(n => $"host log: {n} in {line.Trim()[..Math.Min(line.Trim().Length, 300)]}")));
        found.Should().BeEmpty("no card number is ever stored or logged; the buyer typed 4242 4242 4242 4242 and 4000 0000 0000 0002");
        pdfsRead.Should().BePositive("the receipt's invoice PDF is in the mail queue, and it was read");
    }

    /// <summary>
    /// 13 to 19 digits, optionally grouped by spaces or dashes, that pass the Luhn check and could be a payment card:
    /// its major industry identifier (ISO/IEC 7812, the first digit) is 2 to 6 — Mastercard, Amex, Visa, Discover and
    /// the rest all are — which keeps zero-filled trace ids and tick-based counters (one in ten of any digits passes Luhn)
    /// from being taken for cards. GUIDs are taken out first: their dash-separated groups can be all digits
    /// (…-4994-9208-0202-2f…), which once read as the 13-digit "card" 4994920802022 in the host log; so are hex ids of 16
    /// or more characters with a letter in them (trace and span ids: TraceId b65ad408184163351208ff… once read as the card
    /// 408184163351208). A card number typed into a form is never glued to hex letters.
    /// </summary>
    private static IEnumerable<string> CardNumbers(string text) =>
        Digits().Matches(HexIds().Replace(Guids().Replace(text, " "), " "))
            .Select(m => new string(m.Value.Where(char.IsAsciiDigit).ToArray()))
            .Where(d => d.Length is >= 13 and <= 19 && d[0] is >= '2' and <= '6' && Luhn(d));

    private static bool Luhn(string digits)
    {
        var sum = 0;
        for (var i = 0; i < digits.Length; i++)
        {
            var d = digits[digits.Length - 1 - i] - '0';
            if (i % 2 == 1)
            {
                d = d * 2 > 9 ? (d * 2) - 9 : d * 2;
            }

            sum += d;
        }

        return sum % 10 == 0;
    }

    [GeneratedRegex(@"(?<![0-9])[0-9](?:[ -]?[0-9]){12,18}(?![0-9])")]
    private static partial Regex Digits();

    [GeneratedRegex("(?<![0-9A-Za-z])(?=[0-9A-Fa-f]*[A-Fa-f])[0-9A-Fa-f]{16,}(?![0-9A-Za-z])")]
    private static partial Regex HexIds();

    [GeneratedRegex("[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")]
    private static partial Regex Guids();
}
