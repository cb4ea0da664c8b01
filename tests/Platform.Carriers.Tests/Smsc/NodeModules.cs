using System.Diagnostics;

namespace Platform.Carriers.Tests.Smsc;

/// <summary>
/// node_modules is not committed: a test's pinned npm packages (its package.json and package-lock.json) are installed on
/// first use, one install at a time in this process. Used by the SMPP SMSC (npm smpp) and the billing tests' Stripe signer
/// (npm stripe).
/// </summary>
internal static class NodeModules
{
    private static readonly SemaphoreSlim InstallLock = new(1, 1);

    /// <summary>Installs <paramref name="directory"/>'s packages unless <paramref name="package"/> is there already.</summary>
    public static async Task EnsureAsync(string directory, string package)
    {
        await InstallLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (File.Exists(Path.Combine(directory, "node_modules", package, "package.json")))
            {
                return;
            }

            var install = new ProcessStartInfo("npm", File.Exists(Path.Combine(directory, "package-lock.json"))
                ? ["ci", "--no-audit", "--no-fund"]
                : ["install", "--no-audit", "--no-fund"])
            {
                WorkingDirectory = directory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var process = Process.Start(install) ?? throw new InvalidOperationException("Could not start npm.");
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3)).ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"npm install failed in {directory}: {await output.ConfigureAwait(false)} {await error.ConfigureAwait(false)}");
            }
        }
        finally
        {
            InstallLock.Release();
        }
    }
}
