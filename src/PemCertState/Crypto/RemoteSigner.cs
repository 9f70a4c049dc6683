using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.X509;

namespace PemCertState.Crypto;

/// <summary>
/// Signs for a CA whose private key stays on its host: BouncyCastle builds the to-be-signed bytes here, <c>sign</c> gets them
/// signed where the key is (openssl dgst -sign there), and the signature is put in the certificate or CRL with the algorithm
/// that key calls for. Nothing of the key comes here; nothing cryptographic is done here but hashing by the other side.
/// </summary>
/// <param name="Sign">Signs the bytes given with the CA key, in <see cref="Digest"/>: PKCS#1 v1.5 for RSA, a DER ECDSA-Sig-Value for EC.</param>
internal sealed record RemoteSigner(AlgorithmIdentifier Algorithm, string Digest, Func<byte[], CancellationToken, Task<byte[]>> Sign)
{
    /// <summary>The algorithm in-process signing picks for the same key (<see cref="PlatformSignatureFactory"/>): SHA-256 with RSA, ECDSA with the curve's size.</summary>
    public static RemoteSigner For(AsymmetricKeyParameter publicKey, Func<byte[], CancellationToken, Task<byte[]>> sign)
    {
        var (algorithm, digest) = AlgorithmFor(publicKey);
        return new RemoteSigner(algorithm, digest, sign);
    }

    public static (AlgorithmIdentifier Algorithm, string Digest) AlgorithmFor(AsymmetricKeyParameter publicKey) => publicKey switch
    {
        RsaKeyParameters => (new AlgorithmIdentifier(PkcsObjectIdentifiers.Sha256WithRsaEncryption, DerNull.Instance), "sha256"),
        ECKeyParameters ec => ec.Parameters.N.BitLength switch
        {
            <= 256 => (new AlgorithmIdentifier(X9ObjectIdentifiers.ECDsaWithSha256), "sha256"),
            <= 384 => (new AlgorithmIdentifier(X9ObjectIdentifiers.ECDsaWithSha384), "sha384"),
            _ => (new AlgorithmIdentifier(X9ObjectIdentifiers.ECDsaWithSha512), "sha512"),
        },
        _ => throw new NotSupportedException($"cannot sign with a {publicKey.GetType().Name}"),
    };

    public async Task<X509Certificate> SignAsync(X509V3CertificateGenerator generator, CancellationToken ct)
    {
        var draft = generator.Generate(new Deferred(Algorithm));
        var tbs = draft.CertificateStructure.TbsCertificate;
        var signature = await Sign(tbs.GetDerEncoded(), ct).ConfigureAwait(false);
        return new X509Certificate(new X509CertificateStructure(tbs, Algorithm, new DerBitString(signature)));
    }

    public async Task<X509Crl> SignAsync(X509V2CrlGenerator generator, CancellationToken ct)
    {
        var draft = generator.Generate(new Deferred(Algorithm));
        var tbs = draft.CertificateList.TbsCertList;
        var signature = await Sign(tbs.GetDerEncoded(), ct).ConfigureAwait(false);
        return new X509Crl(CertificateList.GetInstance(new DerSequence(tbs, Algorithm, new DerBitString(signature))));
    }

    /// <summary>Takes the to-be-signed bytes BouncyCastle writes and answers with an empty signature: the draft is never used as is.</summary>
    private sealed class Deferred(AlgorithmIdentifier algorithm) : ISignatureFactory
    {
        public object AlgorithmDetails => algorithm;

        public IStreamCalculator<IBlockResult> CreateCalculator() => new Calculator();

        private sealed class Calculator : IStreamCalculator<IBlockResult>
        {
            public Stream Stream { get; } = Stream.Null;

            public IBlockResult GetResult() => new SimpleBlockResult([0]);
        }
    }
}
