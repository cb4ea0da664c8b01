using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Platform.Modules.SenderIds.Features;

/// <summary>
/// Supporting documents on disk, each under its random id (no extension, no uploaded name) in the folder from
/// <c>Platform:SenderIds:DocumentsPath</c>, which is outside the web root.
/// </summary>
internal sealed class DocumentStore
{
    public DocumentStore(IOptions<SenderIdsOptions> options, IHostEnvironment environment)
    {
        Root = Path.GetFullPath(options.Value.DocumentsPath is { Length: > 0 } configured
            ? configured
            : environment.IsEnvironment("Testing")
                ? Path.Combine(Path.GetTempPath(), "platform-tests", "senderid-documents")
                : Path.Combine(environment.ContentRootPath, "..", ".data", "senderid-documents"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string PathOf(Guid id) => Path.Combine(Root, id.ToString("N"));

    public async Task SaveAsync(Guid id, Stream content, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(PathOf(id), FileMode.CreateNew, FileAccess.Write, FileShare.None);
        await content.CopyToAsync(file, cancellationToken);
    }

    public Stream? Open(Guid id) => File.Exists(PathOf(id)) ? new FileStream(PathOf(id), FileMode.Open, FileAccess.Read, FileShare.Read) : null;

    public void Delete(Guid id)
    {
        if (File.Exists(PathOf(id)))
        {
            File.Delete(PathOf(id));
        }
    }
}
