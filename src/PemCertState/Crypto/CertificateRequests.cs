using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Pkcs;

namespace PemCertState.Crypto;

/// <summary>PKCS#10 certificate signing requests for a trusted CA: written for a pending key, read back to tell which key one is for.</summary>
internal static class CertificateRequests
{
    /// <summary>"BEGIN CERTIFICATE REQUEST" for <paramref name="subjectDn"/>, signed with the key (SHA-256), as `openssl req -new` writes.</summary>
    /// <param name="subjectAltNames">DNS names and IP addresses to request as subjectAltName (the web certificate: browsers
    /// match only those); empty: no extension requested.</param>
    /// <remarks>No key usage is requested: the CA decides it; pemstate checks the signed certificate before installing it.</remarks>
    public static string Create(string subjectDn, AsymmetricCipherKeyPair key, IReadOnlyList<string>? subjectAltNames = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        var request = new Pkcs10CertificationRequest(
            PlatformSignatureFactory.For(key.Private), DistinguishedNames.Parse(subjectDn), key.Public, Attributes(subjectAltNames));
        return PemBlocks.Encode("CERTIFICATE REQUEST", request.GetEncoded());
    }

    /// <summary>As <see cref="Create"/>, for a key that stays on its host: the request's to-be-signed bytes are signed there.</summary>
    public static async Task<string> CreateAsync(string subjectDn, AsymmetricKeyParameter publicKey, RemoteSigner signer,
        IReadOnlyList<string>? subjectAltNames, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(signer);
        var info = new CertificationRequestInfo(DistinguishedNames.Parse(subjectDn),
            Org.BouncyCastle.X509.SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(publicKey), Attributes(subjectAltNames));
        var signature = await signer.Sign(info.GetDerEncoded(), ct).ConfigureAwait(false);
        var request = new CertificationRequest(info, signer.Algorithm, new DerBitString(signature));
        return PemBlocks.Encode("CERTIFICATE REQUEST", request.GetDerEncoded());
    }

    private static DerSet Attributes(IReadOnlyList<string>? subjectAltNames)
    {
        var attributes = new DerSet();
        if (subjectAltNames is { Count: > 0 })
        {
            var names = new GeneralNames(subjectAltNames.Select(n => System.Net.IPAddress.TryParse(n, out _)
                ? new GeneralName(GeneralName.IPAddress, n)
                : new GeneralName(GeneralName.DnsName, n)).ToArray());
            var extensions = new X509ExtensionsGenerator();
            extensions.AddExtension(X509Extensions.SubjectAlternativeName, false, names);
            attributes = new DerSet(new AttributePkcs(PkcsObjectIdentifiers.Pkcs9AtExtensionRequest, new DerSet(extensions.Generate())));
        }
        return attributes;
    }

    /// <summary>
    /// True when <paramref name="pem"/> is a request for this key, subject and names (in any order): what
    /// <see cref="Create"/> would write again, up to the signature's randomness. A request written before the
    /// inventory's subject or names changed is not.
    /// </summary>
    public static bool Asks(ReadOnlySpan<byte> pem, string publicKeySha256, string subjectDn, IReadOnlyList<string> subjectAltNames)
    {
        ArgumentNullException.ThrowIfNull(subjectAltNames);
        foreach (var block in PemBlocks.Decode(pem))
        {
            if (block.Label is not ("CERTIFICATE REQUEST" or "NEW CERTIFICATE REQUEST")) continue;
            try
            {
                var request = new Pkcs10CertificationRequest(block.Der);
                if (Fingerprints.PublicKey(request.GetPublicKey()) != publicKeySha256) return false;
                if (DistinguishedNames.Format(request.GetCertificationRequestInfo().Subject) != subjectDn) return false;
                var asked = new List<string>();
                if (request.GetRequestedExtensions()?.GetExtension(X509Extensions.SubjectAlternativeName) is { } extension)
                    foreach (var name in GeneralNames.GetInstance(extension.GetParsedValue()).GetNames())
                        asked.Add(name.TagNo == GeneralName.IPAddress
                            ? new System.Net.IPAddress(Asn1OctetString.GetInstance(name.Name).GetOctets()).ToString()
                            : DerIA5String.GetInstance(name.Name).GetString().ToLowerInvariant());
                return asked.Order(StringComparer.Ordinal).SequenceEqual(subjectAltNames.Order(StringComparer.Ordinal), StringComparer.Ordinal);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return false;
            }
        }
        return false;
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
