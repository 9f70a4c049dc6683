using Xunit;

namespace PemCertState.IntegrationTests.Support;

/// <summary>examples/trusted-ca/external-ca.sh: the openssl CA (root + intermediate) the README points users at.</summary>
internal static class ExternalCa
{
    /// <param name="command">init (a new CA in <paramref name="folder"/>) or sign (every request in its csr folder).</param>
    /// <param name="name">The CA's name: "Example Root CA", "Example Issuing CA 1".</param>
    /// <param name="extra">A further argument: the certificate file for revoke.</param>
    public static void Run(string folder, string command, string name = "Example", string? extra = null)
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "PemCertState.sln"))) root = root.Parent!;
        var (code, output) = Processes.Run("sh", [Path.Combine(root.FullName, "examples", "trusted-ca", "external-ca.sh"), command, folder, .. extra is null ? Array.Empty<string>() : [extra]],
            new Dictionary<string, string> { ["NAME"] = name });
        Assert.True(code == 0, output);
    }
}
