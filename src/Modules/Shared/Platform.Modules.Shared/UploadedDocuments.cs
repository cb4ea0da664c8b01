using Microsoft.AspNetCore.Http;

namespace Platform.Modules.Shared;

/// <summary>
/// The rules for a document a person uploads (Sender ID evidence, a support ticket's attachment): PDF, PNG or JPEG, the
/// type from the first bytes, never from the name or the browser; no path in the name (names are never used for storage).
/// </summary>
public static class UploadedDocuments
{
    public const string TypesHint = "Upload a PDF, PNG or JPEG file.";

    /// <summary>The detected content type (application/pdf, image/png, image/jpeg), or null.</summary>
    public static string? Sniff(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith("%PDF-"u8))
        {
            return "application/pdf";
        }

        if (head.StartsWith(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }))
        {
            return "image/png";
        }

        if (head.StartsWith(new byte[] { 0xFF, 0xD8, 0xFF }))
        {
            return "image/jpeg";
        }

        return null;
    }

    public static string? Sniff(IFormFile file)
    {
        using var stream = file.OpenReadStream();
        Span<byte> head = stackalloc byte[8];
        var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return Sniff(head[..read]);
    }

    /// <summary>A name with a path in it (../, slashes, drive letters) is refused; names are never used for storage anyway.</summary>
    public static bool NameLooksLikeAPath(string fileName) =>
        fileName.Contains("..", StringComparison.Ordinal) || fileName.IndexOfAny(['/', '\\', ':', '\0']) >= 0;

    /// <summary>What is wrong with the uploaded <paramref name="label"/> (a sentence for the form), or null when it may be kept.</summary>
    public static string? Problem(IFormFile file, string label, long maxBytes) =>
        NameLooksLikeAPath(file.FileName) ? $"The {label}'s file name must not contain a path (\"..\", slashes). Rename the file and upload it again."
        : file.Length > maxBytes ? $"The {label} is larger than {maxBytes / (1024 * 1024)} MB. Upload a smaller file."
        : Sniff(file) is null ? $"The {label} is not a PDF, PNG or JPEG file (checked by its content, not its name). {TypesHint}"
        : null;

    public static string Extension(string contentType) => contentType switch
    {
        "application/pdf" => "pdf",
        "image/png" => "png",
        _ => "jpg",
    };
}
