using Org.BouncyCastle.Utilities;

namespace PemCertState.Crypto;

/// <summary>
/// BouncyCastle 2.x proves an RSA modulus composite every time it builds an RSA key object: Miller-Rabin rounds, each a
/// full-size modular exponentiation in managed code (about 40 ms for a 2048-bit key on this 2-core machine, several
/// times that for 4096). A fresh apply builds several objects per key (the generated pair, its public half, the issued
/// certificate's key), which made RSA key handling cost more than OpenSSL's generation of the key itself.
/// <para>
/// The test protects one who encrypts to a stranger's key. pemstate never encrypts to an RSA key: the moduli it meets
/// come from OpenSSL's generator or from certificates and keys the operator installed, and it only signs with its own
/// and verifies with them, as OpenSSL and PostgreSQL do, neither of which runs this test. Inside
/// <see cref="Build{T}"/> BouncyCastle skips the rounds on this thread and keeps its cheap checks (odd, no small
/// factor, at most 16384 bits).
/// </para>
/// </summary>
internal static class RsaModulus
{
    private const string MillerRabinRounds = "Org.BouncyCastle.Rsa.MaxMRTests";

    public static T Build<T>(Func<T> build) => Properties.WithThreadProperty(MillerRabinRounds, "0", build);
}
