using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto.Parameters;

namespace PemCertState.Crypto;

/// <summary>
/// Named-curve domain parameters, so that keys and certificates carry the curve OID (as openssl
/// writes them) rather than explicit parameters.
/// </summary>
internal static class NamedCurves
{
    private static readonly ECNamedDomainParameters P256 = Create(SecObjectIdentifiers.SecP256r1);
    private static readonly ECNamedDomainParameters P384 = Create(SecObjectIdentifiers.SecP384r1);

    public static ECNamedDomainParameters ForSize(int size) => size switch
    {
        256 => P256,
        384 => P384,
        _ => throw new ArgumentOutOfRangeException(nameof(size), size, "ECDSA curve must be P-256 or P-384"),
    };

    /// <summary>The curve OID of EC domain parameters, or null when they are explicit and unknown.</summary>
    public static DerObjectIdentifier? OidOf(ECDomainParameters parameters)
    {
        if (parameters is ECNamedDomainParameters named)
            return named.Name;
        if (parameters.Equals(P256))
            return P256.Name;
        if (parameters.Equals(P384))
            return P384.Name;
        return null;
    }

    private static ECNamedDomainParameters Create(DerObjectIdentifier oid)
        => new(oid, ECNamedCurveTable.GetByOid(oid) ?? throw new InvalidOperationException($"curve {oid} unknown to BouncyCastle"));
}
