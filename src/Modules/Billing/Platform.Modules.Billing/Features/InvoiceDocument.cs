using System.Globalization;
using MediatR;
using Microsoft.Extensions.Options;
using PdfSharp.Drawing;
using PdfSharp.Fonts;
using PdfSharp.Pdf;
using Platform.Modules.Accounts.Contracts;
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
    public string Money(long minor) => string.Create(CultureInfo.InvariantCulture, $"{minor / 100m:0.00} {Currency}");
}

/// <summary>The invoice of one of the signed-in company's paid purchases; null otherwise (404).</summary>
internal sealed record GetInvoiceDocument(Guid PurchaseId) : IRequest<InvoiceDocument?>;

internal sealed class GetInvoiceDocumentHandler(IMediator mediator, ITenantContext tenant, IOptions<BillingOptions> options) : IRequestHandler<GetInvoiceDocument, InvoiceDocument?>
{
    public async Task<InvoiceDocument?> Handle(GetInvoiceDocument request, CancellationToken cancellationToken)
    {
        if (await mediator.Send(new GetInvoice(request.PurchaseId), cancellationToken) is not { } invoice)
        {
            return null;
        }

        var seller = options.Value.Invoice;
        var company = await mediator.Send(new GetCompany(tenant.RequireCompanyId()), cancellationToken);
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

    public static byte[] Render(InvoiceDocument invoice)
    {
        using var document = new PdfDocument();
        document.Info.Title = $"Invoice {invoice.Number}";
        document.Info.Author = invoice.SellerName;
        var page = document.AddPage();
        page.Size = PdfSharp.PageSize.A4;
        using (var graphics = XGraphics.FromPdfPage(page))
        {
            var title = new XFont(Family, 18, XFontStyleEx.Bold);
            var label = new XFont(Family, 10, XFontStyleEx.Bold);
            var text = new XFont(Family, 10, XFontStyleEx.Regular);
            const double left = 56, valueAt = 200, line = 16;
            var y = 64.0;
            graphics.DrawString($"Invoice {invoice.Number}", title, XBrushes.Black, left, y);
            y += 36;

            void Row(string caption, string value)
            {
                graphics.DrawString(caption, label, XBrushes.Black, left, y);
                graphics.DrawString(value, text, XBrushes.Black, valueAt, y);
                y += line;
            }

            Row("From", invoice.SellerName);
            foreach (var part in new[] { invoice.SellerAddress, invoice.SellerTaxId }.Where(p => !string.IsNullOrEmpty(p)))
            {
                Row(string.Empty, part!);
            }

            Row("To", invoice.BuyerName);
            if (invoice.BuyerCountry is { } country)
            {
                Row("Country", country);
            }

            Row("Number", invoice.Number);
            Row("Date", invoice.Date?.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? string.Empty);
            Row("Pack", string.Create(CultureInfo.InvariantCulture, $"{invoice.Pack} ({invoice.Credits} credits)"));
            y += line / 2;
            Row("Net", invoice.Money(invoice.Net));
            Row(invoice.TaxCaption, invoice.Money(invoice.Tax));
            Row("Amount", invoice.Money(invoice.Gross));
            Row("Paid", invoice.PaidWith);
            for (var i = 0; i < invoice.BillingContact.Count; i++)
            {
                Row(i == 0 ? "Billing contact" : string.Empty, invoice.BillingContact[i]);
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
