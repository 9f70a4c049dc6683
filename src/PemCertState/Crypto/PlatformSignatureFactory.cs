using System.Collections.Concurrent;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;

namespace PemCertState.Crypto;

/// <summary>
/// Signs certificates and CRLs with .NET's OpenSSL-backed RSA/ECDsa instead of BouncyCastle's
/// managed signers (several times faster for an RSA 4096 CA signing a fleet).
/// </summary>
/// <remarks>
/// .NET documents instance members of RSA/ECDsa as not guaranteed thread-safe, so each signature
/// rents a platform key from a pool; the pool grows to the number of concurrent signers and
/// each key is imported once.
/// </remarks>
internal sealed class PlatformSignatureFactory : ISignatureFactory
{
    private readonly AlgorithmIdentifier _algorithm;
    private readonly Func<AsymmetricAlgorithm> _importKey;
    private readonly Func<AsymmetricAlgorithm, byte[], byte[]> _sign;
    private readonly ConcurrentBag<AsymmetricAlgorithm> _pool = [];

    private PlatformSignatureFactory(AlgorithmIdentifier algorithm, Func<AsymmetricAlgorithm> importKey, Func<AsymmetricAlgorithm, byte[], byte[]> sign)
    {
        _algorithm = algorithm;
        _importKey = importKey;
        _sign = sign;
        _pool.Add(importKey()); // import now, so that a key .NET rejects fails here and not mid-fleet
    }

    public object AlgorithmDetails => _algorithm;

    public IStreamCalculator<IBlockResult> CreateCalculator() => new Calculator(this);

    /// <summary>
    /// RSA (SHA-256) and ECDSA on P-256/P-384/P-521 (SHA-256/384/512) use the platform; a key the
    /// platform cannot import (an EC key on another curve, odd RSA parameters) falls back to BouncyCastle.
    /// </summary>
    public static ISignatureFactory For(AsymmetricKeyParameter privateKey)
    {
        try
        {
            return privateKey switch
            {
                RsaPrivateCrtKeyParameters rsa => ForRsa(rsa),
                ECPrivateKeyParameters ec when PlatformCurve(ec) is { } curve => ForEc(ec, curve.Curve, curve.Hash, curve.Oid),
                _ => BouncyCastleFactory(privateKey),
            };
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            // A key OpenSSL will not import (e.g. unbalanced RSA primes from an old tool) can still sign, just slower.
            return BouncyCastleFactory(privateKey);
        }
    }

    /// <summary>One signature over <paramref name="data"/> with the algorithm <see cref="For"/> picks for the key (a host's key pemstate holds).</summary>
    public static byte[] SignWith(AsymmetricKeyParameter privateKey, byte[] data)
    {
        var calculator = For(privateKey).CreateCalculator();
        calculator.Stream.Write(data);
        return calculator.GetResult().Collect();
    }

    private static Asn1SignatureFactory BouncyCastleFactory(AsymmetricKeyParameter privateKey) => privateKey switch
    {
        RsaKeyParameters rsa => new Asn1SignatureFactory("SHA256WITHRSA", rsa),
        ECPrivateKeyParameters ec => new Asn1SignatureFactory(
            ec.Parameters.Curve.FieldSize switch { > 384 => "SHA512WITHECDSA", > 256 => "SHA384WITHECDSA", _ => "SHA256WITHECDSA" }, ec),
        _ => throw new NotSupportedException($"cannot sign with a {privateKey.GetType().Name}"),
    };

    private static PlatformSignatureFactory ForRsa(RsaPrivateCrtKeyParameters key) =>
        new(new AlgorithmIdentifier(PkcsObjectIdentifiers.Sha256WithRsaEncryption, DerNull.Instance),
            () => PlatformKeys.ToPlatform(key),
            (rsa, data) => ((RSA)rsa).SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

    private static PlatformSignatureFactory ForEc(ECPrivateKeyParameters key, ECCurve curve, HashAlgorithmName hash, DerObjectIdentifier signatureOid)
    {
        var publicKey = KeyPairs.PublicOf(key) as ECPublicKeyParameters ?? throw new InvalidOperationException("EC public key expected");
        return new PlatformSignatureFactory(
            new AlgorithmIdentifier(signatureOid),
            () => PlatformKeys.ToPlatform(key, publicKey, curve),
            (ecdsa, data) => ((ECDsa)ecdsa).SignData(data, hash, DSASignatureFormat.Rfc3279DerSequence));
    }

    private static (ECCurve Curve, HashAlgorithmName Hash, DerObjectIdentifier Oid)? PlatformCurve(ECPrivateKeyParameters key)
    {
        var curve = PlatformKeys.PlatformCurve(key.Parameters);
        if (curve is not { } named) return null;
        return key.Parameters.N.BitLength switch
        {
            <= 256 => (named, HashAlgorithmName.SHA256, X9ObjectIdentifiers.ECDsaWithSha256),
            <= 384 => (named, HashAlgorithmName.SHA384, X9ObjectIdentifiers.ECDsaWithSha384),
            _ => (named, HashAlgorithmName.SHA512, X9ObjectIdentifiers.ECDsaWithSha512),
        };
    }

    private byte[] Sign(byte[] data)
    {
        if (!_pool.TryTake(out var key))
            key = _importKey();
        try
        {
            return _sign(key, data);
        }
        finally
        {
            _pool.Add(key);
        }
    }

    private sealed class Calculator(PlatformSignatureFactory factory) : IStreamCalculator<IBlockResult>
    {
        private readonly MemoryStream _data = new();

        public Stream Stream => _data;

        public IBlockResult GetResult() => new SimpleBlockResult(factory.Sign(_data.ToArray()));
    }
}
