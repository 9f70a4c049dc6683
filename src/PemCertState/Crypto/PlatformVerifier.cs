using System.Collections.Concurrent;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.X509;

namespace PemCertState.Crypto;

/// <summary>
/// Checks a certificate's signature with .NET's OpenSSL-backed RSA/ECDsa, the issuer's public key
/// imported once per issuer certificate object and verifier (observation checks every agent against the same CA).
/// BouncyCastle's managed ECDSA verify was a quarter of a warm plan for 1,000 agents.
/// </summary>
/// <remarks>
/// Only the common algorithms (RSA PKCS#1 v1.5 and ECDSA with SHA-256/384/512) are handled; for anything
/// else, or a key the platform will not import, <see cref="Verifies"/> returns null and the caller asks
/// BouncyCastle. Platform keys are pooled per issuer: instance members of RSA/ECDsa are not documented
/// as thread-safe.
/// </remarks>
internal sealed class PlatformVerifier
{
    private readonly ConcurrentDictionary<X509Certificate, IssuerKey> _issuers = new(ReferenceEqualityComparer.Instance);

    /// <summary>True or false when the platform could decide; null when BouncyCastle should.</summary>
    public bool? Verifies(X509Certificate certificate, X509Certificate issuer)
    {
        var structure = certificate.CertificateStructure;
        var algorithm = structure.SignatureAlgorithm;
        // BouncyCastle refuses a certificate whose inner and outer algorithms differ; let it say so.
        if (!algorithm.Equals(structure.TbsCertificate.Signature))
            return null;
        var (hash, isRsa) = algorithm.Algorithm.Id switch
        {
            "1.2.840.113549.1.1.11" => (HashAlgorithmName.SHA256, true),
            "1.2.840.113549.1.1.12" => (HashAlgorithmName.SHA384, true),
            "1.2.840.113549.1.1.13" => (HashAlgorithmName.SHA512, true),
            "1.2.840.10045.4.3.2" => (HashAlgorithmName.SHA256, false),
            "1.2.840.10045.4.3.3" => (HashAlgorithmName.SHA384, false),
            "1.2.840.10045.4.3.4" => (HashAlgorithmName.SHA512, false),
            _ => (default(HashAlgorithmName), false),
        };
        if (hash.Name is null)
            return null;
        if (isRsa ? algorithm.Parameters is not (null or DerNull) : algorithm.Parameters is not null)
            return null;

        var key = _issuers.GetOrAdd(issuer, static i => new IssuerKey(i));
        if (!key.Usable || key.IsRsa != isRsa)
            return null;
        var platform = key.Rent();
        if (platform is null)
            return null;
        try
        {
            var tbs = structure.TbsCertificate.GetDerEncoded();
            var signature = structure.Signature.GetOctets();
            return platform switch
            {
                RSA rsa => rsa.VerifyData(tbs, signature, hash, RSASignaturePadding.Pkcs1),
                ECDsa ec => ec.VerifyData(tbs, signature, hash, DSASignatureFormat.Rfc3279DerSequence),
                _ => null,
            };
        }
        catch (CryptographicException)
        {
            return null;
        }
        finally
        {
            key.Return(platform);
        }
    }

    private sealed class IssuerKey
    {
        private readonly byte[] _spki = [];
        private readonly ConcurrentBag<AsymmetricAlgorithm> _pool = [];

        public IssuerKey(X509Certificate issuer)
        {
            try
            {
                var info = issuer.CertificateStructure.SubjectPublicKeyInfo;
                var oid = info.Algorithm.Algorithm;
                if (oid.Equals(PkcsObjectIdentifiers.RsaEncryption)) IsRsa = true;
                else if (!oid.Equals(X9ObjectIdentifiers.IdECPublicKey)) return;
                _spki = info.GetDerEncoded();
                var first = Import();
                if (first is null) return;
                _pool.Add(first);
                Usable = true;
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                // not a key the platform takes
            }
        }

        public bool Usable { get; }

        public bool IsRsa { get; }

        public AsymmetricAlgorithm? Rent() => _pool.TryTake(out var key) ? key : Import();

        public void Return(AsymmetricAlgorithm key) => _pool.Add(key);

        private AsymmetricAlgorithm? Import()
        {
            AsymmetricAlgorithm key = IsRsa ? RSA.Create() : ECDsa.Create();
            try
            {
                key.ImportSubjectPublicKeyInfo(_spki, out _);
                return key;
            }
            catch (CryptographicException)
            {
                key.Dispose();
                return null;
            }
        }
    }
}
