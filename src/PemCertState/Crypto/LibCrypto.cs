using System.Runtime.InteropServices;

namespace PemCertState.Crypto;

/// <summary>
/// Q = d x G straight from OpenSSL's libcrypto (the library .NET itself uses for ECDsa on Linux).
/// Observing 10,000 P-256 agent keys spent 77 us a key going through <c>ECDsa.ImportParameters</c> /
/// <c>ExportParameters</c> (a key object, its checks and exports) for a multiplication OpenSSL does in a
/// fraction of that. Where libcrypto.so.3 cannot be loaded, callers fall back to the platform ECDsa path.
/// </summary>
internal static unsafe partial class LibCrypto
{
    private const string Library = "libcrypto.so.3";
    private const int PointConversionUncompressed = 4;
    private const int BnFlagConstTime = 0x04;

    public const int NidP256 = 415; // NID_X9_62_prime256v1
    public const int NidP384 = 715; // NID_secp384r1
    public const int NidP521 = 716; // NID_secp521r1

    [LibraryImport(Library)] private static partial IntPtr EC_GROUP_new_by_curve_name(int nid);
    [LibraryImport(Library)] private static partial IntPtr EC_POINT_new(IntPtr group);
    [LibraryImport(Library)] private static partial void EC_POINT_free(IntPtr point);
    [LibraryImport(Library)] private static partial int EC_POINT_mul(IntPtr group, IntPtr result, IntPtr scalar, IntPtr point, IntPtr pointScalar, IntPtr context);
    [LibraryImport(Library)] private static partial nuint EC_POINT_point2oct(IntPtr group, IntPtr point, int form, byte* buffer, nuint length, IntPtr context);
    [LibraryImport(Library)] private static partial IntPtr BN_bin2bn(byte* bytes, int length, IntPtr result);
    [LibraryImport(Library)] private static partial void BN_set_flags(IntPtr number, int flags);
    [LibraryImport(Library)] private static partial void BN_clear_free(IntPtr number);
    [LibraryImport(Library)] private static partial IntPtr BN_CTX_new();

    private static volatile bool _unavailable;

    // Groups and contexts are per thread: OpenSSL's EC_GROUP is safe to share for reads, a BN_CTX is not,
    // and a handful of each for the process's lifetime costs nothing.
    [ThreadStatic] private static Dictionary<int, IntPtr>? _groups;
    [ThreadStatic] private static IntPtr _context;

    /// <summary>
    /// Writes the uncompressed point 04 || X || Y of <paramref name="scalar"/> x G on the curve
    /// <paramref name="nid"/> into <paramref name="point"/>. False when libcrypto is not there or refuses
    /// (the caller then takes another path); the scalar is copied into a constant-time BIGNUM that is cleared after.
    /// </summary>
    public static bool TryMultiplyGenerator(int nid, ReadOnlySpan<byte> scalar, Span<byte> point)
    {
        if (_unavailable) return false;
        try
        {
            return Multiply(nid, scalar, point);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            _unavailable = true;
            return false;
        }
    }

    private static bool Multiply(int nid, ReadOnlySpan<byte> scalar, Span<byte> point)
    {
        var group = Group(nid);
        if (group == IntPtr.Zero) return false;
        if (_context == IntPtr.Zero) _context = BN_CTX_new();
        if (_context == IntPtr.Zero) return false;

        IntPtr d;
        fixed (byte* s = scalar) d = BN_bin2bn(s, scalar.Length, IntPtr.Zero);
        if (d == IntPtr.Zero) return false;
        var q = IntPtr.Zero;
        try
        {
            BN_set_flags(d, BnFlagConstTime);
            q = EC_POINT_new(group);
            if (q == IntPtr.Zero || EC_POINT_mul(group, q, d, IntPtr.Zero, IntPtr.Zero, _context) != 1) return false;
            fixed (byte* p = point)
                return EC_POINT_point2oct(group, q, PointConversionUncompressed, p, (nuint)point.Length, _context) == (nuint)point.Length;
        }
        finally
        {
            if (q != IntPtr.Zero) EC_POINT_free(q);
            BN_clear_free(d);
        }
    }

    private static IntPtr Group(int nid)
    {
        _groups ??= [];
        if (!_groups.TryGetValue(nid, out var group))
            _groups[nid] = group = EC_GROUP_new_by_curve_name(nid);
        return group;
    }
}
