using Xunit;

namespace PemCertState.IntegrationTests.Support;

/// <summary>examples/trusted-ca/external-ca.sh: the openssl CA (root + intermediate) the README points users at.</summary>
internal static class ExternalCa
{
    /// <param name="command">init (a new CA in <paramref name="folder"/>) or sign (every request in its csr folder).</param>
    /// <param name="name">The CA's name: "Example Root CA", "Example Issuing CA 1".</param>
    public static void Run(string folder, string command, string name = "Example")
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "PemCertState.sln"))) root = root.Parent!;
        var (code, output) = Processes.Run("sh", [Path.Combine(root.FullName, "examples", "trusted-ca", "external-ca.sh"), command, folder],
            new Dictionary<string, string> { ["NAME"] = name });
        Assert.True(code == 0, output);
    }
}
