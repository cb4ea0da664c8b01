using System.Text;
using System.Text.Encodings.Web;
using Platform.Modules.Shared;

namespace Platform.Host.Mail;

/// <summary>
/// Turns an <see cref="EmailBody"/> into the plain-text and HTML parts, in the product's look. Everything a module
/// wrote is HTML-encoded here, so no module can put markup (or a script) into an email. Inline styles only: mail apps
/// drop style sheets, and no Content-Security-Policy applies to an email.
/// </summary>
internal static class EmailTemplates
{
    public static (string Text, string Html) Render(EmailBody body, string productName, Uri? unsubscribe)
    {
        return (Text(body, productName, unsubscribe), Html(body, productName, unsubscribe));
    }

    private static string Text(EmailBody body, string productName, Uri? unsubscribe)
    {
        var text = new StringBuilder();
        text.Append(body.Heading).Append("\n\n");
        foreach (var paragraph in body.Paragraphs)
        {
            text.Append(paragraph).Append("\n\n");
        }

        if (!string.IsNullOrWhiteSpace(body.Markdown))
        {
            text.Append(body.Markdown.Trim()).Append("\n\n");
        }

        if (body.Action is { } action)
        {
            text.Append(action.Label).Append(": ").Append(action.Url.AbsoluteUri).Append("\n\n");
        }

        text.Append("-- \n").Append(productName);
        if (unsubscribe is not null)
        {
            text.Append("\nUnsubscribe: ").Append(unsubscribe.AbsoluteUri);
        }

        return text.Append('\n').ToString();
    }

    private static string Html(EmailBody body, string productName, Uri? unsubscribe)
    {
        var encode = HtmlEncoder.Default;
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>")
            .Append(encode.Encode(body.Heading))
            .Append("</title></head><body style=\"margin:0;padding:0;background:#f4f5f7;font-family:-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#212529\">")
            .Append("<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\"><tr><td align=\"center\" style=\"padding:24px 12px\">")
            .Append("<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"max-width:560px;background:#ffffff;border-radius:8px\">")
            .Append("<tr><td style=\"background:#0d6efd;color:#ffffff;padding:14px 24px;border-radius:8px 8px 0 0;font-weight:600;font-size:16px\">")
            .Append(encode.Encode(productName))
            .Append("</td></tr><tr><td style=\"padding:24px\"><h1 style=\"font-size:20px;margin:0 0 16px\">")
            .Append(encode.Encode(body.Heading))
            .Append("</h1>");
        foreach (var paragraph in body.Paragraphs)
        {
            html.Append("<p style=\"font-size:15px;line-height:1.5;margin:0 0 14px\">")
                .Append(encode.Encode(paragraph).Replace("&#xA;", "<br>", StringComparison.Ordinal))
                .Append("</p>");
        }

        if (!string.IsNullOrWhiteSpace(body.Markdown))
        {
            html.Append("<div style=\"font-size:15px;line-height:1.5\">").Append(MailMarkdown.ToHtml(body.Markdown)).Append("</div>");
        }

        if (body.Action is { } action)
        {
            var url = encode.Encode(action.Url.AbsoluteUri);
            html.Append("<p style=\"margin:22px 0\"><a href=\"").Append(url)
                .Append("\" style=\"background:#0d6efd;color:#ffffff;text-decoration:none;padding:10px 18px;border-radius:6px;display:inline-block;font-weight:600\">")
                .Append(encode.Encode(action.Label))
                .Append("</a></p><p style=\"font-size:13px;color:#6c757d;margin:0 0 14px\">If the button does not work, open this address: <a href=\"")
                .Append(url).Append("\" style=\"color:#0d6efd\">").Append(url).Append("</a></p>");
        }

        html.Append("</td></tr><tr><td style=\"padding:14px 24px;border-top:1px solid #e9ecef;font-size:12px;color:#6c757d\">")
            .Append(encode.Encode(productName));
        if (unsubscribe is not null)
        {
            html.Append(" · <a href=\"").Append(encode.Encode(unsubscribe.AbsoluteUri)).Append("\" style=\"color:#6c757d\">Unsubscribe</a>");
        }

        return html.Append("</td></tr></table></td></tr></table></body></html>").ToString();
    }
}
