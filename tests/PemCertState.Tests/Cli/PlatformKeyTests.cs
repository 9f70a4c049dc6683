using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Cli;

/// <summary>
/// Every private key `pemstate apply` writes comes from the platform's generator and is one that OpenSSL finds sound,
/// at every size and curve the inventory accepts (openssl rsa -check / openssl ec -check, independent of our code).
/// </summary>
public sealed class PlatformKeyTests
{
    [Theory]
    [InlineData("{ algorithm: rsa, bits: 2048 }", "rsa", "Private-Key: (2048 bit, 2 primes)")]
    [InlineData("{ algorithm: rsa, bits: 3072 }", "rsa", "Private-Key: (3072 bit, 2 primes)")]
    [InlineData("{ algorithm: rsa, bits: 4096 }", "rsa", "Private-Key: (4096 bit, 2 primes)")]
    [InlineData("{ algorithm: ecdsa, curve: p256 }", "ec", "ASN1 OID: prime256v1")]
    [InlineData("{ algorithm: ecdsa, curve: p384 }", "ec", "ASN1 OID: secp384r1")]
    public void Every_written_key_passes_openssls_own_check(string key, string kind, string described)
    {
        // Given a lab whose agent and server keys are of one size (the CA stays RSA, as PEM's sslutils needs)
        using var lab = Lab.Create(agents: 1, key: key);

        // When it is applied, with the verbose log on
        var result = Pemstate.RunWith(lab.Root, new Dictionary<string, string?>(), "apply", "--auto-approve", "--verbose");

        // Then the keys were made, none of their bytes reached the log, and openssl finds each one sound
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("generated ", result.Stderr, StringComparison.Ordinal);
        foreach (var file in new[] { Path.Combine(lab.DataDir, "server.key"), Path.Combine(lab.CertDir(1), "agent1.key") })
        {
            var (exitCode, check) = OpenSsl.Run(kind, "-check", "-noout", "-text", "-in", file);
            Assert.True(exitCode == 0, check);
            Assert.Contains(kind == "rsa" ? "RSA key ok" : "EC Key valid.", check, StringComparison.Ordinal);
            Assert.Contains(described, check, StringComparison.Ordinal);
            var body = File.ReadAllLines(file).Where(l => !l.StartsWith("-----", StringComparison.Ordinal)).First();
            Assert.DoesNotContain(body, result.Stderr + result.Stdout, StringComparison.Ordinal);
        }
    }
}
