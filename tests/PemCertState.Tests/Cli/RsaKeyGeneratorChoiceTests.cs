using PemCertState.Tests.Support;
using Xunit;

namespace PemCertState.Tests.Cli;

/// <summary>
/// `pemstate apply` makes RSA keys with pemstate's prime search unless PEMSTATE_RSA_KEYGEN=openssl asks for
/// OpenSSL's own generator; the verbose log says which one made them, and openssl finds every key sound either way.
/// </summary>
public sealed class RsaKeyGeneratorChoiceTests
{
    [Theory]
    [InlineData(null, "pemstate")]
    [InlineData("openssl", "openssl")]
    public void The_generator_asked_for_makes_the_keys_and_the_log_names_it(string? setting, string generator)
    {
        // Given a lab whose every key is RSA 2048
        using var lab = Lab.Create(agents: 1, key: "{ algorithm: rsa, bits: 2048 }");

        // When it is applied with (or without) PEMSTATE_RSA_KEYGEN
        var result = Pemstate.RunWith(lab.Root, new Dictionary<string, string?> { ["PEMSTATE_RSA_KEYGEN"] = setting }, "apply", "--auto-approve", "--verbose");

        // Then the log names the generator, and every key passes openssl's own check
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains($"(RSA keys by {generator})", result.Stderr, StringComparison.Ordinal);
        foreach (var key in new[] { Path.Combine(lab.DataDir, "ca_key.key"), Path.Combine(lab.DataDir, "server.key"), Path.Combine(lab.CertDir(1), "agent1.key") })
        {
            var (exitCode, check) = OpenSsl.Run("rsa", "-check", "-noout", "-text", "-in", key);
            Assert.True(exitCode == 0, check);
            Assert.Contains("RSA key ok", check, StringComparison.Ordinal);
            Assert.Contains("Private-Key: (2048 bit, 2 primes)", check, StringComparison.Ordinal);
        }
    }
}
