using PemCertState.Crypto;
using PemCertState.Inventory;
using Xunit;

namespace PemCertState.Tests.Crypto;

public sealed class KeyGeneratorTests
{
    [Theory]
    [InlineData(KeyAlgorithm.Rsa, 2048, "RSA 2048")]
    [InlineData(KeyAlgorithm.Rsa, 4096, "RSA 4096")]
    [InlineData(KeyAlgorithm.Ecdsa, 256, "ECDSA P-256")]
    [InlineData(KeyAlgorithm.Ecdsa, 384, "ECDSA P-384")]
    public void A_generated_key_is_described_as_what_was_asked(KeyAlgorithm algorithm, int size, string words)
    {
        var spec = new KeySpec(algorithm, size);

        var pair = KeyGenerator.Generate(spec);

        Assert.Equal(spec, KeyGenerator.Describe(pair.Private));
        Assert.Equal(spec, KeyGenerator.Describe(pair.Public));
        Assert.Equal(words, KeyGenerator.Describe(pair.Public).ToString());
        Assert.Equal(Fingerprints.PublicKey(pair.Public), Fingerprints.PublicKey(pair.Private));
    }

    [Fact]
    public void Keys_generated_in_parallel_are_all_different()
    {
        var pairs = new Org.BouncyCastle.Crypto.AsymmetricCipherKeyPair[16];

        Parallel.For(0, pairs.Length, i => pairs[i] = KeyGenerator.Generate(i % 2 == 0 ? KeySpec.EcdsaP256 : KeySpec.Rsa(2048)));

        Assert.Equal(pairs.Length, pairs.Select(p => Fingerprints.PublicKey(p.Public)).Distinct().Count());
    }

    [Theory]
    [InlineData(KeyAlgorithm.Rsa, 1024)]
    [InlineData(KeyAlgorithm.Rsa, 2049)]
    [InlineData(KeyAlgorithm.Ecdsa, 521)]
    public void Unsupported_sizes_are_refused(KeyAlgorithm algorithm, int size)
        => Assert.Throws<ArgumentOutOfRangeException>(() => KeyGenerator.Generate(new KeySpec(algorithm, size)));
}
