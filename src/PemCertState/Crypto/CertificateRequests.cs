using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Pkcs;

namespace PemCertState.Crypto;

/// <summary>PKCS#10 certificate signing requests for a trusted CA: written for a pending key, read back to tell which key one is for.</summary>
public static class CertificateRequests
{
    /// <summary>"BEGIN CERTIFICATE REQUEST" for <paramref name="subjectDn"/>, signed with the key (SHA-256), as `openssl req -new` writes.</summary>
    /// <remarks>No extensions are requested: the CA decides key usage; pemstate checks the signed certificate before installing it.</remarks>
    public static string Create(string subjectDn, AsymmetricCipherKeyPair key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var request = new Pkcs10CertificationRequest(
            PlatformSignatureFactory.For(key.Private), DistinguishedNames.Parse(subjectDn), key.Public, new DerSet());
        return PemBlocks.Encode("CERTIFICATE REQUEST", request.GetEncoded());
    }

    /// <summary>The public-key fingerprint (as <see cref="Fingerprints.PublicKey"/>) of a PEM CSR; null when it is not one.</summary>
    public static string? PublicKeySha256(ReadOnlySpan<byte> pem)
    {
        foreach (var block in PemBlocks.Decode(pem))
        {
            if (block.Label is not ("CERTIFICATE REQUEST" or "NEW CERTIFICATE REQUEST")) continue;
            try
            {
                return Fingerprints.PublicKey(new Pkcs10CertificationRequest(block.Der).GetPublicKey());
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // not a readable request
            }
        }
        return null;
    }
}
