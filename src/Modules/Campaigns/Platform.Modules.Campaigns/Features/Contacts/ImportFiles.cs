using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Platform.Modules.Campaigns.Features.Contacts;

/// <summary>Settings under <c>Platform:Campaigns:Contacts</c>.</summary>
internal sealed class ContactsOptions
{
    public const string Section = "Platform:Campaigns:Contacts";

    /// <summary>
    /// Where uploads wait for their import job (outside the web root). With several nodes this must be storage
    /// they all see, since any node may run the job. Empty: a folder under the system's temp directory.
    /// </summary>
    public string? ImportsPath { get; set; }

    public int MaxRows { get; set; } = 1_000_000;

    /// <summary>The job records how many rows it has read every this many rows (the progress bar).</summary>
    public int ProgressEvery { get; set; } = 10_000;

    /// <summary>The largest upload accepted (a million rows of a few columns fit well within it).</summary>
    public const long MaxUploadBytes = 256L * 1024 * 1024;
}

/// <summary>Uploaded CSV files between the upload and the end of their import job; deleted when the job ends.</summary>
internal sealed class ImportFiles
{
    public ImportFiles(IOptions<ContactsOptions> options, IHostEnvironment environment)
    {
        Root = Path.GetFullPath(options.Value.ImportsPath is { Length: > 0 } configured
            ? configured
            : Path.Combine(Path.GetTempPath(), environment.IsEnvironment("Testing") ? "platform-tests" : "platform", "contact-imports"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string PathOf(Guid importId) => Path.Combine(Root, importId.ToString("N") + ".csv");

    /// <summary>Copies the upload to disk in chunks, counting its lines on the way (the progress bar's estimate).</summary>
    public async Task<int> SaveAsync(Guid importId, Stream content, CancellationToken cancellationToken)
    {
        var lines = 0L;
        var last = (byte)'\n';
        var buffer = new byte[81920];
        await using var file = new FileStream(PathOf(importId), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
        int read;
        while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
        {
            var chunk = buffer.AsMemory(0, read);
            lines += chunk.Span.Count((byte)'\n');
            last = chunk.Span[^1];
            await file.WriteAsync(chunk, cancellationToken);
        }

        if (last != (byte)'\n')
        {
            lines++;
        }

        return (int)Math.Min(int.MaxValue, lines);
    }

    public void Delete(Guid importId)
    {
        try
        {
            File.Delete(PathOf(importId));
        }
        catch (IOException)
        {
            // Another run of the job still has it open; it deletes it when it ends.
        }
    }
}
