using Org.BouncyCastle.Crypto;

namespace PemCertState.Crypto;

internal static class Fingerprints
{
    /// <summary>SHA-256 of the DER SubjectPublicKeyInfo of a public key (or of a private key's public half), lower-case hex.</summary>
    /// <remarks>A key file's pair.Public, its private key and its certificate's public key all give the same value.</remarks>
    public static string PublicKey(AsymmetricKeyParameter publicKey)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        return Sha256Hex(KeyPairs.SubjectPublicKeyInfo(publicKey));
    }

    /// <summary>Lower-case hex SHA-256 of bytes (files, manifests).</summary>
    public static string Sha256Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
}
