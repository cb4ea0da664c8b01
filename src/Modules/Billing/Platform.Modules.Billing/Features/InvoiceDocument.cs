using System.Globalization;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PdfSharp.Drawing;
using PdfSharp.Fonts;
using PdfSharp.Pdf;
using Platform.Modules.Accounts.Contracts;
using Platform.Modules.Billing.Contracts;
using Platform.Modules.Shared;

namespace Platform.Modules.Billing.Features;

/// <summary>
/// What an invoice says, the one home of its content: the HTML page and the PDF are two renderings of this, so their
/// numbers cannot differ. Amounts in minor units; the net and tax split the gross the card was charged (tax included).
/// </summary>
internal sealed record InvoiceDocument(
    Guid PurchaseId,
    string Number,
    DateTimeOffset? Date,
    string SellerName,
    string SellerAddress,
    string? SellerTaxId,
    string BuyerName,
    string? BuyerTaxId,
    string? BuyerCountry,
    string Pack,
    long Credits,
    string Currency,
    long Net,
    string TaxCaption,
    long Tax,
    long Gross,
    string PaidWith,
    IReadOnlyList<string> BillingContact)
{
    public string Money(long minor) => MoneyText.Of(minor, Currency);
}

/// <summary>The invoice of one of the signed-in company's paid purchases; null otherwise (404).</summary>
internal sealed record GetInvoiceDocument(Guid PurchaseId) : IRequest<InvoiceDocument?>;

internal sealed class GetInvoiceDocumentHandler(BillingDbContext db, IMediator mediator, ITenantContext tenant, IOptions<BillingOptions> options)
    : IRequestHandler<GetInvoiceDocument, InvoiceDocument?>
{
    public async Task<InvoiceDocument?> Handle(GetInvoiceDocument request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        return await Invoices.ViewAsync(db, companyId, request.PurchaseId, options.Value, cancellationToken) is { } invoice
            ? InvoiceDocuments.From(invoice, await mediator.Send(new GetCompany(companyId), cancellationToken), options.Value.Invoice)
            : null;
    }
}

/// <summary>For the receipt email (Accounts): the invoice PDF of a company's paid purchase, without a signed-in user.</summary>
internal sealed class GetInvoicePdfHandler(BillingDbContext db, IMediator mediator, IOptions<BillingOptions> options) : IRequestHandler<GetInvoicePdf, InvoicePdfFile?>
{
    public async Task<InvoicePdfFile?> Handle(GetInvoicePdf request, CancellationToken cancellationToken)
    {
        if (await Invoices.ViewAsync(db, request.CompanyId, request.PurchaseId, options.Value, cancellationToken) is not { } view)
        {
            return null;
        }

        var document = InvoiceDocuments.From(view, await mediator.Send(new GetCompany(request.CompanyId), cancellationToken), options.Value.Invoice);
        return new InvoicePdfFile(InvoicePdf.FileName(document), InvoicePdf.Render(document));
    }
}

internal static class InvoiceDocuments
{
    public static InvoiceDocument From(InvoiceView invoice, CompanyDto? company, InvoiceOptions seller)
    {
        // The country the tax was chosen for; for purchases from before that, the company's now.
        var country = invoice.Tax.Country ?? company?.Country;
        var purchase = invoice.Purchase;
        var (net, tax) = invoice.Tax.Split(purchase.AmountMinor);
        var contact = new List<string>();
        contact.AddRange(new[] { invoice.BillingName, invoice.BillingEmail }.OfType<string>());
        contact.AddRange(invoice.BillingAddress);
        return new InvoiceDocument(
            purchase.Id,
            purchase.InvoiceNumber ?? string.Empty,
            purchase.PaidAt,
            seller.SellerName,
            seller.SellerAddress,
            seller.SellerTaxId.Length > 0 ? $"{seller.TaxLabel} ID {seller.SellerTaxId}" : null,
            company?.Name ?? string.Empty,
            invoice.BuyerTaxId is { } buyerTaxId ? $"{seller.TaxLabel} ID {buyerTaxId}" : null,
            PhoneCountries.Find(country)?.Name ?? country,
            purchase.Pack,
            purchase.Credits,
            purchase.Currency.ToUpperInvariant(),
            net,
            $"{invoice.Tax.Label} {invoice.Tax.RatePercent.ToString("0.##", CultureInfo.InvariantCulture)}%",
            tax,
            purchase.AmountMinor,
            invoice.Card is { } card ? $"{card}, through Stripe" : "By card through Stripe",
            contact);
    }
}

/// <summary>
/// What a credit note says (ADR 28): the refund of part or all of an invoice, with the same seller, buyer and tax rate as
/// that invoice, the refunded amount split into net and tax the same way, and the credits taken back.
/// </summary>
internal sealed record CreditNoteDocument(
    Guid RefundId,
    string Number,
    DateTimeOffset Date,
    InvoiceDocument Invoice,
    long Net,
    long Tax,
    long Gross,
    long CreditsReversed)
{
    /// <summary>Stripe returns a refund to the card that paid: named as the invoice names it.</summary>
    public string RefundedTo => Invoice.PaidWith.StartsWith("By card", StringComparison.Ordinal) ? "The card that paid, through Stripe" : Invoice.PaidWith;
}

/// <summary>One of the signed-in company's credit notes; null otherwise (404).</summary>
internal sealed record GetCreditNoteDocument(Guid RefundId) : IRequest<CreditNoteDocument?>;

internal sealed class GetCreditNoteDocumentHandler(BillingDbContext db, IMediator mediator, ITenantContext tenant, IOptions<BillingOptions> options)
    : IRequestHandler<GetCreditNoteDocument, CreditNoteDocument?>
{
    public async Task<CreditNoteDocument?> Handle(GetCreditNoteDocument request, CancellationToken cancellationToken)
    {
        var companyId = tenant.RequireCompanyId();
        var refund = await db.Refunds.AsNoTracking().SingleOrDefaultAsync(r => r.Id == request.RefundId && r.CompanyId == companyId, cancellationToken);
        if (refund is null || await Invoices.ViewAsync(db, companyId, refund.PurchaseId, options.Value, cancellationToken) is not { } invoice)
        {
            return null;
        }

        var document = InvoiceDocuments.From(invoice, await mediator.Send(new GetCompany(companyId), cancellationToken), options.Value.Invoice);
        var (net, tax) = invoice.Tax.Split(refund.AmountMinor);
        return new CreditNoteDocument(refund.Id, refund.CreditNoteNumber, refund.CreatedAt, document, net, tax, refund.AmountMinor, refund.CreditsReversed);
    }
}

/// <summary>
/// The invoice as a PDF (PDFsharp 6.2.4): one A4 page with the same lines as the HTML invoice, in DejaVu Sans embedded
/// from the module (Fonts/, its licence beside it), so the PDF looks the same on any machine and needs no installed font.
/// </summary>
internal static class InvoicePdf
{
    private const string Family = "DejaVu Sans";

    static InvoicePdf()
    {
        // PDFsharp takes one resolver per process, before its first font; the same instance every time (several hosts in one test process).
        lock (EmbeddedFonts.Instance)
        {
            if (GlobalFontSettings.FontResolver is not EmbeddedFonts)
            {
                GlobalFontSettings.FontResolver = EmbeddedFonts.Instance;
            }
        }
    }

    public static string FileName(InvoiceDocument invoice) => $"invoice-{invoice.Number}.pdf";

    public static byte[] Render(InvoiceDocument invoice)
    {
        var rows = Parties(invoice);
        if (invoice.BuyerCountry is { } country)
        {
            rows.Add(("Country", country));
        }

        rows.Add(("Number", invoice.Number));
        rows.Add(("Date", invoice.Date?.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? string.Empty));
        rows.Add(("Pack", string.Create(CultureInfo.InvariantCulture, $"{invoice.Pack} ({invoice.Credits} credits)")));
        rows.Add(null);
        rows.Add(("Net", invoice.Money(invoice.Net)));
        rows.Add((invoice.TaxCaption, invoice.Money(invoice.Tax)));
        rows.Add(("Amount", invoice.Money(invoice.Gross)));
        rows.Add(("Paid", invoice.PaidWith));
        rows.AddRange(invoice.BillingContact.Select((line, i) => ((string, string)?)(i == 0 ? "Billing contact" : string.Empty, line)));
        return Draw($"Invoice {invoice.Number}", invoice.SellerName, rows);
    }

    public static byte[] Render(CreditNoteDocument note)
    {
        var invoice = note.Invoice;
        var rows = Parties(invoice);
        rows.Add(("Number", note.Number));
        rows.Add(("Date", note.Date.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));
        rows.Add(("Credits invoice", $"{invoice.Number} of {invoice.Date?.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}"));
        rows.Add(("Pack", string.Create(CultureInfo.InvariantCulture, $"{invoice.Pack} ({invoice.Credits} credits)")));
        rows.Add(null);
        rows.Add(("Net refunded", invoice.Money(note.Net)));
        rows.Add((invoice.TaxCaption, invoice.Money(note.Tax)));
        rows.Add(("Amount refunded", invoice.Money(note.Gross)));
        rows.Add(("Refunded to", note.RefundedTo));
        rows.Add(("Credits taken back", note.CreditsReversed.ToString(CultureInfo.InvariantCulture)));
        return Draw($"Credit note {note.Number}", invoice.SellerName, rows);
    }

    /// <summary>Seller (with address and tax ID) and buyer (with tax ID): the first rows of an invoice and of its credit notes.</summary>
    private static List<(string, string)?> Parties(InvoiceDocument invoice)
    {
        var rows = new List<(string, string)?> { ("From", invoice.SellerName) };
        rows.AddRange(new[] { invoice.SellerAddress, invoice.SellerTaxId }.Where(p => !string.IsNullOrEmpty(p)).Select(p => ((string, string)?)(string.Empty, p!)));
        rows.Add(("To", invoice.BuyerName));
        if (invoice.BuyerTaxId is { } buyerTaxId)
        {
            rows.Add((string.Empty, buyerTaxId));
        }

        return rows;
    }

    /// <summary>One A4 page: the title, then caption and value rows (null: a half-line gap).</summary>
    private static byte[] Draw(string titleText, string author, IEnumerable<(string Caption, string Value)?> rows)
    {
        using var document = new PdfDocument();
        document.Info.Title = titleText;
        document.Info.Author = author;
        var page = document.AddPage();
        page.Size = PdfSharp.PageSize.A4;
        using (var graphics = XGraphics.FromPdfPage(page))
        {
            var title = new XFont(Family, 18, XFontStyleEx.Bold);
            var label = new XFont(Family, 10, XFontStyleEx.Bold);
            var text = new XFont(Family, 10, XFontStyleEx.Regular);
            const double left = 56, valueAt = 200, line = 16;
            var y = 64.0;
            graphics.DrawString(titleText, title, XBrushes.Black, left, y);
            y += 36;
            foreach (var row in rows)
            {
                if (row is not { } r)
                {
                    y += line / 2;
                    continue;
                }

                graphics.DrawString(r.Caption, label, XBrushes.Black, left, y);
                graphics.DrawString(r.Value, text, XBrushes.Black, valueAt, y);
                y += line;
            }
        }

        using var stream = new MemoryStream();
        document.Save(stream, closeStream: false);
        return stream.ToArray();
    }

    /// <summary>DejaVu Sans regular and bold from the module's embedded resources; every family asked for resolves to it.</summary>
    private sealed class EmbeddedFonts : IFontResolver
    {
        public static readonly EmbeddedFonts Instance = new();

        public FontResolverInfo ResolveTypeface(string familyName, bool bold, bool italic) =>
            new(bold ? "DejaVuSans-Bold" : "DejaVuSans");

        public byte[] GetFont(string faceName)
        {
            var name = $"{typeof(EmbeddedFonts).Assembly.GetName().Name}.Fonts.{faceName}.ttf";
            using var resource = typeof(EmbeddedFonts).Assembly.GetManifestResourceStream(name)
                ?? throw new InvalidOperationException($"The font {name} is not embedded in the Billing module.");
            using var copy = new MemoryStream();
            resource.CopyTo(copy);
            return copy.ToArray();
        }
    }
}
