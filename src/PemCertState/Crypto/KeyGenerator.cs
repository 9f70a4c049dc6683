using Org.BouncyCastle.Crypto;
using PemCertState.Inventory;

namespace PemCertState.Crypto;

/// <summary>Generates private keys with the platform (OpenSSL-backed) generator and hands them to BouncyCastle.</summary>
public static class KeyGenerator
{
    public static AsymmetricCipherKeyPair Generate(KeySpec spec) => throw new NotImplementedException();

    /// <summary>What kind of key this is, in inventory terms (RSA bits or ECDSA curve size).</summary>
    public static KeySpec Describe(AsymmetricKeyParameter publicOrPrivateKey) => throw new NotImplementedException();
}
