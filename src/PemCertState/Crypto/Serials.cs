using Org.BouncyCastle.Math;

namespace PemCertState.Crypto;

/// <summary>
/// How pemstate writes a certificate serial, everywhere: as openssl prints it (<c>x509 -serial</c>, <c>crl -text</c>), upper-case
/// hex with two digits per byte, so the serial a plan asks a CA's operator to revoke is the one their tools show. BigInteger's own
/// hex drops a leading zero (0x0A3F prints as A3F), which neither openssl nor an operator would match.
/// </summary>
internal static class Serials
{
    public static string Text(BigInteger serial)
    {
        ArgumentNullException.ThrowIfNull(serial);
        if (serial.SignValue < 0) return "-" + Text(serial.Negate()); // invalid in a certificate, but one read from a host may have it
        var bytes = serial.ToByteArrayUnsigned();
        return bytes.Length == 0 ? "00" : Convert.ToHexString(bytes);
    }

    /// <summary>Any hex serial (an older ledger's odd-length one included) in <see cref="Text"/>'s form, to compare serials as numbers.</summary>
    public static string Normal(string hex) => Text(new BigInteger(hex, 16));
}
