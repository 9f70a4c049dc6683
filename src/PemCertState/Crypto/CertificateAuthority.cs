using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.X509;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace PemCertState.Crypto;

/// <summary>
/// A CA certificate and what signs for it: its private key in process, or a <see cref="RemoteSigner"/> on the host that keeps
/// the key (the key never leaves it). Signs leaf certificates and CRLs.
/// </summary>
/// <remarks>Issue and CreateCrl may be called from several threads at once.</remarks>
internal sealed class CertificateAuthority
{
    /// <summary>Certificates start this long before "now", so a host whose clock lags a little accepts them at once.</summary>
    internal static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    private readonly Lazy<ISignatureFactory>? _signer;
    private readonly RemoteSigner? _remote;
    private readonly Lazy<byte[]> _authorityKeyId;

    public CertificateAuthority(X509Certificate certificate, AsymmetricKeyParameter privateKey)
    {
        Certificate = certificate;
        PrivateKey = privateKey;
        _signer = new(() => PlatformSignatureFactory.For(privateKey));
        _authorityKeyId = new(() => AuthorityKeyId(certificate));
    }

    /// <summary>A CA whose key stays on its host: every signature is <paramref name="signer"/>'s.</summary>
    public CertificateAuthority(X509Certificate certificate, RemoteSigner signer)
    {
        Certificate = certificate;
        _remote = signer;
        _authorityKeyId = new(() => AuthorityKeyId(certificate));
    }

    public X509Certificate Certificate { get; }

    /// <summary>CA:TRUE (critical), keyCertSign|cRLSign (critical), SKI, AKI, random positive 127-bit serial, SHA-256.</summary>
    public static CertificateAuthority CreateSelfSigned(string subjectDn, AsymmetricCipherKeyPair keyPair, DateTimeOffset now, TimeSpan validity)
    {
        ArgumentNullException.ThrowIfNull(keyPair);
        var signer = PlatformSignatureFactory.For(keyPair.Private);
        return new CertificateAuthority(SelfSignedGenerator(subjectDn, keyPair.Public, now, validity).Generate(signer), keyPair.Private);
    }

    /// <summary>As <see cref="CreateSelfSigned(string, AsymmetricCipherKeyPair, DateTimeOffset, TimeSpan)"/>, signed where the new key lives.</summary>
    public static async Task<CertificateAuthority> CreateSelfSignedAsync(string subjectDn, AsymmetricKeyParameter publicKey, RemoteSigner signer,
        DateTimeOffset now, TimeSpan validity, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(signer);
        var certificate = await signer.SignAsync(SelfSignedGenerator(subjectDn, publicKey, now, validity), ct).ConfigureAwait(false);
        return new CertificateAuthority(certificate, signer);
    }

    private static X509V3CertificateGenerator SelfSignedGenerator(string subjectDn, AsymmetricKeyParameter publicKey, DateTimeOffset now, TimeSpan validity)
    {
        var subject = DistinguishedNames.Parse(subjectDn);
        var keyId = KeyIdentifier(publicKey);
        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(RandomSerial());
        generator.SetIssuerDN(subject);
        generator.SetSubjectDN(subject);
        generator.SetNotBefore(Seconds(now - ClockSkew));
        generator.SetNotAfter(Seconds(now + validity));
        generator.SetPublicKey(publicKey);
        generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(true));
        generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.KeyCertSign | KeyUsage.CrlSign));
        generator.AddExtension(X509Extensions.SubjectKeyIdentifier, false, new SubjectKeyIdentifier(keyId));
        generator.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, new AuthorityKeyIdentifier(keyId));
        return generator;
    }

    /// <summary>A leaf: CA:FALSE, digitalSignature|keyEncipherment (RSA) or digitalSignature (EC), EKU per usage, SKI, AKI.</summary>
    /// <remarks>notAfter is now+validity even past the CA's own notAfter: clamping is the planner's decision.</remarks>
    public X509Certificate Issue(string subjectDn, AsymmetricKeyParameter subjectPublicKey, LeafUsage usage, DateTimeOffset now, TimeSpan validity)
        => Issue(subjectDn, subjectPublicKey, usage, now, validity, []);

    /// <summary>As the other overload, with a subjectAltName extension when names are given.</summary>
    /// <param name="subjectAltNames">Host names (dNSName) and IP addresses (iPAddress); browsers and
    /// verify-full clients match these, not the CN, once the extension is present.</param>
    public X509Certificate Issue(string subjectDn, AsymmetricKeyParameter subjectPublicKey, LeafUsage usage, DateTimeOffset now, TimeSpan validity,
        IReadOnlyCollection<string> subjectAltNames)
        => LeafGenerator(subjectDn, subjectPublicKey, usage, now, validity, subjectAltNames).Generate(LocalSigner());

    /// <summary>As <see cref="Issue(string, AsymmetricKeyParameter, LeafUsage, DateTimeOffset, TimeSpan, IReadOnlyCollection{string})"/>, signed in process or on the CA key's host.</summary>
    public Task<X509Certificate> IssueAsync(string subjectDn, AsymmetricKeyParameter subjectPublicKey, LeafUsage usage, DateTimeOffset now, TimeSpan validity,
        IReadOnlyCollection<string> subjectAltNames, CancellationToken ct)
    {
        var generator = LeafGenerator(subjectDn, subjectPublicKey, usage, now, validity, subjectAltNames);
        return _remote is { } remote ? remote.SignAsync(generator, ct) : Task.FromResult(generator.Generate(LocalSigner()));
    }

    private ISignatureFactory LocalSigner() =>
        _signer?.Value ?? throw new InvalidOperationException("this CA's key stays on its host: sign with IssueAsync or CreateCrlAsync");

    private X509V3CertificateGenerator LeafGenerator(string subjectDn, AsymmetricKeyParameter subjectPublicKey, LeafUsage usage, DateTimeOffset now, TimeSpan validity,
        IReadOnlyCollection<string> subjectAltNames)
    {
        ArgumentNullException.ThrowIfNull(subjectAltNames);
        ArgumentNullException.ThrowIfNull(subjectPublicKey);
        if (subjectPublicKey.IsPrivate)
            throw new ArgumentException("a public key is expected", nameof(subjectPublicKey));
        if ((usage & (LeafUsage.Server | LeafUsage.Client)) == 0)
            throw new ArgumentOutOfRangeException(nameof(usage), usage, "a leaf needs Server and/or Client usage");

        var purposes = new List<KeyPurposeID>(2);
        if (usage.HasFlag(LeafUsage.Server))
            purposes.Add(KeyPurposeID.id_kp_serverAuth);
        if (usage.HasFlag(LeafUsage.Client))
            purposes.Add(KeyPurposeID.id_kp_clientAuth);
        var keyUsage = subjectPublicKey is RsaKeyParameters
            ? KeyUsage.DigitalSignature | KeyUsage.KeyEncipherment
            : KeyUsage.DigitalSignature;

        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(RandomSerial());
        generator.SetIssuerDN(Certificate.SubjectDN);
        generator.SetSubjectDN(DistinguishedNames.Parse(subjectDn));
        generator.SetNotBefore(Seconds(now - ClockSkew));
        generator.SetNotAfter(Seconds(now + validity));
        generator.SetPublicKey(subjectPublicKey);
        generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(false));
        generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(keyUsage));
        generator.AddExtension(X509Extensions.ExtendedKeyUsage, false, new ExtendedKeyUsage(purposes));
        generator.AddExtension(X509Extensions.SubjectKeyIdentifier, false, new SubjectKeyIdentifier(KeyIdentifier(subjectPublicKey)));
        generator.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, new AuthorityKeyIdentifier(_authorityKeyId.Value));
        if (subjectAltNames.Count > 0)
            generator.AddExtension(X509Extensions.SubjectAlternativeName, false, new GeneralNames(
                subjectAltNames.Select(n => System.Net.IPAddress.TryParse(n, out _)
                    ? new GeneralName(GeneralName.IPAddress, n)
                    : new GeneralName(GeneralName.DnsName, n)).ToArray()));
        return generator;
    }

    /// <summary>A CRL signed by this CA, thisUpdate=now, nextUpdate=now+validity, CRL number, AKI; keeps the given revoked entries.</summary>
    /// <remarks>The CRL number is now in Unix seconds, so a later CRL always has a larger number without any stored counter.</remarks>
    public X509Crl CreateCrl(DateTimeOffset now, TimeSpan validity, IEnumerable<RevokedEntry>? revoked = null)
        => CrlGenerator(now, validity, revoked).Generate(LocalSigner());

    /// <summary>As <see cref="CreateCrl"/>, signed in process or on the CA key's host.</summary>
    public Task<X509Crl> CreateCrlAsync(DateTimeOffset now, TimeSpan validity, IEnumerable<RevokedEntry>? revoked, CancellationToken ct)
    {
        var generator = CrlGenerator(now, validity, revoked);
        return _remote is { } remote ? remote.SignAsync(generator, ct) : Task.FromResult(generator.Generate(LocalSigner()));
    }

    private X509V2CrlGenerator CrlGenerator(DateTimeOffset now, TimeSpan validity, IEnumerable<RevokedEntry>? revoked)
    {
        var thisUpdate = Seconds(now);
        var generator = new X509V2CrlGenerator();
        generator.SetIssuerDN(Certificate.SubjectDN);
        generator.SetThisUpdate(thisUpdate);
        generator.SetNextUpdate(Seconds(now + validity));
        foreach (var entry in revoked ?? [])
            generator.AddCrlEntry(entry.Serial, Seconds(entry.RevokedAt), 0);
        generator.AddExtension(X509Extensions.CrlNumber, false,
            new CrlNumber(BigInteger.ValueOf(new DateTimeOffset(thisUpdate).ToUnixTimeSeconds())));
        generator.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, new AuthorityKeyIdentifier(_authorityKeyId.Value));
        return generator;
    }

    /// <summary>True when the private key belongs to the certificate (a remote signer's key was checked by its public half when observed).</summary>
    public bool KeyMatches
    {
        get
        {
            if (PrivateKey is null) return _remote is not null;
            try
            {
                return KeyPairs.SubjectPublicKeyInfo(PrivateKey).AsSpan()
                    .SequenceEqual(KeyPairs.SubjectPublicKeyInfo(RsaModulus.Build(Certificate.GetPublicKey)));
            }
            catch (Exception e) when (e is NotSupportedException or ArgumentException or InvalidOperationException)
            {
                return false;
            }
        }
    }

    /// <summary>The key in process; null when it stays on its host.</summary>
    internal AsymmetricKeyParameter? PrivateKey { get; }

    /// <summary>The CA's SKI when its certificate has one (what openssl matches the leaf's AKI against), else computed.</summary>
    private static byte[] AuthorityKeyId(X509Certificate certificate)
    {
        var extension = certificate.GetExtensionValue(X509Extensions.SubjectKeyIdentifier);
        return extension is not null
            ? SubjectKeyIdentifier.GetInstance(Asn1Object.FromByteArray(extension.GetOctets())).GetKeyIdentifier()
            : KeyIdentifier(RsaModulus.Build(certificate.GetPublicKey));
    }

    /// <summary>RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's value.</summary>
    private static byte[] KeyIdentifier(AsymmetricKeyParameter publicKey)
    {
        var info = SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(publicKey);
#pragma warning disable CA5350 // SHA-1 is what RFC 5280 prescribes for key identifiers; not a security use.
        return SHA1.HashData(info.PublicKey.GetBytes());
#pragma warning restore CA5350
    }

    /// <summary>16 random bytes with the top bit cleared: positive, at most 127 bits, never zero.</summary>
    internal static BigInteger RandomSerial()
    {
        Span<byte> bytes = stackalloc byte[16];
        while (true)
        {
            RandomNumberGenerator.Fill(bytes);
            bytes[0] &= 0x7F;
            var serial = new BigInteger(1, bytes);
            if (serial.SignValue > 0)
                return serial;
        }
    }

    /// <summary>UTC, truncated to whole seconds (X.509 times have no fractions).</summary>
    private static DateTime Seconds(DateTimeOffset time)
    {
        var utc = time.UtcDateTime;
        return new DateTime(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
    }
}
