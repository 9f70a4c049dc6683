using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.X509;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace PemCertState.Crypto;

/// <summary>A CA certificate with its private key: signs leaf certificates and CRLs.</summary>
/// <remarks>Issue and CreateCrl may be called from several threads at once.</remarks>
internal sealed class CertificateAuthority(X509Certificate certificate, AsymmetricKeyParameter privateKey)
{
    /// <summary>Certificates start this long before "now", so a host whose clock lags a little accepts them at once.</summary>
    internal static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    private readonly Lazy<ISignatureFactory> _signer = new(() => PlatformSignatureFactory.For(privateKey));
    private readonly Lazy<byte[]> _authorityKeyId = new(() => AuthorityKeyId(certificate));

    public X509Certificate Certificate { get; } = certificate;

    /// <summary>CA:TRUE (critical), keyCertSign|cRLSign (critical), SKI, AKI, random positive 127-bit serial, SHA-256.</summary>
    public static CertificateAuthority CreateSelfSigned(string subjectDn, AsymmetricCipherKeyPair keyPair, DateTimeOffset now, TimeSpan validity)
    {
        ArgumentNullException.ThrowIfNull(keyPair);
        var subject = DistinguishedNames.Parse(subjectDn);
        var keyId = KeyIdentifier(keyPair.Public);
        var signer = PlatformSignatureFactory.For(keyPair.Private);

        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(RandomSerial());
        generator.SetIssuerDN(subject);
        generator.SetSubjectDN(subject);
        generator.SetNotBefore(Seconds(now - ClockSkew));
        generator.SetNotAfter(Seconds(now + validity));
        generator.SetPublicKey(keyPair.Public);
        generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(true));
        generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.KeyCertSign | KeyUsage.CrlSign));
        generator.AddExtension(X509Extensions.SubjectKeyIdentifier, false, new SubjectKeyIdentifier(keyId));
        generator.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, new AuthorityKeyIdentifier(keyId));
        return new CertificateAuthority(generator.Generate(signer), keyPair.Private);
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
        return generator.Generate(_signer.Value);
    }

    /// <summary>A CRL signed by this CA, thisUpdate=now, nextUpdate=now+validity, CRL number, AKI; keeps the given revoked entries.</summary>
    /// <remarks>The CRL number is now in Unix seconds, so a later CRL always has a larger number without any stored counter.</remarks>
    public X509Crl CreateCrl(DateTimeOffset now, TimeSpan validity, IEnumerable<RevokedEntry>? revoked = null)
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
        return generator.Generate(_signer.Value);
    }

    /// <summary>True when the private key belongs to the certificate.</summary>
    public bool KeyMatches
    {
        get
        {
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

    internal AsymmetricKeyParameter PrivateKey { get; } = privateKey;

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
