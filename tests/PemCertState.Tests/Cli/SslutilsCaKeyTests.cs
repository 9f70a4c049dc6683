using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Cli;

/// <summary>
/// PEM's sslutils extension signs agent certificates and re-signs the CRL with ca_key.key, which it reads with
/// PEM_read_RSAPrivateKey: the CA key `pemstate apply` writes must come back from that very call.
/// </summary>
public sealed class SslutilsCaKeyTests
{
    [Fact]
    public void The_ca_key_pemstate_writes_is_read_by_PEM_read_RSAPrivateKey_as_sslutils_reads_it()
    {
        // Given a lab with the default self-signed CA settings (an RSA CA, here 2048 bits for speed) and ECDSA leaves
        using var lab = Lab.Create(agents: 1);

        // When the built pemstate applies it
        var apply = Pemstate.Run(lab.Root, "apply", "--auto-approve");

        // Then libcrypto's PEM_read_RSAPrivateKey reads ca_key.key as a sound RSA key
        Assert.True(apply.ExitCode == 0, apply.Stderr);
        var (exitCode, output) = Sslutils.ReadRsaPrivateKey(Path.Combine(lab.DataDir, "ca_key.key"));
        Assert.True(exitCode == 0, output);
        Assert.Equal("RSA_check_key=1 bits=2048", output);
    }

    [Fact]
    public void An_ecdsa_ca_key_allowed_by_opting_out_is_not_readable_by_sslutils()
    {
        // Given a lab whose CA is ECDSA, allowed only because the inventory opts out of sslutils compatibility
        using var lab = Lab.Create(agents: 1, caKey: "{ algorithm: ecdsa, curve: p256 }");
        File.WriteAllText(lab.InventoryPath, File.ReadAllText(lab.InventoryPath)
            .Replace("  source: self-signed\n", "  source: self-signed\n  sslutils_compatible: false\n", StringComparison.Ordinal));

        // When the built pemstate applies it
        var apply = Pemstate.Run(lab.Root, "apply", "--auto-approve");

        // Then the same reader gets NULL: the check above would catch an ECDSA CA key
        Assert.True(apply.ExitCode == 0, apply.Stderr);
        var (exitCode, output) = Sslutils.ReadRsaPrivateKey(Path.Combine(lab.DataDir, "ca_key.key"));
        Assert.Equal((1, "PEM_read_RSAPrivateKey returned NULL"), (exitCode, output));
    }

    [Fact]
    public void Validate_refuses_an_ecdsa_ca_and_says_why_with_its_position()
    {
        // Given a lab whose CA key is ECDSA without the opt-out
        using var lab = Lab.Create(agents: 1, caKey: "{ algorithm: ecdsa, curve: p256 }");

        // When the built pemstate validates, and plans
        var validate = Pemstate.Run(lab.Root, "validate");
        var plan = Pemstate.Run(lab.Root, "plan");

        // Then both exit 1, naming the file, line and column of the algorithm and the reason; nothing was written
        Assert.Equal(1, validate.ExitCode);
        Assert.Contains("pemstate.yaml:7:21: ca.key: PEM's sslutils extension reads ca_key.key with PEM_read_RSAPrivateKey", validate.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, plan.ExitCode);
        Assert.Contains("PEM_read_RSAPrivateKey", plan.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(lab.DataDir));
    }
}
