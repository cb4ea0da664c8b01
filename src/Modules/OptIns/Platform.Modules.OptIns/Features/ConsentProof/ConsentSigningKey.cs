using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Platform.Modules.OptIns.Features.ConsentProof;

/// <summary>
/// The key that signs consent checkpoints: read from a PEM file named in configuration, never from the database, so
/// someone who can write the database still cannot sign a checkpoint for a rewritten chain. Loaded on first use.
/// </summary>
internal sealed class ConsentSigningKey(IOptions<OptInsOptions> options, IHostEnvironment environment) : IDisposable
{
    private readonly Lazy<ECDsa> key = new(() => Load(KeyFile(options.Value, environment)));

    /// <summary>The public key (SubjectPublicKeyInfo PEM) that verifies checkpoints: published at /privacy/consent-key.pem.</summary>
    public string PublicKeyPem => key.Value.ExportSubjectPublicKeyInfoPem();

    /// <summary>The first 16 bytes of SHA-256 over the public key (DER), hex: names the key in checkpoints and bundles.</summary>
    public string KeyId => IdOf(key.Value);

    /// <summary>ECDSA P-256 over SHA-256 of the UTF-8 body, DER-encoded (what <c>openssl dgst -sha256 -verify</c> reads).</summary>
    public byte[] Sign(string body) =>
        key.Value.SignData(Encoding.UTF8.GetBytes(body), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

    public static bool Verify(string publicKeyPem, string body, byte[] signature)
    {
        using var publicKey = ECDsa.Create();
        publicKey.ImportFromPem(publicKeyPem);
        return publicKey.VerifyData(Encoding.UTF8.GetBytes(body), signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
    }

    public static string IdOf(string publicKeyPem)
    {
        using var publicKey = ECDsa.Create();
        publicKey.ImportFromPem(publicKeyPem);
        return IdOf(publicKey);
    }

    public static string CheckpointDirectory(OptInsOptions options, IHostEnvironment environment) =>
        options.ConsentCheckpointDirectory is { Length: > 0 } directory
            ? directory
            : Path.Combine(environment.ContentRootPath, ".data", "consent-checkpoints");

    public void Dispose()
    {
        if (key.IsValueCreated)
        {
            key.Value.Dispose();
        }
    }

    private static string IdOf(ECDsa key) => Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()).AsSpan(0, 16));

    private static string KeyFile(OptInsOptions options, IHostEnvironment environment) =>
        options.ConsentSigningKeyFile is { Length: > 0 } file
            ? file
            : Path.Combine(environment.ContentRootPath, ".data", "consent-signing-key.pem");

    private static ECDsa Load(string file)
    {
        if (!File.Exists(file))
        {
            Create(file);
        }

        var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(file));
        return key;
    }

    /// <summary>A new key, written only if no other host or process wrote one first (CreateNew), readable by the owner only.</summary>
    private static void Create(string file)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var pem = key.ExportPkcs8PrivateKeyPem();
        var temporary = $"{file}.{Guid.NewGuid():N}.tmp";
        var streamOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            streamOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, streamOptions))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(pem);
        }

        try
        {
            // Atomic: a reader never sees half a key, and a key another host wrote first wins.
            File.Move(temporary, file, overwrite: false);
        }
        catch (IOException) when (File.Exists(file))
        {
            File.Delete(temporary);
        }
    }
}
