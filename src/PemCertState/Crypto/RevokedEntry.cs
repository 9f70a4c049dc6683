using Org.BouncyCastle.Math;

namespace PemCertState.Crypto;

/// <summary>One revoked serial in a CRL.</summary>
internal sealed record RevokedEntry(BigInteger Serial, DateTimeOffset RevokedAt);
